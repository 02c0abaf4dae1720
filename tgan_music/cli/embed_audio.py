"""`tgan-music embed-audio`."""
from tgan_music.cli.common import not_built

HELP = "Encode one audio file into a music embedding (.npy)"


def add_arguments(parser):
    pass


def run(args):
    not_built("embed-audio", 4)
