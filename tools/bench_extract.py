#!/usr/bin/env python
"""Same as `tgan-music bench extract`: clips per second of extraction (1080p30) and of the synthesizer."""
import sys

from tgan_music.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "extract", *sys.argv[1:]]))
