"""PostgreSQL LISTEN/NOTIFY between replicas.

Writers NOTIFY inside the transaction that commits a batch of events (PostgreSQL delivers it at commit, so a
notification never announces rows a reader cannot see yet); a replica asking another to cancel a turn NOTIFYs
with the cancel request, and one deleting a response NOTIFYs with its id. Each replica keeps one dedicated
autocommit connection that LISTENs to the channels and
hands the notifications to the service. The store stays the source of truth: a notification only says "re-read",
so a lost one costs latency (the polling safety nets catch up), never correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger("ml_intern.notify")

# Payload: "<origin replica id> <response id>" — a replica ignores its own commits (its local bus has them).
EVENTS_CHANNEL = "ml_intern_events"
# Payload: "<response id>" — the owner of that running turn cancels it.
CANCEL_CHANNEL = "ml_intern_cancel"
# Payload: "<response id>" — a deleted response: replicas drop it from their cache of settled responses.
DELETED_CHANNEL = "ml_intern_deleted"

RECONNECT_INITIAL_SECONDS = 0.1
RECONNECT_MAX_SECONDS = 5.0


def libpq_url(database_url: str) -> str:
    """The plain ``postgresql://`` conninfo psycopg accepts, whatever driver suffix the setting carries."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def events_payload(origin: str, response_id: str) -> str:
    return f"{origin} {response_id}"


class PgListener:
    """One LISTEN connection, reconnected with exponential backoff when it drops.

    ``on_events(response_id)`` runs for another replica's commit, ``on_cancel(response_id)`` for a cancel
    request, ``on_deleted(response_id)`` for a deleted response, ``on_resync()`` when the connection comes up or goes down: notifications sent while it was down are
    lost, and waiters must switch between NOTIFY and their faster store poll. Callbacks run on the event loop and
    must not block.
    """

    def __init__(self, database_url: str, *, replica_id: str, on_events: Callable[[str], None],
                 on_cancel: Callable[[str], None], on_resync: Callable[[], None],
                 on_deleted: Callable[[str], None] = lambda _response_id: None) -> None:
        self._conninfo = libpq_url(database_url)
        self._replica_id = replica_id
        self._on_events = on_events
        self._on_cancel = on_cancel
        self._on_resync = on_resync
        self._on_deleted = on_deleted
        self._task: asyncio.Task | None = None
        self._conn: psycopg.AsyncConnection | None = None
        self.connected = asyncio.Event()
        self.connections = 0  # successful (re)connections, for operators and tests

    async def start(self, timeout: float = 5.0) -> None:
        """Start listening; waits (bounded) for the first connection so the replica starts with LISTEN up."""
        self._task = asyncio.create_task(self._run(), name="ml-intern-listen")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.connected.wait(), timeout)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        delay = RECONNECT_INITIAL_SECONDS
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self._conninfo, autocommit=True, application_name=f"ml-intern-listen {self._replica_id}",
                        connect_timeout=10) as conn:
                    self._conn = conn
                    await conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    await conn.execute(f"LISTEN {CANCEL_CHANNEL}")
                    await conn.execute(f"LISTEN {DELETED_CHANNEL}")
                    self.connections += 1
                    self.connected.set()
                    delay = RECONNECT_INITIAL_SECONDS
                    self._on_resync()
                    async for notice in conn.notifies():
                        self._dispatch(notice.channel, notice.payload)
                # notifies() ends only when the connection is closed.
                raise psycopg.OperationalError("LISTEN connection closed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected.is_set():
                    log.warning("LISTEN connection lost (%s); reconnecting, streams poll the store meanwhile",
                                type(exc).__name__)
                    self.connected.clear()
                    self._on_resync()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
            finally:
                self._conn = None
                self.connected.clear()

    def _dispatch(self, channel: str, payload: str) -> None:
        try:
            if channel == EVENTS_CHANNEL:
                origin, _, response_id = payload.partition(" ")
                if origin != self._replica_id and response_id:
                    self._on_events(response_id)
            elif channel == CANCEL_CHANNEL and payload:
                self._on_cancel(payload)
            elif channel == DELETED_CHANNEL and payload:
                self._on_deleted(payload)
        except Exception:  # a bad callback must not take the listener down
            log.exception("handling a %s notification failed", channel)
