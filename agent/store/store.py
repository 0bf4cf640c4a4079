"""Queries over the event log and its projections. An append is atomic (events, projection, artifacts,
transcript); appends arriving together share a transaction (group commit)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Text,
    bindparam,
    cast,
    create_engine,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from agent.metrics import Metrics
from agent import events as ev
from agent.models import RUNNING_STATUSES, ResponseObject
from agent.recovery import Settlement, StaleTurn
from agent.store.committer import GroupCommitter
from agent.store.notify import CANCEL_CHANNEL
from agent.store.summaries import ResponseSummary, objects_query, recent_query, summary
from agent.store.tables import ResponseRow, SessionRow
from agent.store.transactions import (
    ARTIFACTS, EVENTS, INPUT_ITEMS, RESPONSES, SESSIONS, TRANSCRIPT, Append, DeleteRefused, GroupConflict, HeadMoved,
    LiveLimits, LiveSessionLimit, PreviousGone, SequenceConflict, delete_response, dumps_json, insert_response,
    head_sequence, live_sessions_query, settle_group, write_group,
)
from agent.store.urls import async_url, ensure_sqlite_directory, sync_url

T = TypeVar("T")
__all__ = ["Append", "DeleteRefused", "LiveLimits", "LiveSessionLimit", "PreviousGone", "SequenceConflict", "Store"]

# Appends committed in one transaction at most (a bound on a group's size and on its retry cost).
MAX_GROUP_APPENDS = 500
# Hot reads, built once: constructing a statement cost as much as running it.
_EVENTS_AFTER = (select(EVENTS.c.data)
                 .where(EVENTS.c.response_id == bindparam("response_id"), EVENTS.c.sequence_number > bindparam("after"))
                 .order_by(EVENTS.c.sequence_number).limit(bindparam("limit", type_=Integer)))
# The row with the head of its log as its last sequence (the stored one lags while text streams).
_RESPONSE = select(RESPONSES, head_sequence().label("head")).where(RESPONSES.c.id == bindparam("response_id"))


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass
class Store:
    engine: AsyncEngine
    is_sqlite: bool
    # SQLite has one writer at a time; serialising in-process avoids SQLITE_BUSY churn.
    _write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The replica id carried by this store's NOTIFYs (PostgreSQL), so a replica can skip its own commits.
    notify_origin: str = ""
    # Group commit of every writer of the process (see committer.py).
    committer: GroupCommitter = field(init=False)
    # SQLite file databases: a synchronous engine used from one writer thread for group commits.
    _sync_engine: Engine | None = None
    _commit_thread: ThreadPoolExecutor | None = None
    _read_threads: ThreadPoolExecutor | None = None
    _statements: dict[Any, Any] = field(default_factory=dict)  # the group commit's statements, built once
    metrics: Metrics | None = None

    @classmethod
    def connect(cls, database_url: str) -> "Store":
        ensure_sqlite_directory(database_url)
        url = async_url(database_url)
        is_sqlite = url.startswith("sqlite")
        if is_sqlite:
            engine = create_async_engine(url, connect_args={"timeout": 30}, json_serializer=dumps_json,
                                         json_deserializer=orjson.loads)
            sa_event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            if make_url(url).database not in (None, "", ":memory:"):
                sync_engine = create_engine(sync_url(database_url), json_serializer=dumps_json,
                                            json_deserializer=orjson.loads,
                                            connect_args={"timeout": 30, "check_same_thread": False})
                sa_event.listen(sync_engine, "connect", _sqlite_pragmas)
                return cls(engine=engine, is_sqlite=True, _sync_engine=sync_engine,
                           _commit_thread=ThreadPoolExecutor(1, thread_name_prefix="ml-intern-sqlite-commit"),
                           _read_threads=ThreadPoolExecutor(4, thread_name_prefix="ml-intern-sqlite-read"))
        else:
            engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                                         json_serializer=dumps_json, json_deserializer=orjson.loads)
        return cls(engine=engine, is_sqlite=is_sqlite)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any failure means "not ready"; the reason is in the database's own logs
            return False
        return True

    def __post_init__(self) -> None:
        self.committer = GroupCommitter(self.commit_appends)

    async def close(self) -> None:
        await self.committer.drain()
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        if self._commit_thread is not None:
            self._commit_thread.shutdown(wait=True)
        if self._read_threads is not None:
            self._read_threads.shutdown(wait=True)

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        if self.is_sqlite:
            async with self._write_lock, self.engine.begin() as conn:
                yield conn
        else:
            async with self.engine.begin() as conn:
                yield conn

    # ------------------------------------------------------------------ sessions

    async def create_session(self, row: SessionRow) -> None:
        async with self._tx() as conn:
            await conn.execute(insert(SESSIONS).values(**row.model_dump()))

    async def get_session(self, session_id: str) -> SessionRow | None:
        async with self.engine.connect() as conn:
            found = (await conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id))).mappings().first()
        return SessionRow.model_validate(dict(found)) if found else None

    async def update_session(self, session_id: str, **values: Any) -> None:
        values["updated_at"] = time.time()
        async with self._tx() as conn:
            await conn.execute(update(SESSIONS).where(SESSIONS.c.id == session_id).values(**values))

    # ------------------------------------------------------------------ responses

    async def create_response(self, row: ResponseRow, events: Sequence[dict[str, Any]],
                              transcript: Sequence[tuple[int, dict[str, Any]]] = (), *,
                              new_session: SessionRow | None = None, expected_head: str | None = None,
                              session_updates: dict[str, Any] | None = None,
                              limits: LiveLimits | None = None, input_items: Sequence[dict[str, Any]] = ()) -> bool:
        """Insert a response (and its session when new, and its input items) in one transaction. For an existing
        session the head moves from ``expected_head`` to this response only if nobody moved it first (returns
        False then). With ``limits``, live sessions are counted in the same transaction (``LiveSessionLimit`` when
        one is reached; see ``insert_response``); ``PreviousGone`` when the response it continues from was
        deleted meanwhile."""
        try:
            await self._write(insert_response, row, events, transcript, new_session, expected_head, session_updates,
                              time.time(), limits, self.is_sqlite, input_items)
        except HeadMoved:
            return False
        return True

    async def append(self, batch: Append) -> None:
        """Commit ``batch`` on its own, now. (Writers go through ``committer``, which groups them.) Raises
        ``SequenceConflict`` when another writer appended first."""
        [outcome] = await self.commit_appends([batch])
        if outcome is not None:
            raise outcome

    async def commit_appends(self, batches: list[Append]) -> list[Exception | None]:
        """Every append of ``batches`` in one transaction; the outcome of each (None: committed)."""
        outcomes: list[Exception | None] = []
        for start in range(0, len(batches), MAX_GROUP_APPENDS):
            group = batches[start:start + MAX_GROUP_APPENDS]
            started = time.perf_counter()
            try:
                results = await self._commit_group(group)
            except Exception:
                # One bad append must not fail the others: each is tried again in a transaction of its own.
                results = []
                for batch in group:
                    try:
                        results.extend(await self._commit_group([batch]))
                    except Exception as exc:  # reported to that append's writer
                        results.append(exc)
            if self.metrics is not None:
                self.metrics.observe_commit(started, len(group), sum(
                    len(batch.events) for batch, outcome in zip(group, results) if outcome is None))
            outcomes.extend(results)
        return outcomes

    async def _commit_group(self, batches: list[Append]) -> list[Exception | None]:
        return await self._write(write_group, batches, time.time(), self.notify_origin, self.is_sqlite,
                                 self._statements)

    async def _write(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(connection, *args)`` in one transaction. On SQLite the whole of it is one hop to the writer
        thread (a hop per statement through the async driver was most of a commit's cost)."""
        if self._sync_engine is not None:
            async with self._write_lock:
                return await asyncio.get_running_loop().run_in_executor(self._commit_thread, self._write_sync,
                                                                        work, args)
        async with self._tx() as conn:
            return await conn.run_sync(work, *args)

    def _write_sync(self, work: Callable[..., T], args: tuple[Any, ...]) -> T:
        assert self._sync_engine is not None
        with self._sync_engine.begin() as conn:
            return work(conn, *args)

    # ------------------------------------------------------------------ recovery

    async def stale_turns(self, replica_id: str, now: float, *, all_foreign: bool) -> list[StaleTurn]:
        """Running responses whose owner is gone: a foreign replica with an expired lease (or any, if
        ``all_foreign``), read in one query."""
        query = select(RESPONSES.c.id, func.coalesce(head_sequence(), RESPONSES.c.last_sequence), RESPONSES.c.snapshot,
                       RESPONSES.c.cancel_requested_at, RESPONSES.c.snapshot_sequence).where(
            RESPONSES.c.status.in_(sorted(RUNNING_STATUSES)),
            or_(RESPONSES.c.owner_replica.is_(None), RESPONSES.c.owner_replica != replica_id))
        if not all_foreign:
            query = query.where(or_(RESPONSES.c.lease_expires_at.is_(None), RESPONSES.c.lease_expires_at < now))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        turns = [StaleTurn(response_id=r[0], last_sequence=r[1], snapshot=r[2], cancel_requested=r[3] is not None)
                 for r in rows]
        for turn, row in zip(turns, rows):
            if row[4] is not None and row[4] < turn.last_sequence:
                # Its writer died between two snapshot rewrites.
                turn.snapshot = await self._caught_up(turn.response_id, turn.snapshot, row[4], turn.last_sequence)
        return turns

    async def settle_stale(self, settlements: Sequence[Settlement]) -> list[Settlement]:
        """Move each stale turn to its settled status with its terminal event, in one transaction; a turn that
        moved meanwhile (another replica recovered it, or its owner is back) is left alone. Returns those written."""
        if not settlements:
            return []
        try:
            return await self._write(settle_group, settlements, time.time(), True)
        except GroupConflict:
            return await self._write(settle_group, settlements, time.time(), False)

    async def get_response(self, response_id: str) -> ResponseRow | None:
        found = await self._read(lambda conn: conn.execute(_RESPONSE, {"response_id": response_id}).mappings().first())
        if not found:
            return None
        values = dict(found)
        head = values.pop("head")
        return ResponseRow.model_validate(values | {"last_sequence": max(head, values["last_sequence"])}
                                          if head is not None else values)

    async def _read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(connection)`` for a read. On SQLite it is one hop to a reader thread (the async driver
        takes a hop for each step of a read: execute, fetch, release)."""
        if self._sync_engine is not None:
            return await asyncio.get_running_loop().run_in_executor(self._read_threads, self._read_sync, work)
        async with self.engine.connect() as conn:
            return await conn.run_sync(work)

    def _read_sync(self, work: Callable[[Connection], T]) -> T:
        assert self._sync_engine is not None
        with self._sync_engine.connect() as conn:
            return work(conn)

    async def get_response_current(self, response_id: str) -> ResponseRow | None:
        """The response with its projection brought up to its last event (what a new writer must start from:
        the stored object may lag behind the deltas while text streams)."""
        row = await self.get_response(response_id)
        if row is None or row.snapshot_sequence is None or row.snapshot_sequence >= row.last_sequence:
            return row
        snapshot = await self._caught_up(response_id, row.snapshot, row.snapshot_sequence, row.last_sequence)
        return row.model_copy(update={"snapshot": snapshot, "snapshot_sequence": row.last_sequence})

    async def _caught_up(self, response_id: str, snapshot: dict[str, Any], since: int, last: int) -> dict[str, Any]:
        """A stored response object as of event ``since``, with the events after it up to ``last`` applied."""
        state = ResponseObject.model_validate(snapshot)
        for event in await self.events_after(response_id, since, last - since):
            state = ev.apply(state, event)
        return state.public()

    async def snapshot_json(self, response_id: str) -> tuple[str, str, str, str] | None:
        """(owner id, session id, status, the response object as stored JSON text): a read served as it was
        written, with no parse or re-serialisation."""
        query = select(RESPONSES.c.owner_id, RESPONSES.c.session_id, RESPONSES.c.status,
                       cast(RESPONSES.c.snapshot, Text)).where(RESPONSES.c.id == response_id)
        found = await self._read(lambda conn: conn.execute(query).first())
        return (found[0], found[1], found[2], found[3]) if found else None

    async def find_idempotent(self, owner_id: str, key: str) -> ResponseRow | None:
        async with self.engine.connect() as conn:
            found = (await conn.execute(select(RESPONSES).where(
                RESPONSES.c.owner_id == owner_id, RESPONSES.c.idempotency_key == key))).mappings().first()
        return ResponseRow.model_validate(dict(found)) if found else None

    async def events_after(self, response_id: str, after: int, limit: int = 1000) -> list[dict[str, Any]]:
        params = {"response_id": response_id, "after": after, "limit": limit}
        return await self._read(lambda conn: list(conn.execute(_EVENTS_AFTER, params).scalars().all()))

    async def recent_responses(self, owner_id: str, *, limit: int,
                               before: tuple[float, str] | None = None) -> list[ResponseSummary]:
        """The owner's responses, newest first, after the (created_at, id) cursor ``before``."""
        query = recent_query(owner_id, limit, before)
        return [summary(tuple(row)) for row in await self._read(lambda conn: conn.execute(query).all())]

    async def response_objects(self, owner_id: str, *, limit: int, before: tuple[float, str] | None = None,
                               session_id: str | None = None, status: str | None = None) -> list[str]:
        """The owner's stored response objects (JSON text), newest first, after the (created_at, id) cursor."""
        query = objects_query(owner_id, limit, before, session_id=session_id, status=status)
        return list(await self._read(lambda conn: conn.execute(query).scalars().all()))

    async def input_items(self, response_id: str, *, limit: int, descending: bool,
                          after_position: int | None = None) -> list[dict[str, Any]]:
        """A page of the response's input items in ``position`` order (or reversed), after ``after_position``."""
        query = select(INPUT_ITEMS.c.data).where(INPUT_ITEMS.c.response_id == response_id)
        if after_position is not None:
            query = query.where(INPUT_ITEMS.c.position < after_position if descending
                                else INPUT_ITEMS.c.position > after_position)
        query = query.order_by(INPUT_ITEMS.c.position.desc() if descending else INPUT_ITEMS.c.position).limit(limit)
        return list(await self._read(lambda conn: conn.execute(query).scalars().all()))

    async def input_item_position(self, response_id: str, item_id: str) -> int | None:
        query = select(INPUT_ITEMS.c.position).where(INPUT_ITEMS.c.response_id == response_id,
                                                     INPUT_ITEMS.c.id == item_id)
        return await self._read(lambda conn: conn.execute(query).scalar())

    async def delete_response(self, response_id: str, owner_id: str) -> None:
        """Delete a settled response and what is stored under it, in one transaction (see
        ``transactions.delete_response``; ``DeleteRefused`` leaves everything as it was)."""
        await self._write(delete_response, response_id, owner_id, time.time(), self.is_sqlite)

    async def count_events(self, response_id: str, event_type: str) -> int:
        """How many events of ``event_type`` the response's log holds."""
        query = select(func.count()).select_from(EVENTS).where(EVENTS.c.response_id == response_id,
                                                               EVENTS.c.type == event_type)
        return int(await self._read(lambda conn: conn.execute(query).scalar_one()))

    async def transcript(self, response_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(TRANSCRIPT.c.message).where(TRANSCRIPT.c.response_id == response_id)
                                       .order_by(TRANSCRIPT.c.position))).scalars().all()
        return list(rows)

    async def artifacts(self, *, response_id: str | None = None, session_id: str | None = None) -> list[dict]:
        query = select(ARTIFACTS.c.data).order_by(ARTIFACTS.c.created_at, ARTIFACTS.c.key)
        query = query.where(ARTIFACTS.c.response_id == response_id) if response_id else query.where(
            ARTIFACTS.c.session_id == session_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).scalars().all()
        return list(rows)

    async def live_sessions(self, owner_id: str | None = None) -> int:
        """Sessions with a turn queued or running (optionally of one account)."""
        return int(await self._read(lambda conn: conn.execute(live_sessions_query(owner_id)).scalar_one()))

    async def request_cancel(self, response_id: str) -> bool:
        """Record a cancel request for a running turn another replica owns (and NOTIFY it on PostgreSQL).
        Idempotent: the first request's time is kept. False when the turn is no longer running."""
        async with self._tx() as conn:
            found = await conn.execute(update(RESPONSES).where(
                RESPONSES.c.id == response_id, RESPONSES.c.status.in_(sorted(RUNNING_STATUSES)),
            ).values(cancel_requested_at=func.coalesce(RESPONSES.c.cancel_requested_at, time.time())))
            if found.rowcount and not self.is_sqlite:
                await self._notify(conn, CANCEL_CHANNEL, response_id)
            return bool(found.rowcount)

    async def cancel_requests(self, replica_id: str) -> list[str]:
        """The running turns of ``replica_id`` another replica asked to cancel (one query)."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(RESPONSES.c.id).where(
                RESPONSES.c.owner_replica == replica_id, RESPONSES.c.status.in_(sorted(RUNNING_STATUSES)),
                RESPONSES.c.cancel_requested_at.is_not(None)))).scalars().all()
        return list(rows)

    @staticmethod
    async def _notify(conn: AsyncConnection, channel: str, payload: str) -> None:
        await conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})

    async def heartbeat(self, replica_id: str, lease_expires_at: float) -> None:
        async with self._tx() as conn:
            await conn.execute(update(RESPONSES).where(
                RESPONSES.c.owner_replica == replica_id, RESPONSES.c.status.in_(sorted(RUNNING_STATUSES))
            ).values(lease_expires_at=lease_expires_at))
