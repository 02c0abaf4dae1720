"""`tgan-music embed`."""
from tgan_music.cli.common import not_built

HELP = "Precompute music embeddings for every clip of a dataset"


def add_arguments(parser):
    pass


def run(args):
    not_built("embed", 4)
