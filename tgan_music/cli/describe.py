"""`tgan-music describe CONFIG`."""
from tgan_music.cli.common import add_config_arguments, load_config_from_args, not_built

HELP = "Print parameter counts and layer output shapes of a config's networks"


def add_arguments(parser):
    add_config_arguments(parser)


def run(args):
    load_config_from_args(args)
    not_built("describe", 5)
