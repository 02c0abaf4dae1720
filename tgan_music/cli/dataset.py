"""`tgan-music dataset`."""
from tgan_music.cli.common import not_built

HELP = "Build datasets: synthesize metronome videos, extract clips from videos"


def add_arguments(parser):
    pass


def run(args):
    not_built("dataset", 3)
