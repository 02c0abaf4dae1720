#!/usr/bin/env python
"""Seconds of audio encoded per second by the NSynth encoder: same as `tgan-music bench nsynth`."""
import sys

from tgan_music.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "nsynth", *sys.argv[1:]]))
