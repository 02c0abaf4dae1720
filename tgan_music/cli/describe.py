"""`tgan-music describe CONFIG`: parameter counts and layer output shapes, without training."""
from tgan_music.arguments import add_config_arguments, load_config_from_args

HELP = "Print parameter counts and layer output shapes of a config's networks"


def add_arguments(parser):
    add_config_arguments(parser)


def run(args):
    config = load_config_from_args(args)
    # heavy (chainer): `--help` imports this module
    from tgan_music.model.summary import format_summary, summarize
    print(format_summary(config, summarize(config)))
