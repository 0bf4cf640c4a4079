"""Telling a database outage (a server restarting, a dropped connection) from other store failures.

An outage is worth waiting out: the writer keeps what it could not commit and tries again with capped backoff.
A conflict (``SequenceConflict``) or a programming error is not: retrying it would only repeat it.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

RETRY_INITIAL_SECONDS = 0.05
RETRY_MAX_SECONDS = 2.0


class StoreUnavailable(Exception):
    """The database stayed unreachable longer than a turn waits for it."""


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (rather than that it refused the statement)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, (ConnectionError, TimeoutError))


def next_delay(delay: float) -> float:
    """The backoff after ``delay`` (0: the first retry)."""
    return RETRY_INITIAL_SECONDS if delay <= 0 else min(delay * 2, RETRY_MAX_SECONDS)
