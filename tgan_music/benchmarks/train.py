"""`tgan-music bench train`: seconds per training iteration and videos per second."""
from tgan_music.cli.common import not_built

HELP = "seconds per training iteration and videos per second"


def add_arguments(parser):
    pass


def run(args):
    not_built("bench train", 5)
