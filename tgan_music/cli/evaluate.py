"""`tgan-music evaluate`."""
from tgan_music.cli.common import not_built

HELP = "Evaluate a training result (rhythm and quality metrics)"


def add_arguments(parser):
    pass


def run(args):
    not_built("evaluate", 7)
