"""Command-line arguments shared by several subcommands and the benchmarks (no heavy imports)."""
from tgan_music.config import load_config


def add_config_arguments(parser):
    parser.add_argument("config", help="experiment YAML (see experiments/)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value with a dotted key, e.g. --set train.batchsize=8 "
                             "(repeatable; the value is read as YAML)")


def add_device_argument(parser):
    parser.add_argument("--device", type=int, default=-1, metavar="N",
                        help="-1 for the CPU (default), N for GPU N (needs CuPy)")


def load_config_from_args(args):
    return load_config(args.config, args.overrides)
