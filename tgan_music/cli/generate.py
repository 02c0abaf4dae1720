"""`tgan-music generate`."""
from tgan_music.cli.common import not_built

HELP = "Make a music video from an audio file"


def add_arguments(parser):
    pass


def run(args):
    not_built("generate", 6)
