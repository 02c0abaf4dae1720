"""`tgan-music train CONFIG`: train a model, resuming automatically from the newest snapshot.

Under MPI: `mpiexec -n N tgan-music train CONFIG --communicator naive` (docs/distributed.md)."""
import os
import sys

from tgan_music.cli.common import add_config_arguments, add_device_argument, load_config_from_args

HELP = "Train a model from an experiment YAML"


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="result directory (default results/<config name>); a run killed there "
                             "resumes from its newest snapshot when started again")
    add_communicator_argument(parser)


def add_communicator_argument(parser):
    parser.add_argument("--communicator", default=None, choices=("naive", "flat", "pure_nccl"),
                        help="train data-parallel over the processes of mpiexec with this ChainerMN "
                             "communicator: naive on CPUs, pure_nccl (or flat) on GPUs; with --device N "
                             "each process of a machine takes GPU N + its local rank")


def start_distributed(args):
    """The Distributed of ``--communicator``, or None; refuses mpiexec without --communicator."""
    from tgan_music.errors import UserError
    from tgan_music.training.distributed import create_distributed, launched_size
    if args.communicator is None:
        if launched_size() > 1:
            raise UserError(f"started by an MPI launcher with {launched_size()} processes but without "
                            "--communicator: add --communicator naive (CPU) or pure_nccl (GPUs), or start "
                            "one process")
        return None
    return create_distributed(args.communicator)


def run_on_every_rank(dist, work, verbose=False):
    """Runs ``work()``; under MPI an error on one rank ends the whole job (MPI_Abort) with a
    line naming the rank, instead of leaving the other ranks waiting for it forever.
    Errors every rank raises together (``every_rank``) are reported by rank 0 alone."""
    if dist is None or dist.size == 1:
        return work()
    from tgan_music.errors import UserError
    try:
        return work()
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        if getattr(e, "every_rank", False):
            if dist.is_root:
                raise
            raise SystemExit(2) from None
        if verbose:
            import traceback
            traceback.print_exc()
        message = str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}"
        dist.abort(message, code=2 if isinstance(e, UserError) else 1)


def run(args):
    config = load_config_from_args(args)
    from tgan_music.device import select_device
    from tgan_music.training.distributed import rank_device_id
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
