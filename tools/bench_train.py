#!/usr/bin/env python
"""Seconds per training iteration and videos per second: same as `tgan-music bench train`."""
import sys

from tgan_music.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "train"] + sys.argv[1:]))
