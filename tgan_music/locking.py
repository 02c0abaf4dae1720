"""One writer per output directory: an exclusive ``fcntl.flock`` on ``DIR/.lock``.

    with directory_lock(out):
        ...   # train, embed or extract into ``out``

A second process that asks for the same directory gets a UserError naming the holder
(its pid and command) at once, instead of both writing the same files. The lock belongs to
the open file, so the kernel releases it when the holder exits, even after ``kill -9``: a
stale ``.lock`` file never blocks anyone. Inside one process the lock is re-entrant (a
command that extracts and then embeds into the same clip set takes it once).
"""
import contextlib
import fcntl
import json
import os
import sys

from tgan_music.errors import UserError

LOCK_FILE = ".lock"

_held = {}   # realpath of a locked directory -> [fd, depth] (this process's locks)


def _key(directory):
    return os.path.realpath(directory)


def _describe(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = json.loads(os.read(fd, 65536).decode("utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    pid, command = holder.get("pid"), holder.get("command")
    if pid is None:
        return "another process"
    return f"process {pid} ({command})" if command else f"process {pid}"


def _command():
    return " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]) if sys.argv else "python"


@contextlib.contextmanager
def directory_lock(directory, what="writing"):
    """Holds the exclusive lock of ``directory`` (created when missing) for the block."""
    os.makedirs(directory, exist_ok=True)
    key = _key(directory)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    path = os.path.join(directory, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise UserError(f"{path}: cannot open the lock file ({e.strerror}); make {directory} writable "
                        "or choose another output directory") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _describe(fd)
        os.close(fd)
        raise UserError(f"{directory} is in use by {holder}, which is {what} there; wait for it to finish "
                        "or choose another output directory") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": _command()}).encode("utf-8"), 0)
    except OSError:
        pass   # the lock holds without the note (a full disk): a second writer is still refused
    _held[key] = [fd, 1]
    try:
        yield
    finally:
        del _held[key]
        os.close(fd)   # releases the flock; the file stays (removing it would race a new holder)


def is_locked_here(directory):
    """True while this process holds the lock of ``directory``."""
    return _key(directory) in _held
