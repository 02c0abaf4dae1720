"""Validation of the rhythm metrics on a clip set: real pairs vs shuffled audio, as a table.

    python -m tgan_music.evaluation.validate CLIP_SET [--audio-beats auto] [--sigma 0.05]

Prints one Markdown row per metric (real mean +- std, shuffled mean +- std, range = real -
shuffled); the final line holds the main figures. Real metronome clips must score far
above the shuffled chance level: the gap is each metric's usable range.
"""
import argparse
import math

from tgan_music.atomic import write_json
from tgan_music.evaluation.metrics import HEADLINE, METRICS
from tgan_music.evaluation.scoring import score_clip_set
from tgan_music.evaluation.settings import AUDIO_BEATS, DEFAULT

# Metrics in the order of docs/metrics.md.
ORDER = tuple(m.key for m in METRICS)


def _cell(stats):
    if stats is None or not math.isfinite(stats["mean"]):
        return "-"
    return f"{stats['mean']:.3f} ± {stats['std']:.3f}"


def markdown_table(result):
    """A Markdown table of a score_clips result: metric | real | shuffled | range."""
    names = [n for n in ORDER if n in result["real"]] + sorted(set(result["real"]) - set(ORDER))
    lines = ["| metric | real | shuffled audio | range (real - shuffled) |",
             "| --- | --- | --- | --- |"]
    for name in names:
        gap = result.get("range", {}).get(name, float("nan"))
        lines.append(f"| {name} | {_cell(result['real'][name])} | "
                     f"{_cell(result.get('shuffled', {}).get(name))} | "
                     f"{'-' if not math.isfinite(gap) else f'{gap:+.3f}'} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tgan_music.evaluation.validate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("clip_set", help="clip set directory (tgan-music dataset metronome --clips)")
    parser.add_argument("--audio-beats", default=DEFAULT.audio_beats, choices=AUDIO_BEATS)
    parser.add_argument("--sigma", type=float, default=DEFAULT.sigma_seconds, help="BAS sigma in seconds")
    parser.add_argument("--rounds", type=int, default=3, help="shuffled pairings per clip")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    args = parser.parse_args(argv)
    result = score_clip_set(args.clip_set, settings=DEFAULT.replace(
        sigma_seconds=args.sigma, audio_beats=args.audio_beats), shuffle_rounds=args.rounds)
    print(f"{len(result['per_clip'])} clips of {args.clip_set}, music beats: {args.audio_beats}, "
          f"sigma {args.sigma} s, {args.rounds} shuffled pairings per clip")
    print(markdown_table(result))
    if args.json:
        write_json(args.json, result, indent=1)
    real, shuffled = result["real"], result.get("shuffled", {})
    print("figures: " + ", ".join(
        f"{k} {real[k]['mean']:.3f} vs {shuffled[k]['mean']:.3f}"
        for k in HEADLINE if k in real and k in shuffled))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
