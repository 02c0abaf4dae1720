"""The main job (`make demo`): the whole pipeline, small, on the CPU, in minutes.

1. render a small metronome video set and extract it into clips (data);
2. embed the clips' music with the offline librosa encoder (embedding);
3. train the shipped model's config briefly on it (training);
4. evaluate the shipped model on the demo's clips: rhythm metrics of generated clips vs the
   real clips (upper bound) and shuffled music (chance) (evaluation);
5. with the shipped model, make a music video for a metronome track whose tempo changes
   halfway, and score its motion against the track's known ticks, per half (generation).
"""
import json
import os
import time

import numpy as np

from tgan_music.errors import UserError

SHIPPED_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets", "model", "config.yaml")


def _step(log, n, text):
    log(f"\n[{n}/5] {text}")


def render_track(out_dir, before_bpm=80.0, after_bpm=132.0, seconds=20.0, seed=11):
    """A rendered metronome video (with its audio) whose tempo steps from ``before_bpm`` to
    ``after_bpm`` halfway; returns (mp4 path, ground truth dict)."""
    from tgan_music.data.metronome import draw_params, read_ground_truth, render_video
    os.makedirs(out_dir, exist_ok=True)
    p = draw_params(seed, 0, duration=seconds, size=(320, 240))
    half = seconds / 2
    p.update(tempo_change="step", tempo_knots=[[0.0, before_bpm], [half, before_bpm], [half, after_bpm],
                                               [seconds, after_bpm]], accent_every=None)
    path = render_video(p, out_dir, "tempo_change_track")
    return path, read_ground_truth(path)


def score_music_video(frames, fps, audio, sample_rate, truth, clip_frames, settings=None):
    """Rhythm scores of a generated video (native fps frames) against the track's known ticks,
    for each half, computed over clip-length windows."""
    from tgan_music.evaluation.scoring import score_clips
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


def run_demo(out, *, videos=8, seconds=10.0, iterations=40, device=None, log=print):
    """Runs the demo into ``out`` and returns its summary (also written to ``out/summary.json``)."""
    from tgan_music.config import load_config
    from tgan_music.data.extract import ClipGeometry
    from tgan_music.data.metronome import render_metronome_set
    from tgan_music.embedding.cache import embed_dataset
    from tgan_music.embedding.encoders import build_encoder
    from tgan_music.generation.model import SHIPPED_MODEL

    if not os.path.isfile(SHIPPED_CONFIG):
        raise UserError(f"{SHIPPED_MODEL}: the shipped model is missing from this install; reinstall the package")
    t0 = time.time()
    os.makedirs(out, exist_ok=True)
    config = load_config(SHIPPED_CONFIG)
    clips = os.path.join(out, "clips")
    summary = {"out": os.path.abspath(out)}

    _step(log, 1, f"rendering {videos} metronome videos of {seconds:.0f} s and extracting 12 fps clips")
    from tgan_music.data.extract import extract
    paths = render_metronome_set(os.path.join(out, "videos"), videos, seed=2026, duration=seconds,
                                 size=(320, 240))
    data = dict(config["data"])
    report = extract(paths, clips, ClipGeometry.from_config(data), log=log)
    summary["clips"] = {"dir": clips, "clips": report.get("clips_total", report.get("clips"))}

    _step(log, 2, "embedding the clips' music (librosa encoder)")
    embed_dataset(clips, build_encoder(config["embedding"]["encoder"]), config["embedding"]["encoder"]["name"])

    _step(log, 3, f"training the shipped model's config for {iterations} iterations")
    from tgan_music.training.trainer import train
    train_config = load_config(SHIPPED_CONFIG, [f"data.root={clips}", f"train.iterations={iterations}",
                                                f"train.snapshot_interval={iterations}",
                                                f"train.preview_interval={iterations}",
                                                f"train.log_interval={max(1, iterations // 10)}",
                                                "data.val_fraction=0.0", "data.test_fraction=0.25"])
    train_dir = os.path.join(out, "train")
    train(train_config, train_dir, device)
    summary["training"] = {"dir": train_dir, "loss_plot": os.path.join(train_dir, "loss.png"),
                           "preview": os.path.join(train_dir, "preview")}

    _step(log, 4, "evaluating the shipped model on the demo's held-out clips (rhythm metrics)")
    from tgan_music.evaluation.evaluate import evaluate_result
    from tgan_music.evaluation.report import evaluation_markdown
    result = evaluate_result(SHIPPED_MODEL, clips=clips, split="test", samples=16, use_classifier=False,
                             device=device, write=False)
    eval_md = os.path.join(out, "evaluation.md")
    with open(eval_md, "w", encoding="utf-8") as f:
        f.write(evaluation_markdown(result))
    summary["evaluation"] = {"markdown": eval_md, "rows": result.get("rows")}

    _step(log, 5, "making a music video for a metronome track that changes tempo halfway (80 -> 132 BPM)")
    from tgan_music.audio import load_audio
    from tgan_music.evaluation.scoring import rhythm_metrics_from_config
    from tgan_music.generation.music_video import generate_music_video
    track, truth = render_track(os.path.join(out, "track"))
    video_path = os.path.join(out, "music_video.mp4")
    reports = generate_music_video(track, video_path, scale=4, device=device, log=log, return_frames=True)
    rep = reports[0]
    audio = load_audio(track, data["sample_rate"])
    settings = rhythm_metrics_from_config(config["evaluate"]).settings
    rhythm = score_music_video(rep.pop("native_frames"), data["fps"], audio, data["sample_rate"], truth,
                               data["frames"], settings)
    summary["music_video"] = {"video": video_path, "contact_sheet": rep["contact_sheet"], "track": track,
                              "rhythm_vs_track_ticks": rhythm, "seams": rep["seams"]}
    summary["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, default=float)
    return summary


def _fmt(v):
    return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else (f"{v:.3f}" if isinstance(v, float) else str(v))


def print_summary(summary, log=print):
    log("\n=== tgan-music demo: done in {:.0f} s ===".format(summary["seconds"]))
    log(f"clip set:       {summary['clips']['dir']}")
    log(f"training:       {summary['training']['dir']}  (loss curves: loss.png, previews: preview/)")
    log(f"evaluation:     {summary['evaluation']['markdown']}")
    rows = summary["evaluation"].get("rows") or {}
    keys = ("tempo_acc8", "bas_fact", "bas_bailando", "phase_error")
    if rows:
        log("  shipped model on held-out demo clips (" + ", ".join(keys) + "):")
        for name, row in rows.items():
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
