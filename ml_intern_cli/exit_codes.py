"""What the process exit status means, for scripts (documented in docs/cli.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0                # the run completed, or the command did what it was asked
    FAILED = 1            # the run ended failed
    USAGE = 2             # bad arguments (click's own code for usage errors)
    CANCELLED = 3         # the run was cancelled
    INCOMPLETE = 4        # the run is paused for approval, or was interrupted by a server restart
    AUTH = 5              # no token, or the server refused it (401/403)
    NOT_FOUND = 6         # no such response (or another account's)
    REFUSED = 7           # the server refused the request (400, 409, a route this deployment lacks...)
    UNAVAILABLE = 8       # the server could not be reached or is unavailable (connection, 429, 5xx): retry later
    DETACHED = 130        # Ctrl-C detached from a run that goes on (128 + SIGINT, as shells report it)


# The exit status of following a run to its end, by the run's final status.
_BY_STATUS = {"completed": ExitCode.OK, "failed": ExitCode.FAILED, "cancelled": ExitCode.CANCELLED,
              "incomplete": ExitCode.INCOMPLETE}


def for_status(status: str) -> ExitCode:
    return _BY_STATUS.get(status, ExitCode.OK)


class CliError(Exception):
    """An error the user should read (on stderr), ending the command with ``code``."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
