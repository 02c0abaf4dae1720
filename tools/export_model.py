"""Writes a compact model directory (generator weights + config + music statistics + log)
from a training result directory; used to refresh the shipped model:

    .venv/bin/python tools/export_model.py results/shipped tgan_music/assets/model
    .venv/bin/python tools/export_model.py results/shipped/snapshot_iter_00001500.npz tgan_music/assets/model
"""
import argparse

from tgan_music.generation.model import export_model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result_dir", help="a training result directory (its newest snapshot) or one snapshot file")
    parser.add_argument("out_dir")
    args = parser.parse_args()
    out, snapshot = export_model(args.result_dir, args.out_dir)
    print(f"wrote {out} from {snapshot}")


if __name__ == "__main__":
    main()
