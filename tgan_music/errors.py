"""Errors meant for the user: the CLI prints them as one line (no traceback unless --verbose)."""


class UserError(Exception):
    """A problem the user can fix: bad input, a missing file, a wrong option.

    The message names the thing and says what to do.
    """


class ConfigError(UserError):
    """An invalid experiment configuration (names the file and the key)."""
