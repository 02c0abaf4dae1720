"""`tgan-music train CONFIG`: train a model, resuming automatically from the newest snapshot."""
import os

from tgan_music.cli.common import add_config_arguments, add_device_argument, load_config_from_args

HELP = "Train a model from an experiment YAML"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="result directory (default results/<config name>); a run killed there "
                             "resumes from its newest snapshot when started again")


def run(args):
    config = load_config_from_args(args)
    from tgan_music.device import select_device
    from tgan_music.training.trainer import train
    device = select_device(args.device)
    out = args.out or os.path.join("results", config["name"])
    result = train(config, out, device)
    print(f"trained to iteration {result['iteration']}; results in {out} "
          f"(log, loss.png, preview/, snapshot_iter_*.npz)")
