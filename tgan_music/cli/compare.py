"""`tgan-music compare`."""
from tgan_music.cli.common import not_built

HELP = "Train and evaluate several models on the same data; writes docs/RESULTS.md"


def add_arguments(parser):
    pass


def run(args):
    not_built("compare", 7)
