"""Atomic snapshots of the whole trainer, and resuming from the newest one.

A snapshot is written to a temporary file and renamed, and only when every parameter
of both networks is finite, so a crash or a kill never leaves a broken newest snapshot
and a diverging run never overwrites a good one."""
import glob
import os
import re

import chainer
from chainer.training import extension

from tgan_music.atomic import atomic_path
from tgan_music.errors import UserError
from tgan_music.training.triggers import every_and_last

PATTERN = re.compile(r"snapshot_iter_(\d+)\.npz$")


def snapshot_path(out, iteration):
    return os.path.join(out, f"snapshot_iter_{iteration:08d}.npz")


def snapshot_iteration(path):
    """The iteration of snapshot file ``path`` (``snapshot_iter_<N>.npz``), or None for another file."""
    match = PATTERN.search(os.path.basename(path))
    return int(match.group(1)) if match else None


def list_snapshots(out):
    """[(iteration, path)] of the snapshots in ``out``, oldest first."""
    found = []
    for path in glob.glob(os.path.join(out, "snapshot_iter_*.npz")):
        iteration = snapshot_iteration(path)
        if iteration is not None:
            found.append((iteration, path))
    return sorted(found)


def latest_snapshot(out):
    snaps = list_snapshots(out)
    return snaps[-1][1] if snaps else None


def all_finite(*links):
    for link in links:
        for param in link.params():
            if param.array is not None and not bool(chainer.backend.get_array_module(param.array)
                                                   .isfinite(param.array).all()):
                return False
    return True


class Snapshot(extension.Extension):
    """Saves the trainer every ``interval`` iterations and at the end; keeps the newest ``keep``."""

    priority = extension.PRIORITY_READER - 1  # after the log/report extensions have run

    def __init__(self, networks, interval, total, keep=2):
        self.networks = networks
        self.interval = interval
        self.total = total
        self.keep = max(1, keep)
        self.trigger = every_and_last(interval, total)

    def __call__(self, trainer):
        it = trainer.updater.iteration
        if not all_finite(*self.networks):
            raise UserError(f"iteration {it}: the networks hold NaN or inf parameters; not saving them. "
                            f"The last good snapshot is {latest_snapshot(trainer.out) or 'none'}")
        with atomic_path(snapshot_path(trainer.out, it)) as tmp:   # <snapshot>.tmp.npz until complete
            chainer.serializers.save_npz(tmp, trainer, compression=False)  # float weights barely compress
        for _, old in list_snapshots(trainer.out)[:-self.keep]:
            os.remove(old)


def resume(trainer, out, clean=True):
    """Loads the newest snapshot in ``out`` into ``trainer``; returns its path or None.

    ``clean``: remove temporary files of writes cut short (under MPI only rank 0 does)."""
    for stale in glob.glob(os.path.join(out, "snapshot_iter_*.tmp.npz")) if clean else ():
        os.remove(stale)   # a write cut short by a kill; the finished snapshots are intact
    path = latest_snapshot(out)
    if path is None:
        return None
    try:
        chainer.serializers.load_npz(path, trainer)
    except (KeyError, ValueError) as e:
        raise UserError(f"{path}: cannot resume from this snapshot ({type(e).__name__}: {e}); it was made "
                        "by a different config: use another --out directory or delete the snapshot") from None
    return path
