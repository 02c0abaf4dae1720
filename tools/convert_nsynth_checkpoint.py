#!/usr/bin/env python
"""Converts Magenta's NSynth WaveNet checkpoint (TF tensor bundle) to a Chainer .npz of the encoder.

    .venv/bin/python tools/convert_nsynth_checkpoint.py wavenet-ckpt/model.ckpt-200000 nsynth_encoder.npz

Only the encoder's ae_*/W and ae_*/biases are kept (about 8 MB instead of about 1 GB);
`--checkpoint nsynth_encoder.npz` then works wherever the TF prefix does, with the same
encoder id (the weights' SHA-256 does not depend on the file format). No TensorFlow needed.
"""
import argparse
import sys

from tgan_music.errors import UserError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="TF checkpoint prefix (.../model.ckpt-200000), its .index, or its directory")
    parser.add_argument("out", help="output .npz")
    args = parser.parse_args(argv)
    from tgan_music.embedding.checkpoint import load_nsynth, save_npz
    try:
        encoder = load_nsynth(args.checkpoint)
        out = args.out if args.out.endswith(".npz") else args.out + ".npz"
        save_npz(encoder, out)
    except UserError as e:
        print(f"convert_nsynth_checkpoint: error: {e}", file=sys.stderr)
        return 2
    print(f"{out}: NSynth encoder weights ({encoder.encoder_id}, sha256 {encoder.weights_sha256()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
