"""Picks the snapshot of a training run to ship by its rhythm scores on a *selection* clip set
(rendered apart from both the training set and the held-out set that the final figures use),
so that choosing among snapshots never looks at the test music:

    .venv/bin/python tools/select_snapshot.py results/shipped [results/shipped_s1 ...] \
        --clips data/shipped_select/clips [--export tgan_music/assets/model]

With several training runs (seeds), the best snapshot of all of them is chosen.

Evaluates every kept snapshot_iter_*.npz and, among those whose flicker is at most twice the
real clips' (all when none is), keeps the best tempo accuracy within 8 %, with the Beat Alignment
Score as the tie-break (tgan_music.evaluation.selection, which `tgan-music compare` uses too);
prints a table and, last, the chosen snapshot's path.
"""
import argparse
import os
import sys

from tgan_music.errors import UserError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result_dirs", nargs="+", metavar="RESULT_DIR")
    parser.add_argument("--clips", required=True, help="selection clip set (embedded like the training set)")
    parser.add_argument("--samples", type=int, default=96)
    parser.add_argument("--export", metavar="DIR", help="also export the chosen snapshot's generator to DIR "
                                                       "(as tools/export_model.py does)")
    args = parser.parse_args(argv)
    from tgan_music.evaluation.selection import choose, score_snapshots, steady

    def show(entry):
        name = os.path.join(os.path.basename(os.path.dirname(entry["path"])), entry["snapshot"])
        print(f"{name:44s} {_num(entry['tempo_acc8'], 8, 2)} {_num(entry['chance_tempo_acc8'], 7, 2)} "
              f"{_num(entry['bas_fact'], 10, 3)} {_num(entry['chance_bas_fact'], 7, 3)} "
              f"{_num(entry.get('flicker'), 8, 2)} {_num(entry.get('real_flicker'), 5, 2)}"
              f"{'' if steady(entry) else '  (flickers > 2x real: not chosen)'}", flush=True)
    try:
        print(f"{'snapshot':44s} tempo±8%  chance  BAS(FACT)  chance  flicker  real")
        scored = []
        for result_dir in args.result_dirs:
            scored += score_snapshots(result_dir, args.clips, args.samples, log=show)
        chosen = choose(scored)
    except UserError as e:
        sys.exit(f"select_snapshot: {e}")
    best = chosen["path"]
    if args.export:
        from tgan_music.generation.model import export_model
        export_model(best, args.export)
        print(f"exported to {args.export}")
    print(f"chosen: {best}")


def _num(value, width, digits):
    return f"{value:{width}.{digits}f}" if value is not None else f"{'-':>{width}s}"


if __name__ == "__main__":
    main()
