"""`tgan-music bench generate`: seconds of video generated per wall-clock second."""
from tgan_music.cli.common import not_built

HELP = "seconds of video generated per wall-clock second"


def add_arguments(parser):
    pass


def run(args):
    not_built("bench generate", 6)
