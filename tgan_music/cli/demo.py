"""`tgan-music demo`."""
from tgan_music.cli.common import not_built

HELP = "The main job: small end-to-end run on a fresh machine"


def add_arguments(parser):
    pass


def run(args):
    not_built("demo", 7)
