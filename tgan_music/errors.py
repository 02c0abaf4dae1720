"""Errors meant for the user: the CLI prints them as one line (no traceback unless --verbose)."""


class UserError(Exception):
    """A problem the user can fix: bad input, a missing file, a wrong option.

    The message names the thing and says what to do.
    """


class ConfigError(UserError):
    """An invalid experiment configuration (names the file and the key)."""


# -- OS and format errors as one line ----------------------------------------------------
# What a full disk looks like: ENOSPC, EDQUOT (a quota), EFBIG (a file-size limit, RLIMIT_FSIZE
# with SIGXFSZ ignored) and numpy's "N requested and M written" (fwrite came up short).
_FULL = {28, 122, 27}   # ENOSPC, EDQUOT, EFBIG
_DENIED = {13, 1, 30}   # EACCES, EPERM, EROFS


def mount_point(path):
    """The mount point of the file system ``path`` (or its nearest existing parent) lives on."""
    import os
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    dev = os.stat(path).st_dev
    while path != os.path.dirname(path) and os.stat(os.path.dirname(path)).st_dev == dev:
        path = os.path.dirname(path)
    return path


def is_disk_full(error):
    import errno
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    text = str(error)
    return ("requested and" in text and "written" in text) or "No space left on device" in text \
        or "File too large" in text


def as_user_error(error, path, action="writing", written=0, formats=True):
    """``error`` (OSError, zipfile.BadZipFile, EOFError, a shape ValueError) as a UserError
    naming ``path`` and the fix; None when it is none of those (the caller re-raises it).
    ``formats=False``: only a full disk and a denied permission (not a corrupt file)."""
    import errno
    import os
    import zipfile
    if isinstance(error, UserError):
        return error
    if is_disk_full(error):
        mb = max(1, -(-int(written) // (1 << 20)))
        limit = " (a file-size limit: ulimit -f)" if getattr(error, "errno", None) == errno.EFBIG else ""
        return UserError(f"no space left on {mount_point(path)}{limit} {action} {path}; free at least "
                         f"{mb} MB there (or write elsewhere) and run the command again")
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        where = error.filename or path
        return UserError(f"permission denied {action} {where}; make {os.path.dirname(os.path.abspath(where))} "
                         "writable (chmod/chown) or choose another output path")
    if not formats:
        return None
    if isinstance(error, (zipfile.BadZipFile, EOFError)) or (
            isinstance(error, (ValueError, OSError)) and any(
                s in str(error) for s in ("pickled", "Failed to interpret", "truncated", "not a zip",
                                          "cannot reshape", "Bad CRC", "Error -3"))):
        return UserError(f"{path}: corrupt or truncated file ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}); delete it and re-create it "
                         "with the command that wrote it")
    return None


class user_errors:
    """``with user_errors(path, "writing"):`` turns the OS and format errors of the block into
    the one-line UserError of :func:`as_user_error` (others pass through unchanged)."""

    def __init__(self, path, action="writing"):
        self.path, self.action = path, action

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None or isinstance(error, UserError) or not isinstance(error, Exception):
            return False
        converted = as_user_error(error, self.path, self.action)
        if converted is None:
            return False
        raise converted from None
