"""`tgan-music train CONFIG`: train a model, resuming automatically from the newest snapshot.

Under MPI: `mpiexec -n N tgan-music train CONFIG --communicator naive` (docs/distributed.md)."""
import os
import sys

from tgan_music.arguments import add_config_arguments, add_device_argument, load_config_from_args
from tgan_music.device import select_device
from tgan_music.distributed import add_communicator_argument, rank_device_id, run_on_every_rank, start_distributed

HELP = "Train a model from an experiment YAML"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="result directory (default results/<config name>); a run killed there "
                             "resumes from its newest snapshot when started again")
    add_communicator_argument(parser)


def run(args):
    config = load_config_from_args(args)
    from tgan_music.training.trainer import train
    dist = start_distributed(args)
    out = args.out or os.path.join("results", config["name"])

    def work():
        device = select_device(rank_device_id(args.device, dist))
        return train(config, out, device, dist=dist)

    result = run_on_every_rank(dist, work, verbose=getattr(args, "verbose", False))
    if dist is None or dist.is_root:
        ranks = f" on {dist.size} processes" if dist is not None else ""
        print(f"trained to iteration {result['iteration']}{ranks}; results in {out} "
              f"(log, loss.png, preview/, snapshot_iter_*.npz)")
    sys.stdout.flush()
