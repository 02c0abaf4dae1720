# The two commands of the README: `make demo` (main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SHELL := /bin/bash
PYTEST_ARGS ?=

.PHONY: venv test test-all demo motion-data ablation shipped-model clean

# The test suite includes a 2-process ChainerMN run, so it installs the mpi extra; the songs
# benchmark's tests render MIDI, so it installs the songs extra (music21, FluidSynth, a GM soundfont).
venv:
	@EXTRAS=test,mpi,songs tools/bootstrap.sh

test: venv
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Includes the slow tests (full-size configs, long runs).
test-all: venv
	$(PY) -m pytest -q --runslow $(PYTEST_ARGS)

demo: venv
	$(PY) -m tgan_music demo --out results/demo

# The metronome sets of the music-driven recipe (3 s clips at 12 fps, 24x32): training (seed 100),
# selection (seed 200: snapshots and settings are chosen on it) and held-out (seed 300: reported),
# each embedded with the rhythm + librosa features and with librosa alone (the previous recipe).
MOTION_YAML := experiments/music_motion.yaml
motion-data: venv
	@set -e; for set in motion:100:32 motion_select:200:12 motion_heldout:300:16; do \
		IFS=: read name seed videos <<< "$$set"; \
		$(PY) -m tgan_music dataset metronome --out data/$$name/videos --videos $$videos --seed $$seed --duration 16 \
			--size 320x240 --clips data/$$name/clips --config $(MOTION_YAML); \
		$(PY) -m tgan_music embed data/$$name/clips --encoder rhythm+librosa; \
		$(PY) -m tgan_music embed data/$$name/clips --encoder librosa; \
	done

# The ablation of docs/training.md: the previous recipe, the music-driven recipe without and with
# D's music_input, and with the sync expert, 3 seeds each at 1,200 CPU seconds per run (about 2.5
# hours on 2 cores; ARMS="sync_frozen sync_train sync_w03" tools/ablation_music_motion.sh for the rest);
# tools/aggregate_runs.py prints the table.
ablation: motion-data
	tools/ablation_music_motion.sh 1200 0 1 2

# Rebuilds tgan_music/assets/model (about an hour on 2 CPU cores, data included): the
# music-driven recipe with the layered generator, the beat-locked pose, the learned layout, and a
# frame discriminator with a picture warm-up (experiments/music_frames.yaml; docs/training.md),
# on oneDNN's kernels (the bench extra's PyTorch,
# installed here). One sync expert is trained first and shared; then three seeds run side by side at
# 1,200 CPU seconds each (one BLAS thread per run); of the snapshots of the three that flicker at
# most twice the real clips, the best is chosen on the selection set, exported, and evaluated on the held-out set's music and on a rendered songs
# benchmark that no choice looked at. See tgan_music/assets/model/README.md.
SHIPPED_YAML := experiments/music_frames.yaml
SHIPPED_CPU_SECONDS ?= 1200
shipped-model: motion-data
	@EXTRAS=test,mpi,songs,bench tools/bootstrap.sh
	@set -e; mkdir -p results; export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1; \
	$(PY) -m tgan_music train $(SHIPPED_YAML) --out results/shipped_expert --set seed=0 --set train.iterations=2 \
		> results/shipped_expert.log 2>&1; pids=; for s in 0 1 2; do \
		$(PY) -m tgan_music train $(SHIPPED_YAML) --out results/shipped_s$$s --set seed=$$s --set train.cpu_kernels=onednn \
			--set train.sync_expert=results/shipped_expert/sync_expert.npz --set train.sync_start=150 \
			--set train.iterations=100000 --set train.cpu_seconds=$(SHIPPED_CPU_SECONDS) \
			--set train.snapshot_interval=250 --set train.snapshots_kept=100 > results/shipped_s$$s.log 2>&1 & \
		pids="$$pids $$!"; \
	done; for p in $$pids; do wait $$p || { echo "shipped-model: a training run failed (results/shipped_s*.log)"; exit 1; }; done
	$(PY) tools/select_snapshot.py results/shipped_s0 results/shipped_s1 results/shipped_s2 \
		--clips data/motion_select/clips --samples 96 --export tgan_music/assets/model
	$(PY) -m tgan_music evaluate tgan_music/assets/model --no-classifier --clips data/motion_heldout/clips \
		--split all --samples 224 --out results/shipped/heldout
	$(PY) -m tgan_music dataset songs --out data/songs_heldout --songs 10 --seed 7
	$(PY) -m tgan_music evaluate --songs data/songs_heldout --seeds 3 --duration 20 --out results/shipped/songs

clean:
	rm -rf $(VENV) results .pytest_cache
