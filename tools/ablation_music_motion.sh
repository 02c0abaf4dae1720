#!/usr/bin/env bash
# The music-driven-motion ablation of docs/training.md: arms x seeds at equal CPU time.
# Each run trains for CPU_SECONDS of process CPU time (train.cpu_seconds, one BLAS thread),
# the arms of one seed side by side (so they see the same load),
# then tools/select_snapshot.py picks the snapshot on the selection set and `evaluate` scores it
# on the held-out set. Data: `make motion-data` (training, selection, held-out metronome sets).
#   tools/ablation_music_motion.sh [CPU_SECONDS] [SEEDS...]
#   ARMS="previous music_input" tools/ablation_music_motion.sh 1200 2    # some arms only
#   EXTRA="--set train.sync_start=150" ...           # overrides for every arm
#   SYNC_EXPERT=results/expert/sync_expert.npz ...   # one trained expert for every run (its CPU time
#                                                    # is then in no run's budget: the same for all arms)
#   SONGS="songs_heldout" ...                        # also evaluate each choice on these rendered songs
set -euo pipefail
cd "$(dirname "$0")/.."
CPU=${1:-1200}; shift || true
SEEDS=${*:-0 1 2}
PY=.venv/bin/python
OUT=${OUT:-results/ablation}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
declare -A ARM=(
  [previous]="experiments/metronome_shipped.yaml --set data.root=data/motion/clips --set data.frames=36"
  [music_motion]="experiments/music_motion.yaml --set model.discriminator.args.music_input=0"
  [music_input]="experiments/music_motion.yaml"
  [music_sync]="experiments/music_sync.yaml"
  [layered]="experiments/music_layered.yaml"
  # what the layered recipe needs of D's side (issue 12's next ablation)
  [layered_color]="experiments/music_layered.yaml --set train.augment=[color]"
  [layered_no_music_input]="experiments/music_layered.yaml --set model.discriminator.args.music_input=0"
  [layered_no_shift]="experiments/music_layered.yaml --set train.shift_mismatch=false"
  [layered_2]="experiments/music_layered.yaml --set model.generator.args.image_args.layers=2"
  [phase]="experiments/music_phase.yaml"
  # the swing's extremes fixed on the beats (cos only): G learns amplitude and rest pose, not the offset
  [phase_beat]="experiments/music_beat.yaml"
  # the same with a learned first map in the image generator (image_args.layout): the mean picture
  # gets a layout of its own from the first step instead of one tile repeated
  [beat_layout]="experiments/music_beat.yaml --set model.generator.args.image_args.layout=true"
  # the same recipe on oneDNN's kernels (train.cpu_kernels: onednn, needs the bench extra): the
  # same network and numbers to float tolerance, more iterations in the same CPU time (issue 13)
  [beat_onednn]="experiments/music_beat.yaml --set train.cpu_kernels=onednn"
  # and with a learned first map in the image generator (image_args.layout)
  [beat_layout_onednn]="experiments/music_beat.yaml --set train.cpu_kernels=onednn --set model.generator.args.image_args.layout=true"
  # the shipped recipe as it is (music_layout.yaml), and with the frame discriminator and the
  # picture warm-up (music_frames.yaml: G against single frames alone for 400 iterations first)
  [layout]="experiments/music_layout.yaml --set train.cpu_kernels=onednn"
  [frames]="experiments/music_frames.yaml --set train.cpu_kernels=onednn"
  # the same with 2 z per clip during the warm-up (train.frame_warmup_z): twice the pictures per frame-D step
  [frames_z2]="experiments/music_frames.yaml --set train.cpu_kernels=onednn --set train.frame_warmup_z=2"
  # baseline TGAN (no music; z0-only temporal generator) at the shipped model's geometry: where the
  # rhythm metrics sit for a model that cannot follow the music
  [baseline]="experiments/metronome_shipped.yaml --set data.root=data/motion/clips --set data.frames=36 --set model.conditioning=none --set model.discriminator.args.head=score --set train.cpu_kernels=onednn"
  # the same with the rhythm encoder's phase advanced by 40 ms (needs its own sync expert and
  # embeddings: `tgan-music embed DIR --encoder rhythm+librosa --latency 0.04` for the three sets)
  [latency]="experiments/music_beat.yaml --set embedding.encoder.args.latency=0.04"
  [sync_frozen]="experiments/music_sync.yaml --set train.sync_start=0"
  [sync_train]="experiments/music_sync.yaml --set train.sync_start=0 --set train.sync_train=true"
  [sync_w03]="experiments/music_sync.yaml --set train.sync_start=0 --set train.sync_train=true --set train.sync_weight=0.3"
)
ARMS=${ARMS:-previous music_motion music_input music_sync}
run() {  # arm seed
  local dir=$OUT/$1_s$2
  $PY -m tgan_music train ${ARM[$1]} ${SYNC_EXPERT:+--set train.sync_expert=$SYNC_EXPERT} --out "$dir" \
    --set seed=$2 --set train.iterations=100000 \
    --set train.cpu_seconds=$CPU --set train.snapshot_interval=250 --set train.snapshots_kept=100 \
    --set train.preview_interval=1000 ${EXTRA:-} > "$dir.log" 2>&1
  $PY tools/select_snapshot.py "$dir" --clips data/motion_select/clips --samples 96 --export "$dir/selected" \
    > "$dir.select.txt" 2>&1
  $PY -m tgan_music evaluate "$dir/selected" --no-classifier --clips data/motion_heldout/clips --split all \
    --samples 224 --out "$dir/heldout" > "$dir.heldout.log" 2>&1
  for songs in ${SONGS:-}; do   # e.g. SONGS="songs_heldout": rendered songs (tgan-music dataset songs)
    $PY -m tgan_music evaluate "$dir/selected" --songs "data/$songs" --seeds 3 --duration 20 --out "$dir/$songs" \
      > "$dir.$songs.log" 2>&1
  done
}
mkdir -p "$OUT"
for s in $SEEDS; do
  for arm in $ARMS; do run "$arm" "$s" & done
  wait
done
$PY tools/aggregate_runs.py "$OUT" --json heldout/evaluation.json
