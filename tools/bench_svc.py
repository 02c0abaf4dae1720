#!/usr/bin/env python
"""Times singular value clipping of TGAN's discriminator: same as `tgan-music bench svc`."""
import sys

from tgan_music.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "svc", *sys.argv[1:]]))
