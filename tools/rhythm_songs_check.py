"""The rhythm encoder against the exact beats of rendered songs, window by window as generation cuts them.

    .venv/bin/python tools/rhythm_songs_check.py data/songs_select [DIR ...] [--latency 0 0.04] [--duration 20]
        [--config experiments/music_beat.yaml]

For every song of each songs directory (``tgan-music dataset songs``), cut into the windows that
``generate`` uses for ``--config``'s clips (its data.fps and data.frames; generate's default
overlap), prints for each way of choosing the
windows' tempi (``window``: each alone, ``encode_batch``; ``song``: together, ``encode_song``;
``song_phase``: together, and the beat phase the whole song's, ``encode_song(windows, starts)``) and
each ``--latency``:
- the windows' tempo against the score's: within 8 %, twice, half, a third;
- the encoder's beats (``evaluation/songs.window_beats``: each window owning its frames up to the
  middle of its overlaps) against the score's, as BAS with sigma ``--sigma``: FACT (mean over the
  encoder's beats) and Bailando (mean over the score's);
- the median lag of the encoder's beats behind the score's (within a quarter beat).
Choose settings on selection songs only; held-out songs are for the report.
"""
import argparse

import numpy as np

from tgan_music.audio import load_audio
from tgan_music.data.songs import read_song_set
from tgan_music.embedding.rhythm import FEATURES, SAMPLE_RATE, RhythmEncoder
from tgan_music.evaluation.rhythm import bas_bailando, bas_fact
from tgan_music.evaluation.songs import window_beats
from tgan_music.config.loader import load_config
from tgan_music.generation.windows import OVERLAP_FRAMES, WindowPlan

RELATIONS = {"8 %": (1.0, 0.08), "double": (2.0, 0.08), "half": (0.5, 0.08), "third": (1 / 3, 0.08)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("songs", nargs="+", help="songs directories (tgan-music dataset songs --out)")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.04])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each song (default 20)")
    parser.add_argument("--sigma", type=float, default=0.05, help="BAS sigma in seconds (default 0.05)")
    parser.add_argument("--config", default="experiments/music_beat.yaml",
                        help="the clips' geometry (data.fps, data.frames) (default: %(default)s)")
    args = parser.parse_args(argv)
    data = load_config(args.config)["data"]
    tempo_index = FEATURES.index("log2_tempo")
    for directory in args.songs:
        songs = read_song_set(directory)
        rows = {}
        for entry, truth in songs:
            audio = load_audio(entry["audio_path"], SAMPLE_RATE)[:int(args.duration * SAMPLE_RATE)]
            plan = WindowPlan(len(audio), SAMPLE_RATE, data["fps"], data["frames"], OVERLAP_FRAMES)
            windows = plan.window_audio(audio)
            score_beats = np.asarray(truth["beat_times"], np.float64)
            score_beats = score_beats[score_beats < len(audio) / SAMPLE_RATE]
            period = float(np.median(np.diff(score_beats)))
            middles = [(plan.sample_start(w) + plan.clip_samples / 2) / SAMPLE_RATE for w in range(plan.count)]
            true = np.array([next((s["bpm"] for s in truth["tempo_segments"] if s["start"] <= t < s["end"]), np.nan)
                             for t in middles])
            starts = plan.starts()
            for mode in ("window", "song", "song_phase"):
                for latency in args.latency:
                    encoder = RhythmEncoder(latency=latency)
                    features = (encoder.encode_batch(windows) if mode == "window" else
                                encoder.encode_song(windows, starts if mode == "song_phase" else None))
                    ratio = 100 * 2 ** features[:, 0, tempo_index].astype(np.float64) / true
                    beats = window_beats(features, plan)
                    lags = [b - score_beats[np.argmin(np.abs(score_beats - b))] for b in beats]
                    row = rows.setdefault((mode, latency), {"ratio": [], "fact": [], "bailando": [], "lag": []})
                    row["ratio"] += list(ratio[np.isfinite(ratio)])
                    row["fact"].append(bas_fact(beats, score_beats, args.sigma))
                    row["bailando"].append(bas_bailando(beats, score_beats, args.sigma))
                    row["lag"] += [x for x in lags if abs(x) < 0.25 * period]
        print(f"{directory}: {len(songs)} songs, first {args.duration:g} s, BAS sigma {args.sigma:g} s")
        print("| tempi | latency | windows | tempo ±8 % | double | half | third | BAS (FACT) | BAS (Bailando) | lag (ms) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (mode, latency), row in rows.items():
            r = np.array(row["ratio"])
            rel = [np.mean(np.abs(r / target - 1) < tol) for target, tol in RELATIONS.values()]
            print(f"| {mode} | {1000 * latency:g} ms | {len(r)} | " + " | ".join(f"{x:.2f}" for x in rel) +
                  f" | {np.mean(row['fact']):.3f} | {np.mean(row['bailando']):.3f} | {1000 * np.median(row['lag']):.0f} |")


if __name__ == "__main__":
    main()
