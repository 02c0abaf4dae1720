"""Mean and 95 % interval over training seeds of the evaluations of an ablation's runs.

    .venv/bin/python tools/aggregate_runs.py results/ablation --json heldout/evaluation.json

Runs are directories ``ARM_s<SEED>`` under the given directory; each holds an evaluation JSON
(``evaluate``'s evaluation.json, or ``evaluate --songs``'s songs_evaluation.json) at ``--json``.
The interval is Student's t over the seeds (a 3-seed interval is wide: that is the point).
Prints one Markdown table per row of the evaluation (generated, chance, real) and the tempo
breakdown of the generated clips.
"""
import argparse
import glob
import json
import math
import os
import re
import sys

from tgan_music.evaluation.selection import interval  # noqa: F401 (one implementation, shared with compare)

KEYS = ("tempo_acc8", "tempo_double", "tempo_half", "bas_fact", "bas_bailando", "phase_error", "flicker",
        "seed_spread", "picture_spread")


def fmt(mean, half, digits=2):
    if not math.isfinite(mean):
        return "-"
    return f"{mean:.{digits}f}" + (f" ± {half:.{digits}f}" if math.isfinite(half) else "")


def load_runs(root, json_path):
    arms = {}
    for d in sorted(glob.glob(os.path.join(root, "*_s*"))):
        m = re.match(r"(.+)_s(\d+)$", os.path.basename(d))
        path = os.path.join(d, json_path)
        if m and os.path.isdir(d) and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                result = json.load(f)
            result.setdefault("iteration", None)
            if result["iteration"] is None:
                result["iteration"] = exported_iteration(d)
            arms.setdefault(m.group(1), []).append((int(m.group(2)), result))
    return arms


def exported_iteration(run_dir):
    """The iteration of the snapshot exported to RUN/selected (its SOURCE.txt names it), else None."""
    from tgan_music.training.snapshot import snapshot_iteration  # imports chainer: only when needed
    try:
        with open(os.path.join(run_dir, "selected", "SOURCE.txt"), encoding="utf-8") as f:
            words = f.read().split()   # "generator weights of snapshot_iter_<N>.npz"
    except OSError:
        return None
    return snapshot_iteration(words[-1]) if words else None


def rows_of(result):
    """{row name: {metric: value}} of an evaluation or a songs evaluation."""
    return result.get("rows") or result.get("summary") or {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--json", default="heldout/evaluation.json", help="evaluation JSON inside each run")
    args = parser.parse_args(argv)
    arms = load_runs(args.root, args.json)
    if not arms:
        sys.exit(f"aggregate_runs: no ARM_s<SEED>/{args.json} under {args.root}")
    row_names = []
    for runs in arms.values():
        for _, r in runs:
            row_names += [n for n in rows_of(r) if n not in row_names]
    for row in row_names:
        keys = [k for k in KEYS if any(k in rows_of(r).get(row, {}) for runs in arms.values() for _, r in runs)]
        print(f"\n{row} (mean ± 95 % interval over seeds)\n")
        print("| arm | seeds | " + " | ".join(keys) + " |")
        print("|" + " --- |" * (len(keys) + 2))
        for arm, runs in arms.items():
            cells = [fmt(*interval([rows_of(r).get(row, {}).get(k) for _, r in runs]),
                         digits=3 if k.startswith("bas") else 2) for k in keys]
            print(f"| {arm} | {len(runs)} | " + " | ".join(cells) + " |")
    if any("by_tempo" in r for runs in arms.values() for _, r in runs):
        print("\ngenerated clips by the music's tempo: tempo ±8 % / BAS (FACT)\n")
        ranges = [b["range"] for b in next(r for runs in arms.values() for _, r in runs)["by_tempo"]["generated"]]
        print("| arm | " + " | ".join(ranges) + " |")
        print("|" + " --- |" * (len(ranges) + 1))
        for arm, runs in arms.items():
            cells = []
            for i in range(len(ranges)):
                acc = interval([r["by_tempo"]["generated"][i]["tempo_acc8"] for _, r in runs])
                bas = interval([r["by_tempo"]["generated"][i]["bas_fact"] for _, r in runs])
                cells.append(f"{fmt(*acc)} / {fmt(*bas, digits=3)}")
            print(f"| {arm} | " + " | ".join(cells) + " |")
        real = next(r for runs in arms.values() for _, r in runs)["by_tempo"]["real"]
        print("| real clips | " + " | ".join(f"{b['tempo_acc8']:.2f} / {b['bas_fact']:.3f}" for b in real) + " |")
    print("\nsnapshots chosen on the selection set: " + "; ".join(
        f"{arm}: " + ", ".join(f"s{s} it {r.get('iteration')}" for s, r in runs) for arm, runs in arms.items()))


if __name__ == "__main__":
    main()
