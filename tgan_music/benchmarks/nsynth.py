"""`tgan-music bench nsynth`: seconds of audio encoded per second by the NSynth encoder."""
from tgan_music.cli.common import not_built

HELP = "seconds of audio encoded per second by the NSynth encoder"


def add_arguments(parser):
    pass


def run(args):
    not_built("bench nsynth", 4)
