#!/usr/bin/env python
"""Seconds of music video generated per second: same as `tgan-music bench generate`."""
import sys

from tgan_music.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "generate", *sys.argv[1:]]))
