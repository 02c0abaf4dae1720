"""MPI launching for the commands that run on every rank (`train`, `embed`, `bench train`).

Cheap to import (no chainer, no MPI): the ``--communicator`` argument, the check that an
MPI launcher started us, and the rule that one rank's error ends the whole job. The
ChainerMN side (communicators, batch slices, multi-node optimizers) is
:mod:`tgan_music.training.distributed`, imported only once a communicator is asked for.
"""
import os
import traceback

from tgan_music.errors import UserError

COMMUNICATORS = ("naive", "flat", "pure_nccl")

# Environment variables MPI launchers set for every process: OpenMPI, MPICH/Hydra, PMIx, Slurm.
_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")

_LOCAL_RANK_HELP = "with --device N each process of a machine takes GPU N + its local rank"


def launched_size():
    """How many processes the MPI launcher started (1 when not started by one)."""
    for name in _SIZE_VARIABLES:
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    return 1


def add_communicator_argument(parser, purpose="train data-parallel over the processes of mpiexec with this "
                                               "ChainerMN communicator: naive on CPUs, pure_nccl (or flat) on GPUs"):
    """``--communicator``; ``purpose`` says what the processes of mpiexec share."""
    parser.add_argument("--communicator", default=None, choices=COMMUNICATORS,
                        help=f"{purpose}; {_LOCAL_RANK_HELP}")


def start_distributed(args):
    """The Distributed of ``--communicator``, or None; refuses mpiexec without --communicator."""
    if args.communicator is None:
        if launched_size() > 1:
            raise UserError(f"started by an MPI launcher with {launched_size()} processes but without "
                            "--communicator: add --communicator naive (CPU) or pure_nccl (GPUs), or start "
                            "one process")
        return None
    # heavy (chainer and ChainerMN): `--help` imports this module
    from tgan_music.training.distributed import create_distributed
    return create_distributed(args.communicator)


def rank_device_id(device_id, dist):
    """``--device N`` under MPI: GPU ``N + intra_rank`` (each process of a machine its own GPU);
    ``-1`` stays the CPU for every rank."""
    if device_id is None or int(device_id) < 0 or dist is None:
        return device_id
    return int(device_id) + dist.intra_rank


def run_on_every_rank(dist, work, verbose=False):
    """Runs ``work()``; under MPI an error on one rank ends the whole job (MPI_Abort) with a
    line naming the rank, instead of leaving the other ranks waiting for it forever.
    Errors every rank raises together (``every_rank``) are reported by rank 0 alone."""
    if dist is None or dist.size == 1:
        return work()
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
            traceback.print_exc()
        message = str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}"
        dist.abort(message, code=2 if isinstance(e, UserError) else 1)
