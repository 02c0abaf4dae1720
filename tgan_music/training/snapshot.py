"""Atomic snapshots of the whole trainer, and resuming from the newest one.

A snapshot is written to a temporary file and renamed, and only when every parameter
of both networks is finite, so a crash or a kill never leaves a broken newest snapshot
and a diverging run never overwrites a good one."""
import glob
import io
import os
import re
import sys

import chainer
from chainer.training import extension

from tgan_music.atomic import atomic_path, test_pause
from tgan_music.errors import UserError, as_user_error
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
        save_snapshot(trainer, snapshot_path(trainer.out, it))
        for _, old in list_snapshots(trainer.out)[:-self.keep]:
            os.remove(old)


def save_snapshot(trainer, path):
    """Writes ``trainer`` to ``path`` through ``<path>.tmp<pid>.npz``, fsynced with its directory
    before the rename. The zip is built in memory and written in one go, so a full disk fails
    in one write (a UserError naming the path) and leaves no half-closed zip behind."""
    buffer = io.BytesIO()
    chainer.serializers.save_npz(buffer, trainer, compression=False)  # float weights barely compress
    with atomic_path(path, durable=True, unique=True) as tmp:
        with open(tmp, "wb") as f:
            f.write(buffer.getbuffer())
        test_pause("snapshot-commit")   # a kill here leaves only the temporary
    return path


def stale_temporaries(out):
    """Temporaries of snapshot writes cut short (``snapshot_iter_*.tmp*.npz``)."""
    return glob.glob(os.path.join(out, "snapshot_iter_*.tmp*.npz"))


def damage(path, error):
    """A short reason when ``error`` (raised loading ``path``) means the file is damaged, else None."""
    if as_user_error(error, path, "reading") is None or isinstance(error, UserError):
        return None
    first = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def resume(trainer, out, clean=True, log=None):
    """Loads the newest readable snapshot in ``out`` into ``trainer``; returns its path or None.

    A damaged snapshot (truncated, not a zip, a bad CRC) is named on stderr, renamed to
    ``<name>.corrupt`` and the previous one is loaded instead. ``clean``: remove temporary
    files of writes cut short, rename damaged snapshots and say so (under MPI only rank 0
    does; every rank falls back to the same snapshot)."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    for stale in stale_temporaries(out) if clean else ():
        os.remove(stale)   # a write cut short by a kill; the finished snapshots are intact
    damaged = []
    for _, path in reversed(list_snapshots(out)):
        try:
            chainer.serializers.load_npz(path, trainer)
        except Exception as e:
            reason = damage(path, e)
            if reason is None:
                if isinstance(e, (KeyError, ValueError)):
                    raise UserError(f"{path}: cannot resume from this snapshot ({type(e).__name__}: {e}); it was "
                                    "made by a different config: use another --out directory or delete the "
                                    "snapshot") from None
                raise
            aside = path + ".corrupt"
            if clean:
                os.replace(path, aside)
                log(f"warning: {path} is damaged ({reason}); moved aside to {os.path.basename(aside)}, "
                    "trying the previous snapshot")
            damaged.append(path)
            continue
        if damaged and clean:
            log(f"resuming from {path}, the newest good snapshot")
        return path
    if damaged:
        # A damaged file may have been read in part: do not train from a half-loaded state.
        raise UserError(f"{out}: no readable snapshot ({len(damaged)} damaged, moved aside to *.corrupt); "
                        "run the same command again to start from iteration 0, or restore a snapshot")
    return None
