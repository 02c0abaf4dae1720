"""Picks the snapshot of a training run to ship by its rhythm scores on a *selection* clip set
(rendered apart from both the training set and the held-out set that the final figures use),
so that choosing among snapshots never looks at the test music:

    .venv/bin/python tools/select_snapshot.py results/shipped --clips data/shipped_select/clips \
        [--export tgan_music/assets/model]

Evaluates every kept snapshot_iter_*.npz (tempo accuracy within 8 % first, Beat Alignment
Score as the tie-break), prints a table and, last, the chosen snapshot's path.
"""
import argparse
import os
import sys

from tgan_music.errors import UserError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result_dir")
    parser.add_argument("--clips", required=True, help="selection clip set (embedded like the training set)")
    parser.add_argument("--samples", type=int, default=96)
    parser.add_argument("--export", metavar="DIR", help="also export the chosen snapshot's generator to DIR "
                                                       "(as tools/export_model.py does)")
    args = parser.parse_args(argv)
    from tgan_music.evaluation.evaluate import evaluate_result
    from tgan_music.training.snapshot import list_snapshots
    try:
        snapshots = list_snapshots(args.result_dir)
        if not snapshots:
            raise UserError(f"{args.result_dir}: no snapshot_iter_*.npz; train first "
                            "(`tgan-music train CONFIG --out DIR`)")
        scored = []
        print(f"{'snapshot':32s} tempo±8%  chance  BAS(FACT)  chance")
        for _, path in snapshots:
            result = evaluate_result(path, clips=args.clips, split="all", samples=args.samples,
                                     use_classifier=False, progress=False, write=False)
            own, other = result["rows"]["generated"], result["rows"]["generated_shuffled"]
            scored.append(((own["tempo_acc8"], own["bas_fact"]), path))
            print(f"{os.path.basename(path):32s} {own['tempo_acc8']:8.2f} {other['tempo_acc8']:7.2f} "
                  f"{own['bas_fact']:10.3f} {other['bas_fact']:7.3f}", flush=True)
    except UserError as e:
        sys.exit(f"select_snapshot: {e}")
    best = max(scored)[1]
    if args.export:
        from tgan_music.generation.model import export_model
        export_model(best, args.export)
        print(f"exported to {args.export}")
    print(f"chosen: {best}")


if __name__ == "__main__":
    main()
