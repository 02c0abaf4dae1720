"""`tgan-music train`."""
from tgan_music.cli.common import not_built

HELP = "Train a model from an experiment YAML"


def add_arguments(parser):
    pass


def run(args):
    not_built("train", 5)
