"""Writing a file (or a directory) so that readers see the old one or the whole new one, never a part.

    with atomic_path("results/run/loss.png") as tmp:
        fig.savefig(tmp)

The temporary path sits beside the target (same file system, so the rename is atomic) and
ends in the target's extension, so writers that choose the format by the extension (numpy's
.npy/.npz, matplotlib, ffmpeg) write the same thing. When the block fails the temporary is
removed and the target is left as it was.
"""
import contextlib
import json
import os
import shutil
import time

from tgan_music.errors import as_user_error

# Test hook: ``TGAN_MUSIC_TEST_PAUSE=<point>`` makes the process sleep at that commit point
# (after writing ``<point>`` to stderr) so a test can kill it there.
PAUSE_VARIABLE = "TGAN_MUSIC_TEST_PAUSE"


def test_pause(point):
    """Sleeps for a minute when the test hook asks to stop at ``point`` (a no-op otherwise)."""
    if os.environ.get(PAUSE_VARIABLE) == point:
        import sys
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(60)


def fsync_directory(path):
    """Makes the entries of directory ``path`` (a rename into it) survive a power cut."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temporary_path(path, unique=False):
    """The temporary of ``path``: ``<path>.tmp<ext>``, or ``<path>.tmp<pid><ext>`` when ``unique``
    (several processes may write ``path`` at once). A fixed name means a write cut short by a
    kill is cleaned up by the next write of the same file."""
    pid = os.getpid() if unique else ""
    return f"{path}.tmp{pid}{os.path.splitext(path)[1]}"


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.remove(path)


@contextlib.contextmanager
def atomic_path(path, durable=False, unique=False):
    """Yields a temporary path to write ``path``'s new content to; renames it over ``path``
    when the block ends without an error (a directory replaces the old directory).
    ``durable``: flush a file to the disk before the rename and the directory after it (both
    survive a power cut); ``unique``: a temporary of this process's own (see :func:`temporary_path`).

    A full disk or a denied permission inside the block becomes the one-line UserError naming
    ``path`` (tgan_music.errors.as_user_error); the temporary is removed either way."""
    tmp = temporary_path(path, unique)
    _remove(tmp)
    try:
        yield tmp
        if durable and os.path.isfile(tmp):
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        if os.path.isdir(tmp) and os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(tmp, path)
        if durable:
            fsync_directory(os.path.dirname(os.path.abspath(path)))
    except Exception as e:
        written = _size(tmp)
        converted = as_user_error(e, path, written=written, formats=False)
        if converted is None or converted is e:
            raise
        _remove(tmp)
        raise converted from None
    finally:
        _remove(tmp)


def _size(path):
    try:
        if os.path.isdir(path):
            return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
        return os.path.getsize(path)
    except OSError:
        return 0


def write_text(path, text, durable=False, unique=False):
    with atomic_path(path, durable, unique) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def write_json(path, data, indent=2, durable=False, unique=False):
    return write_text(path, json.dumps(data, indent=indent), durable, unique)
