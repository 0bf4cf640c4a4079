"""The databases a chaos run uses: a fresh one per run, and what the log held at the moment of a kill.

The kill-time reading is the oracle: what was committed when the server died must all be in the replay after
the restart, and exactly the turns still running then must be the ones recovery settles.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, select

from agent.models import RUNNING_STATUSES
from agent.store.notify import libpq_url
from agent.store.transactions import EVENTS, RESPONSES
from agent.store.urls import sync_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class StoredTurn:
    """One response as the database held it when the server died."""

    response_id: str
    owner_id: str
    status: str
    events: tuple[dict[str, Any], ...]   # its log, in sequence order

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES


def read_turns(database_url: str, exclude: Collection[str] = ()) -> dict[str, StoredTurn]:
    """Every response (but ``exclude``) and its event log, read straight from the database (the server is dead)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(RESPONSES.c.id, RESPONSES.c.owner_id, RESPONSES.c.status)).all()
            skip = set(exclude)
            wanted = [row for row in rows if row[0] not in skip]
            logs: dict[str, list[dict[str, Any]]] = {row[0]: [] for row in wanted}
            if wanted:
                for response_id, data in conn.execute(
                        select(EVENTS.c.response_id, EVENTS.c.data)
                        .where(EVENTS.c.response_id.in_(list(logs)))
                        .order_by(EVENTS.c.response_id, EVENTS.c.sequence_number)):
                    logs[response_id].append(data)
    finally:
        engine.dispose()
    return {rid: StoredTurn(rid, owner, status, tuple(logs[rid])) for rid, owner, status in wanted}


def wait_backends_gone(database_url: str, timeout: float = 30.0) -> None:
    """PostgreSQL: wait until no other session is connected to the run's database. A killed server's backends
    end once PostgreSQL sees the closed sockets; until then a COMMIT it sent may still land after we read."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=5) as conn:
        while True:
            left = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()").fetchone()[0]
            if left == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{left} backend(s) of the killed server still connected after {timeout:.0f} s")
            time.sleep(0.05)  # observing another process's sockets close: nothing to await


def postgres_reachable(admin_url: str) -> str | None:
    """None when PostgreSQL answers at ``admin_url``, else why not."""
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "absent" here; the reason is reported
        return f"{type(exc).__name__}: {str(exc).strip()[:200]}"


@contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A new database for one run (dropped afterwards), as tests/integration/test_postgres.py does per test."""
    name = f"ml_intern_chaos_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.Error:
            pass  # best effort: a leftover database is harmless and named for what it was


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'chaos.db'}"
