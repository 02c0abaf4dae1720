"""`tgan-music bench svc`: singular value clipping of TGAN's discriminator vs SciPy SVD."""
from tgan_music.cli.common import not_built

HELP = "singular value clipping of TGAN's discriminator vs SciPy SVD"


def add_arguments(parser):
    pass


def run(args):
    not_built("bench svc", 5)
