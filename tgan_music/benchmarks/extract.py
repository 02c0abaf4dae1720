"""`tgan-music bench extract`: clips per second of extraction (1080p30) and of the synthesizer."""
from tgan_music.cli.common import not_built

HELP = "clips per second of extraction (1080p30) and of the synthesizer"


def add_arguments(parser):
    pass


def run(args):
    not_built("bench extract", 3)
