"""The rhythm encoder against metronome ground truth: pulse peaks near ticks, tempo, beat phase.

    .venv/bin/python tools/rhythm_feature_check.py data/motion/videos [--videos 12] [--every 2]

For 3 s windows every ``--every`` seconds of each rendered metronome video (with its JSON ground
truth), prints the fraction of ticks with a PLP peak within 70 ms, of windows whose tempo
feature is within 8 % of the true tempo, and the median beat-phase error at the ticks.
"""
import argparse
import glob
import os

import numpy as np

from tgan_music.audio import load_audio
from tgan_music.data.metronome import read_ground_truth
from tgan_music.data.tempo_curve import tempo_at, tick_times
from tgan_music.embedding.rhythm import FEATURES, HOP, SAMPLE_RATE, rhythm_features


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", help="directory of metronome .mp4 + .json (tgan-music dataset metronome --out)")
    parser.add_argument("--videos", dest="count", type=int, default=12)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between window starts")
    args = parser.parse_args(argv)
    hits, tempo_ok, phase_err = [], [], []
    for path in sorted(glob.glob(os.path.join(args.videos, "*.mp4")))[:args.count]:
        truth = read_ground_truth(path)
        audio = load_audio(path, SAMPLE_RATE)
        ticks = tick_times(truth["tempo_knots"], truth["phase0"], len(audio) / SAMPLE_RATE)
        for start in np.arange(0, len(audio) / SAMPLE_RATE - 3, args.every):
            r = rhythm_features(audio[int(start * SAMPLE_RATE):int((start + 3) * SAMPLE_RATE)])
            t = (np.arange(len(r)) * HOP + HOP / 2) / SAMPLE_RATE
            pulse = r[:, FEATURES.index("pulse")]
            peaks = t[1:-1][(pulse[1:-1] >= pulse[:-2]) & (pulse[1:-1] > pulse[2:]) & (pulse[1:-1] > 0.5)]
            phase = np.arctan2(r[:, FEATURES.index("beat_sin")], r[:, FEATURES.index("beat_cos")])
            inside = ticks[(ticks >= start) & (ticks < start + 3)] - start
            for tick in inside:
                if 0.2 <= tick <= 2.8:
                    hits.append(bool(len(peaks)) and np.min(np.abs(peaks - tick)) < 0.07)
                phase_err.append(abs(phase[np.argmin(np.abs(t - tick))]) / (2 * np.pi))
            bpm = 100 * 2 ** float(np.median(r[:, FEATURES.index("log2_tempo")]))
            true = float(tempo_at(truth["tempo_knots"], start + 1.5))
            tempo_ok.append(abs(bpm / true - 1) < 0.08)
    print(f"ticks with a PLP peak within 70 ms: {np.mean(hits):.2f} ({len(hits)} ticks)")
    print(f"windows with the tempo within 8 %: {np.mean(tempo_ok):.2f} ({len(tempo_ok)} windows)")
    print(f"beat phase at the ticks: median error {np.median(phase_err):.3f} beat, "
          f"{np.mean(np.asarray(phase_err) < 0.1):.2f} within 0.1 beat")


if __name__ == "__main__":
    main()
