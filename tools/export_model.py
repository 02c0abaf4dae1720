"""Writes a compact model directory (generator weights + config + music statistics + log)
from a training result directory; used to refresh the shipped model:

    .venv/bin/python tools/export_model.py results/shipped tgan_music/assets/model
"""
import argparse

from tgan_music.generation.model import export_model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result_dir")
    parser.add_argument("out_dir")
    args = parser.parse_args()
    out, snapshot = export_model(args.result_dir, args.out_dir)
    print(f"wrote {out} from {snapshot}")


if __name__ == "__main__":
    main()
