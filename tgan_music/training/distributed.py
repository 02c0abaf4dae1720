"""Data-parallel training over MPI processes with ChainerMN (``mpiexec -n N tgan-music train``).

Every rank builds the same networks from the same seed; rank 0's weights are broadcast
once, gradients are averaged by ChainerMN's multi-node optimizers, so every update, and
the singular value clipping after it, gives the same weights on every rank. Each global
batch (``train.batchsize``) is split into ``size`` equal slices, one per rank; with
multi-node batch normalization the N-rank run computes what the 1-rank run computes (up
to the order of float sums). Logging, snapshots and previews happen on rank 0 only.
"""
import os
import sys

import chainer
import chainer.links as L
import numpy as np

from tgan_music.device import cupy_available
from tgan_music.distributed import COMMUNICATORS
from tgan_music.errors import UserError

GPU_COMMUNICATORS = ("flat", "pure_nccl")   # ChainerMN's flat and pure_nccl hold CuPy buffers


def mpiexec_command(processes, command):
    """``mpiexec -n P <command>`` for this machine's launcher, or None when there is none.

    Open MPI gets ``--oversubscribe`` (more processes than cores is fine for CPU runs and
    tests); running as root also needs OMPI_ALLOW_RUN_AS_ROOT (see :func:`mpiexec_env`)."""
    import shutil
    import subprocess
    launcher = shutil.which("mpiexec")
    if launcher is None:
        return None
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True).stdout
    extra = ["--oversubscribe"] if ("Open MPI" in version or "OpenRTE" in version) else []
    return [launcher, *extra, "-n", str(processes), *command]


def mpiexec_env(threads=None):
    """The environment for :func:`mpiexec_command`: Open MPI refuses root without these two
    variables; ``threads`` caps the BLAS/OpenMP threads of each process."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    return env


class Distributed:
    """A ChainerMN communicator and what the training code asks of it."""

    def __init__(self, comm, name):
        self.comm = comm
        self.name = name
        self.rank = comm.rank
        self.size = comm.size
        self.intra_rank = comm.intra_rank   # rank among the processes of this machine

    @property
    def is_root(self):
        return self.rank == 0

    def local_slice(self, n_global):
        """The slice of a global batch of ``n_global`` examples that this rank works on."""
        if n_global % self.size:
            raise UserError(f"train.batchsize={n_global} cannot be split over {self.size} processes; "
                            f"use a multiple of {self.size}")
        n = n_global // self.size
        return slice(self.rank * n, (self.rank + 1) * n)

    def mean(self, values):
        """Mean over the ranks of a list of floats (every rank gets the same numbers)."""
        from mpi4py import MPI
        local = np.asarray(values, np.float64)
        total = np.empty_like(local)
        self.comm.mpi_comm.Allreduce(local, total, op=MPI.SUM)
        return [float(v) for v in total / self.size]

    def average_persistents(self, *links):
        """Averages the BatchNormalization running statistics over the ranks (in place).

        Without multi-node BN each rank's running statistics come from its own slice;
        SVC clamps BN gammas by them, so they must agree for the weights to agree."""
        arrays = [array for link in links for bn in batch_norms(link)
                  for array in (bn.avg_mean, bn.avg_var)]
        if not arrays:
            return
        host = chainer.backend.CpuDevice()
        flat = np.concatenate([host.send(a).astype(np.float64).ravel() for a in arrays])
        from mpi4py import MPI
        total = np.empty_like(flat)
        self.comm.mpi_comm.Allreduce(flat, total, op=MPI.SUM)
        total /= self.size
        offset = 0
        for a in arrays:
            device = chainer.backend.get_device_from_array(a)
            a[...] = device.send(total[offset:offset + a.size].reshape(a.shape).astype(a.dtype))
            offset += a.size

    def barrier(self):
        self.comm.mpi_comm.Barrier()

    def abort(self, message, code=1):
        """Ends every process of the job: one line on stderr naming this rank, then MPI_Abort."""
        sys.stdout.flush()
        print(f"rank {self.rank} of {self.size} failed: {message}; stopping all {self.size} processes",
              file=sys.stderr, flush=True)
        self.comm.mpi_comm.Abort(code)


def create_distributed(name, device=None):
    """A :class:`Distributed` over ``mpiexec``'s processes with ChainerMN communicator ``name``.

    UserError (one line, with what to do) when ChainerMN/mpi4py is missing or a GPU
    communicator is asked for on the CPU."""
    if name not in COMMUNICATORS:
        raise UserError(f"--communicator {name}: allowed: {', '.join(COMMUNICATORS)}")
    if name in GPU_COMMUNICATORS:
        if not cupy_available():
            raise UserError(f"--communicator {name} needs GPUs (CuPy); on the CPU use --communicator naive")
    try:
        import mpi4py.MPI  # noqa: F401  (initialises MPI)
        import chainermn
    except ImportError as e:
        raise UserError(f"--communicator {name}: {e.name or 'mpi4py'} is missing; install the mpi extra "
                        "(pip install -e '.[mpi]') and OpenMPI (tools/bootstrap.sh)") from None
    return Distributed(chainermn.create_communicator(name), name)


# -- multi-node batch normalization --------------------------------------------

class MultiNodeBatchNormalization(L.BatchNormalization):
    """A BatchNormalization whose training-mode statistics (and their gradients) are taken
    over the global batch of every rank (ChainerMN's multi-node BN function).

    It stays a ``L.BatchNormalization`` with the same parameters and persistents, so
    snapshots, SVC's gamma clamp and test-mode inference treat it as one."""

    def __init__(self, bn, comm):
        if bn.avg_mean is None:
            raise ValueError("MultiNodeBatchNormalization: the BatchNormalization has no size yet; "
                             "run one forward pass first")
        super().__init__(size=bn.avg_mean.shape, decay=bn.decay, eps=bn.eps, dtype=bn._highprec_dtype,
                         use_gamma=bn.gamma is not None, use_beta=bn.beta is not None, axis=bn.axis)
        from chainermn.functions.batch_normalization import (MultiNodeBNImplSelector,
                                                             get_communication_backend)
        self.copyparams(bn)
        self.avg_mean, self.avg_var, self.N = bn.avg_mean, bn.avg_var, bn.N
        self._selector = MultiNodeBNImplSelector(comm, get_communication_backend(comm))

    def forward(self, x, finetune=False):
        if not chainer.config.train:
            return super().forward(x)
        from chainer.functions.normalization.batch_normalization import BatchNormalization
        gamma = self.gamma if self.gamma is not None else self._get_gamma()[0]
        beta = self.beta if self.beta is not None else self._get_beta()[0]
        if finetune:
            self.N += 1
            decay = 1.0 - 1.0 / self.N
        else:
            decay = self.decay
        func = BatchNormalization(self.eps, self.avg_mean, self.avg_var, decay, axis=self.axis,
                                  impl_selector=self._selector)
        y, = func.apply((x, gamma, beta))
        for mine, theirs in ((self.avg_mean, func.running_mean), (self.avg_var, func.running_var)):
            if theirs is not mine:   # the CPU kernels update in place; others may return new arrays
                mine[...] = theirs
        return y


def batch_norms(link):
    return [sub for sub in link.links() if isinstance(sub, L.BatchNormalization)]


def use_multi_node_batch_normalization(link, comm):
    """Replaces, in place, every ``L.BatchNormalization`` child of ``link`` (at any depth)
    by a :class:`MultiNodeBatchNormalization` holding the same arrays; returns how many.

    Call it before moving the link to a device and before setting up optimizers."""
    replaced = 0
    for parent in list(link.links()):
        if not isinstance(parent, chainer.Chain):
            continue
        for name in list(parent._children):
            child = parent.__dict__[name]
            if isinstance(child, L.BatchNormalization) and not isinstance(child, MultiNodeBatchNormalization):
                new = MultiNodeBatchNormalization(child, comm)
                new.name = name
                parent.__dict__[name] = new
                replaced += 1
    return replaced


# -- optimizers ------------------------------------------------------------------

def multi_node_optimizer(optimizer, dist):
    """Wraps a set-up optimizer so that its update averages the gradients over the ranks.

    Rank 0's weights are broadcast now, and the wrapper's parameter list is primed, so that
    the first training iteration already updates (ChainerMN's wrapper would otherwise spend
    it on the broadcast and skip the update, and the run would lag the 1-rank run by one)."""
    import chainermn
    wrapped = chainermn.create_multi_node_optimizer(optimizer, dist.comm)
    link = optimizer.target
    dist.comm.bcast_data(link)
    wrapped.is_changed(link)
    return wrapped
