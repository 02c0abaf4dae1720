"""The main job (`make demo`): the whole pipeline, small, on the CPU, in minutes.

1. render a small metronome video set and extract it into clips (data);
2. embed the clips' music with the offline librosa encoder (embedding);
3. train the shipped model's config briefly on it (training);
4. evaluate the shipped model on held-out metronome clips whose tempi span 40-200 BPM (ten
   videos, log-spaced tempi, every clip): rhythm metrics of generated clips vs the real clips
   (upper bound) and shuffled music (chance), by tempo range; and on two rendered songs (the
   songs benchmark: score's beats, chance, the beat-bar upper bound) (evaluation);
5. with the shipped model, make a music video for a metronome track whose tempo changes
   halfway, and score its motion against the track's known ticks, per half (generation).
"""
import json
import os
import shutil
import time

import numpy as np

from tgan_music.atomic import write_text
from tgan_music.audio import load_audio
from tgan_music.config import load_config
from tgan_music.data.extract import ClipGeometry, extract
from tgan_music.data.metronome import draw_params, read_ground_truth, render_metronome_set, render_video
from tgan_music.data.songs import render_song_set
from tgan_music.data.storage import ClipStore
from tgan_music.embedding.cache import embed_dataset
from tgan_music.embedding.encoders import build_encoder
from tgan_music.errors import UserError
from tgan_music.evaluation.evaluate import evaluate_result
from tgan_music.evaluation.metrics import HEADLINE
from tgan_music.evaluation.report import evaluation_markdown
from tgan_music.evaluation.scoring import score_clips
from tgan_music.evaluation.settings import RhythmSettings
from tgan_music.evaluation.songs import evaluate_songs
from tgan_music.generation.model import SHIPPED_MODEL
from tgan_music.generation.music_video import generate_music_video
from tgan_music.training.trainer import train

SHIPPED_CONFIG = os.path.join(SHIPPED_MODEL, "config.yaml")


def _step(log, n, text):
    log(f"\n[{n}/5] {text}")


def render_at_tempo(out_dir, name, knots, seconds, seed, index=0):
    """A rendered metronome video (scene of ``draw_params(seed, index)``) whose tempo follows
    ``knots`` ([[time, bpm], ...]); returns (mp4 path, ground truth dict)."""
    os.makedirs(out_dir, exist_ok=True)
    p = draw_params(seed, index, duration=seconds, size=(320, 240))
    p.update(tempo_change="none" if len({k[1] for k in knots}) == 1 else "step", tempo_knots=knots,
             accent_every=None)
    path = render_video(p, out_dir, name)
    return path, read_ground_truth(path)


def render_track(out_dir, before_bpm=80.0, after_bpm=132.0, seconds=20.0, seed=11):
    """A metronome track whose tempo steps from ``before_bpm`` to ``after_bpm`` halfway."""
    half = seconds / 2
    knots = [[0.0, before_bpm], [half, before_bpm], [half, after_bpm], [seconds, after_bpm]]
    return render_at_tempo(out_dir, "tempo_change_track", knots, seconds, seed)


# Held-out tempi of the demo: log-spaced over the range the shipped model was trained on.
HELDOUT_TEMPI = tuple(float(round(40.0 * (200.0 / 40.0) ** (k / 9), 1)) for k in range(10))


def render_heldout(out_dir, seconds=8.0, seed=4242):
    """One constant-tempo metronome video per tempo of HELDOUT_TEMPI (scenes never trained on)."""
    return [render_at_tempo(out_dir, f"heldout_{bpm:05.1f}bpm", [[0.0, bpm], [seconds, bpm]], seconds, seed, k)[0]
            for k, bpm in enumerate(HELDOUT_TEMPI)]


def score_music_video(frames, fps, audio, sample_rate, truth, clip_frames, settings=None):
    """Rhythm scores of a generated video (native fps frames) against the track's known ticks,
    for each half, computed over clip-length windows."""
    ticks = np.asarray(truth["tick_times"])
    knots = truth.get("tempo_knots") or truth.get("tempo_curve")
    half = len(frames) / fps / 2
    out = {}
    for name, (a, b) in (("first_half", (0.0, half)), ("second_half", (half, 2 * half))):
        videos, audios, tick_lists, tempi = [], [], [], []
        start = a
        while start + clip_frames / fps <= b + 1e-6:
            f0 = int(round(start * fps))
            s0 = int(round(start * sample_rate))
            videos.append(frames[f0:f0 + clip_frames])
            audios.append(audio[s0:s0 + int(round(clip_frames / fps * sample_rate))])
            tick_lists.append(ticks - start)
            tempi.append(float(np.interp(start + clip_frames / fps / 2, *np.asarray(knots, float).T))
                         if knots else None)
            start += clip_frames / fps
        if videos:
            scored = score_clips(videos, audios, fps, sample_rate, ticks=tick_lists, tempi=tempi,
                                 settings=settings, shuffle_rounds=0)
            out[name] = {k: v["mean"] for k, v in scored["real"].items() if isinstance(v, dict) and "mean" in v}
            out[name]["tempo_bpm"] = float(np.mean(tempi)) if tempi[0] is not None else None
    return out


def run_demo(out, *, videos=8, seconds=10.0, iterations=40, songs=2, song_seconds=15.0, device=None, log=print):
    """Runs the demo into ``out`` and returns its summary (also written to ``out/summary.json``)."""
    if not os.path.isfile(SHIPPED_CONFIG):
        raise UserError(f"{SHIPPED_MODEL}: the shipped model is missing from this install; reinstall the package")
    t0 = time.time()
    os.makedirs(out, exist_ok=True)
    config = load_config(SHIPPED_CONFIG)
    clips = os.path.join(out, "clips")
    summary = {"out": os.path.abspath(out)}

    _step(log, 1, f"rendering {videos} metronome videos of {seconds:.0f} s and extracting 12 fps clips")
    paths = render_metronome_set(os.path.join(out, "videos"), videos, seed=2026, duration=seconds,
                                 size=(320, 240))
    data = dict(config["data"])
    report = extract(paths, clips, ClipGeometry.from_config(data), log=log)
    summary["clips"] = {"dir": clips, "clips": len(ClipStore(clips))}
    heldout = os.path.join(out, "heldout_clips")
    heldout_paths = render_heldout(os.path.join(out, "heldout_videos"))
    extract(heldout_paths, heldout, ClipGeometry.from_config(data), log=log)
    summary["heldout_clips"] = {"dir": heldout, "clips": len(ClipStore(heldout)), "tempi_bpm": list(HELDOUT_TEMPI)}

    encoder = config["embedding"]["encoder"]
    _step(log, 2, f"embedding the clips' music ({encoder['name']} encoder"
                  + (f" + {encoder['args']['base']}" if (encoder.get("args") or {}).get("base") else "") + ")")
    for root in (clips, heldout):
        embed_dataset(root, build_encoder(encoder), encoder["name"])

    _step(log, 3, f"training the shipped model's config for {iterations} iterations")
    train_config = load_config(SHIPPED_CONFIG, [f"data.root={clips}", f"train.iterations={iterations}",
                                                f"train.snapshot_interval={iterations}",
                                                f"train.preview_interval={iterations}",
                                                f"train.log_interval={max(1, iterations // 10)}",
                                                "data.val_fraction=0.0", "data.test_fraction=0.25",
                                                # the sync expert briefly (its 1,200 steps alone take 4
                                                # CPU minutes), and its loss on for the last half
                                                f"train.sync_iterations={max(2, 2 * iterations)}",
                                                f"train.sync_start={max(1, iterations // 4)}"])
    if train_config["train"]["frame_warmup"]:   # the picture warm-up for the first quarter, like sync_start
        train_config["train"]["frame_warmup"] = max(1, iterations // 4)
    train_dir = os.path.join(out, "train")
    # A fresh run every time: the demo's earlier run may be of another shipped model's config,
    # whose snapshot cannot be resumed (train would refuse it); the directory is the demo's own.
    shutil.rmtree(train_dir, ignore_errors=True)
    train(train_config, train_dir, device)
    summary["training"] = {"dir": train_dir, "loss_plot": os.path.join(train_dir, "loss.png"),
                           "preview": os.path.join(train_dir, "preview")}

    _step(log, 4, f"evaluating the shipped model on {summary['heldout_clips']['clips']} held-out clips at "
                  f"{HELDOUT_TEMPI[0]:g}-{HELDOUT_TEMPI[-1]:g} BPM and on {songs} rendered songs")
    result = evaluate_result(SHIPPED_MODEL, clips=heldout, split="all", samples=summary["heldout_clips"]["clips"],
                             use_classifier=False, device=device, write=False)
    eval_md = os.path.join(out, "evaluation.md")
    write_text(eval_md, evaluation_markdown(result))
    summary["evaluation"] = {"markdown": eval_md, "rows": result.get("rows"), "by_tempo": result.get("by_tempo")}
    songs_dir = os.path.join(out, "songs")
    render_song_set(songs_dir, songs=songs, seed=5, duration=song_seconds, workers=1, progress=False)
    song_result = evaluate_songs(None, songs_dir, seeds=2, duration=song_seconds, device=device, progress=False,
                                 out=os.path.join(out, "songs_evaluation"))
    summary["songs"] = {"dir": songs_dir, "markdown": os.path.join(out, "songs_evaluation", "songs_evaluation.md"),
                        "rows": song_result.get("rows")}

    _step(log, 5, "making a music video for a metronome track that changes tempo halfway (80 -> 132 BPM)")
    track, truth = render_track(os.path.join(out, "track"))
    video_path = os.path.join(out, "music_video.mp4")
    reports = generate_music_video(track, video_path, scale=4, device=device, log=log, return_frames=True)
    rep = reports[0]
    audio = load_audio(track, data["sample_rate"])
    settings = RhythmSettings.from_config(config["evaluate"])
    rhythm = score_music_video(rep.pop("native_frames"), data["fps"], audio, data["sample_rate"], truth,
                               data["frames"], settings)
    summary["music_video"] = {"video": video_path, "contact_sheet": rep["contact_sheet"], "track": track,
                              "rhythm_vs_track_ticks": rhythm, "seams": rep["seams"]}
    summary["seconds"] = round(time.time() - t0, 1)
    write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2, default=float))
    return summary


def _fmt(v):
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else (f"{v:.3f}" if isinstance(v, float) else str(v))


def print_summary(summary, log=print):
    log("\n=== tgan-music demo: done in {:.0f} s ===".format(summary["seconds"]))
    log(f"clip set:       {summary['clips']['dir']}")
    log(f"training:       {summary['training']['dir']}  (loss curves: loss.png, previews: preview/)")
    log(f"evaluation:     {summary['evaluation']['markdown']}")
    rows = summary["evaluation"].get("rows") or {}
    keys = HEADLINE
    if rows:
        log("  shipped model on held-out clips at 40-200 BPM (" + ", ".join(keys) + "):")
        for name, row in rows.items():
            log(f"    {name:<20} " + "  ".join(_fmt(row.get(k)) for k in keys))
    if summary.get("songs"):
        log(f"songs:          {summary['songs']['markdown']}  (" + ", ".join(keys) + ")")
        for name, row in (summary["songs"].get("rows") or {}).items():
            log(f"    {name:<20} " + "  ".join(_fmt(row.get(k)) for k in keys))
    mv = summary["music_video"]
    log(f"music video:    {mv['video']}  (contact sheet: {mv['contact_sheet']})")
    log(f"  track:        {mv['track']} (80 BPM, then 132 BPM from the middle)")
    for half, r in mv["rhythm_vs_track_ticks"].items():
        log(f"  {half:<12}  track {_fmt(r.get('tempo_bpm'))} BPM: video tempo ±8% {_fmt(r.get('tempo_acc8'))}, "
            f"BAS {_fmt(r.get('bas_fact'))}, phase error {_fmt(r.get('phase_error'))}")
    log(f"  seams: mean frame change across window seams {mv['seams']['seam_mean_diff']:.2f} vs "
        f"within windows {mv['seams']['within_mean_diff']:.2f}")
    log(f"summary:        {os.path.join(summary['out'], 'summary.json')}")
