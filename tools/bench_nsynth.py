#!/usr/bin/env python
"""Seconds of audio encoded per second by the NSynth encoder: same as `tgan-music bench nsynth`."""
import sys

from tgan_music.benchmarks.nsynth import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
