"""The bodies of the store's write transactions, as plain functions of a synchronous connection.

``Store`` runs them in one transaction: on SQLite in one hop to its writer thread, on PostgreSQL through
``AsyncConnection.run_sync``. Keeping them synchronous is what makes a whole group commit a single hop.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from agent.events import WireEvent
from agent.models import RUNNING_STATUSES
from agent.recovery import Settlement
from agent.store.notify import DELETED_CHANNEL, EVENTS_CHANNEL, events_payload
from agent.store.tables import ArtifactRow, EventRow, InputItemRow, ResponseRow, SessionRow, TranscriptRow

SESSIONS = SessionRow.__table__
RESPONSES = ResponseRow.__table__
EVENTS = EventRow.__table__
ARTIFACTS = ArtifactRow.__table__
TRANSCRIPT = TranscriptRow.__table__
INPUT_ITEMS = InputItemRow.__table__


class HeadMoved(Exception):
    """Another request moved the session head first (a concurrent submit)."""


class PreviousGone(Exception):
    """The response a new one continues from was deleted meanwhile."""


class DeleteRefused(Exception):
    """A response that cannot be deleted: ``reason`` is ``gone`` (no such response of this owner), ``running``
    (a turn is queued or running), or ``continued`` (``successor_id`` continues from it)."""

    def __init__(self, reason: str, successor_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.successor_id = successor_id


class SequenceConflict(RuntimeError):
    """Another writer appended to the response: the single-writer rule was broken."""


class LiveSessionLimit(Exception):
    """A live-session limit was reached, counted inside the creating transaction: the account's
    (``scope="account"``) or the whole deployment's (``scope="server"``)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


@dataclass(frozen=True)
class LiveLimits:
    per_account: int
    server: int


# (the owner's live sessions, all live sessions) in one query
_LIVE_SESSION = func.distinct(RESPONSES.c.session_id)
_RUNNING = RESPONSES.c.status.in_(sorted(RUNNING_STATUSES))
LIVE_COUNTS = select(func.count(_LIVE_SESSION).filter(RESPONSES.c.owner_id == bindparam("owner")),
                     func.count(_LIVE_SESSION)).where(_RUNNING)


class GroupConflict(Exception):
    """A grouped move found a response moved by another writer: the group is retried an append at a time."""


@dataclass
class Append:
    """One atomic append to a response's log."""

    response_id: str
    expected_last_sequence: int
    events: Sequence[dict[str, Any]]             # each already carries its sequence_number
    snapshot: dict[str, Any] | None              # None: keep the stored one (it lags; see snapshot_sequence)
    status: str
    # Whether ``status`` differs from the stored one: only then is it written (status is in two indexes, and an
    # UPDATE that sets an indexed column rewrites its index entries even with the same value).
    status_changed: bool = True
    artifacts: Sequence[dict[str, Any]] = ()     # {"key", "type", "data"}
    transcript: Sequence[tuple[int, dict[str, Any]]] = ()
    lease: tuple[str | None, float | None] | None = None   # (owner_replica, lease_expires_at) to set
    session_spent_usd: float | None = None
    session_id: str | None = None


def dumps_json(value: Any) -> str:
    # JSON columns (events, snapshots, transcript) are written on every commit: orjson is several times faster.
    # An event keeps the JSON it is sent with: it is encoded once, for the log and every stream.
    return (value.json() if isinstance(value, WireEvent) else orjson.dumps(value)).decode()


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled once and run straight on the DBAPI cursor, for a driver with positional
    parameters (SQLite). The group commit writes thousands of rows a second: SQLAlchemy's per-row parameter
    processing was most of the writer thread's Python time, and that time holds the GIL the event loop needs."""

    sql: str
    names: tuple[str, ...]      # bind names, in the order of the ``?`` they fill
    json: tuple[bool, ...]      # which of them are JSON columns (serialised here, as the engine would)
    fixed: dict[str, Any]       # values bound in the statement itself (a row's value for the name wins)
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's values in ``names`` order (when it has them all)
    json_at: tuple[int, ...]    # positions of the JSON columns in ``names``

    @classmethod
    def compile(cls, statement: Any, conn: Connection, json_binds: frozenset[str]) -> DriverStatement:
        compiled = statement.compile(dialect=conn.dialect)
        names = tuple(compiled.positiontup or ())
        json = tuple(name in json_binds for name in names)
        return cls(sql=compiled.string, names=names, json=json, fixed=dict(compiled.params),
                   values=_row_values(names), json_at=tuple(i for i, is_json in enumerate(json) if is_json))

    def executemany(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
        """Rows changed. Runs inside ``conn``'s transaction (the same DBAPI connection)."""
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(self.sql, self._params(rows))
            return cursor.rowcount
        finally:
            cursor.close()

    def _params(self, rows: Sequence[dict[str, Any]]) -> list[Sequence[Any]]:
        # Rows of one statement have the same keys (event rows; moves grouped by shape): when the first has every
        # name, each row's values come from one C call (a generator per row and column was a third of the commit
        # thread's Python time at 100 streams).
        if rows and all(name in rows[0] for name in self.names):
            values, json_at = self.values, self.json_at
            if not json_at:
                return [values(row) for row in rows]
            params = []
            for row in rows:
                row_values = list(values(row))
                for i in json_at:
                    row_values[i] = dumps_json(row_values[i])
                params.append(row_values)
            return params
        fixed = self.fixed
        return [tuple(dumps_json(value) if is_json else value
                      for value, is_json in zip((row[n] if n in row else fixed[n] for n in self.names), self.json))
                for row in rows]


def _row_values(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if not names:
        return lambda row: ()
    if len(names) == 1:  # itemgetter of one name returns the value, not a 1-tuple
        name = names[0]
        return lambda row: (row[name],)
    return operator.itemgetter(*names)


def _run_many(conn: Connection, statements: dict[Any, Any], key: Any, build: Any, rows: Sequence[dict[str, Any]],
              json_binds: frozenset[str]) -> int:
    """``conn.execute(build(), rows).rowcount``, through a ``DriverStatement`` where the driver allows it."""
    if conn.dialect.paramstyle != "qmark":
        statement = statements.get(key)
        if statement is None:
            statement = statements[key] = build()
        return conn.execute(statement, list(rows) if len(rows) > 1 else rows[0]).rowcount
    driver = statements.get(("driver", key))
    if driver is None:
        driver = statements[("driver", key)] = DriverStatement.compile(build(), conn, json_binds)
    return driver.executemany(conn, rows)


_EVENT_JSON = frozenset({"data"})
_MOVE_JSON = frozenset({"v_snapshot"})


def event_rows(response_id: str, events: Sequence[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    return [{"response_id": response_id, "sequence_number": e["sequence_number"], "type": e["type"], "data": e,
             "created_at": now} for e in events]


def live_sessions_query(owner_id: str | None = None):
    """Sessions with a turn queued or running (optionally of one account)."""
    query = select(func.count(_LIVE_SESSION)).where(_RUNNING)
    return query if owner_id is None else query.where(RESPONSES.c.owner_id == owner_id)


# ------------------------------------------------------------------ appends (group commit)

def _move_statement(columns: tuple[str, ...]):
    """``UPDATE responses SET <columns> WHERE id = :_id`` and the writer's expected last event is in the log (built
    once per shape). The stored head may be behind its writer's last commit (streamed output moves no row), never
    ahead of it; an event after the expected one makes the events' primary key refuse the append."""
    return update(RESPONSES).where(
        RESPONSES.c.id == bindparam("_id"), RESPONSES.c.last_sequence <= bindparam("_expected"),
        exists().where(EVENTS.c.response_id == bindparam("_id"), EVENTS.c.sequence_number == bindparam("_expected")),
    ).values({column: bindparam(f"v_{column}") for column in columns})


def moves_row(batch: Append) -> bool:
    """Whether ``batch`` rewrites its response row. Streamed output alone (deltas, between two rewrites of the
    stored object) only appends events: rewriting the row for each group commit (a page of the table, the
    object's size) was half the commit's cost. The events' primary key guards those appends against a second
    writer, and a reader takes the head of the log as the response's last sequence (``head_sequence``)."""
    return (batch.snapshot is not None or batch.status_changed or batch.lease is not None or not batch.events)


def head_sequence():
    """The sequence number of a response's last event (a scalar subquery for a query of ``responses``)."""
    return (select(func.max(EVENTS.c.sequence_number)).where(EVENTS.c.response_id == RESPONSES.c.id)
            .scalar_subquery())


def _move_values(batch: Append, now: float) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": now}
    if batch.status_changed:
        values["status"] = batch.status
        if batch.status not in RUNNING_STATUSES:
            values["cancel_requested_at"] = None  # a request applies to the run it was made for
    last = batch.events[-1]["sequence_number"] if batch.events else batch.expected_last_sequence
    if batch.events:
        values["last_sequence"] = last
    if batch.snapshot is not None:
        values["snapshot"], values["snapshot_sequence"] = batch.snapshot, last
    if batch.lease is not None:
        values["owner_replica"], values["lease_expires_at"] = batch.lease
    return values


_SESSION_SPENT = update(SESSIONS).where(SESSIONS.c.id == bindparam("_id")).values(
    spent_usd=bindparam("spent_usd"), updated_at=bindparam("updated_at"))


def write_group(conn: Connection, batches: Sequence[Append], now: float, notify_origin: str, is_sqlite: bool,
                statements: dict[tuple[str, ...], Any]) -> list[Exception | None]:
    """Every append of ``batches`` in the caller's transaction. Each response row is moved guarded by the
    sequence its writer expects, so the check and the move are one statement; rows of the same shape move in one
    executemany where the driver counts rows per batch (SQLite). A lone append that conflicts is skipped (its
    outcome is the ``SequenceConflict``) before it writes anything; a conflict inside a grouped move raises
    ``GroupConflict`` (the caller rolls back and retries an append at a time)."""
    written: list[Append] = []
    shapes: dict[tuple[str, ...], list[tuple[Append, dict[str, Any]]]] = {}
    for batch in batches:
        if not moves_row(batch):
            written.append(batch)
            continue
        values = _move_values(batch, now)
        params = {"_id": batch.response_id, "_expected": batch.expected_last_sequence,
                  **{f"v_{column}": value for column, value in values.items()}}
        shapes.setdefault(tuple(values), []).append((batch, params))
    grouped = conn.dialect.supports_sane_multi_rowcount
    for columns, members in shapes.items():
        def move(rows: Sequence[dict[str, Any]], columns: tuple[str, ...] = columns) -> int:
            return _run_many(conn, statements, ("move", columns), lambda: _move_statement(columns), rows, _MOVE_JSON)

        if grouped and len(members) > 1:
            if move([params for _, params in members]) != len(members):
                raise GroupConflict()
            written.extend(batch for batch, _ in members)
            continue
        written.extend(batch for batch, params in members if move([params]) == 1)
    moved = {id(batch) for batch in written}
    outcomes: list[Exception | None] = []
    for batch in batches:
        if id(batch) in moved:
            outcomes.append(None)
            continue
        last = conn.execute(select(RESPONSES.c.last_sequence).where(RESPONSES.c.id == batch.response_id)).scalar()
        outcomes.append(SequenceConflict(
            f"{batch.response_id}: expected last sequence {batch.expected_last_sequence}, found {last}"))
    events = [row for batch in written for row in event_rows(batch.response_id, batch.events, now)]
    if events:
        try:
            _run_many(conn, statements, "events", lambda: insert(EVENTS), events, _EVENT_JSON)
        except (IntegrityError, conn.dialect.loaded_dbapi.IntegrityError) as exc:  # (the driver's own: DriverStatement)
            # An event number taken already: another writer appended to one of these responses (only an append
            # that moves no row gets this far). The transaction is dropped; appended alone, the others land.
            if len(written) > 1:
                raise GroupConflict() from exc
            raise SequenceConflict(f"{written[0].response_id}: event {written[0].events[0]['sequence_number']} "
                                   "was appended by another writer") from exc
    transcript = [{"response_id": b.response_id, "position": p, "message": m}
                  for b in written for p, m in b.transcript]
    if transcript:
        conn.execute(insert(TRANSCRIPT), transcript)
    for batch in written:
        for artifact in batch.artifacts:
            exists = conn.execute(select(ARTIFACTS.c.key).where(
                ARTIFACTS.c.response_id == batch.response_id, ARTIFACTS.c.key == artifact["key"])).first()
            if exists is None:
                conn.execute(insert(ARTIFACTS), {
                    "response_id": batch.response_id, "key": artifact["key"], "session_id": artifact["session_id"],
                    "type": artifact["type"], "data": artifact["data"], "created_at": now})
        if batch.session_spent_usd is not None and batch.session_id is not None:
            conn.execute(_SESSION_SPENT, {"_id": batch.session_id, "spent_usd": batch.session_spent_usd,
                                          "updated_at": now})
        if batch.events and not is_sqlite:
            # Delivered at commit: other replicas' streams of this response re-read the store at once.
            conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                         {"channel": EVENTS_CHANNEL, "payload": events_payload(notify_origin, batch.response_id)})
    return outcomes


# ------------------------------------------------------------------ creating a response

def insert_response(conn: Connection, row: ResponseRow, events, transcript, new_session, expected_head,
                    session_updates, now: float, limits: LiveLimits | None, is_sqlite: bool,
                    input_items: Sequence[dict[str, Any]] = ()) -> None:
    if limits is not None:
        # Counted in the creating transaction (no read of its own before it): on SQLite its one writer thread
        # serialises them; on PostgreSQL a per-owner lock, held until commit, makes the next submit of this owner
        # count after this one's row is visible (the server-wide count may overshoot by concurrent owners).
        if not is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:owner))"), {"owner": row.owner_id})
        mine, everyone = conn.execute(LIVE_COUNTS, {"owner": row.owner_id}).one()
        if mine >= limits.per_account:
            raise LiveSessionLimit("account")
        if everyone >= limits.server:
            raise LiveSessionLimit("server")
    if row.previous_response_id is not None:
        # The response continued from must still exist when this one commits: a concurrent DELETE (which locks
        # the row it deletes) either commits first, and this one is refused, or waits for this one.
        previous = select(RESPONSES.c.id).where(RESPONSES.c.id == row.previous_response_id)
        if conn.execute(previous if is_sqlite else previous.with_for_update(read=True)).first() is None:
            raise PreviousGone()
    if new_session is not None:
        # Values as parameters, not ``.values(...)`` literals: a literal takes part in the statement's cache key,
        # which SQLAlchemy then rebuilt value by value on every create (most of the create transaction's CPU).
        conn.execute(insert(SESSIONS), new_session.model_dump())
    else:
        moved = conn.execute(update(SESSIONS).where(
            SESSIONS.c.id == row.session_id,
            SESSIONS.c.head_response_id.is_(None) if expected_head is None
            else SESSIONS.c.head_response_id == expected_head,
        ).values({"head_response_id": bindparam("v_head"), "updated_at": bindparam("v_updated_at"),
                  **{name: bindparam(f"v_{name}") for name in session_updates or {}}}),
            {"v_head": row.id, "v_updated_at": now, **{f"v_{k}": v for k, v in (session_updates or {}).items()}})
        if moved.rowcount != 1:
            raise HeadMoved()
    conn.execute(insert(RESPONSES), row.model_dump())
    conn.execute(insert(EVENTS), event_rows(row.id, events, now))
    if transcript:
        conn.execute(insert(TRANSCRIPT), [{"response_id": row.id, "position": p, "message": m}
                                          for p, m in transcript])
    if input_items:
        conn.execute(insert(INPUT_ITEMS), [{"response_id": row.id, "position": p, "id": item["id"], "data": item}
                                           for p, item in enumerate(input_items)])


def delete_response(conn: Connection, response_id: str, owner_id: str, now: float, is_sqlite: bool) -> None:
    """Delete a settled response of ``owner_id`` and everything stored under it (events, artifacts, transcript,
    input items). Its session's head moves back to the response it continued from; a session left with no
    response is deleted too. Raises ``DeleteRefused`` (nothing changed)."""
    query = select(RESPONSES.c.status, RESPONSES.c.session_id, RESPONSES.c.previous_response_id).where(
        RESPONSES.c.id == response_id, RESPONSES.c.owner_id == owner_id)
    found = conn.execute(query if is_sqlite else query.with_for_update()).first()
    if found is None:
        raise DeleteRefused("gone")
    status, session_id, previous_id = found
    if status in RUNNING_STATUSES:
        raise DeleteRefused("running")
    successor = conn.execute(select(RESPONSES.c.id).where(RESPONSES.c.previous_response_id == response_id)
                             .order_by(RESPONSES.c.created_at.desc()).limit(1)).scalar()
    if successor is not None:
        raise DeleteRefused("continued", successor)
    for table in (EVENTS, ARTIFACTS, TRANSCRIPT, INPUT_ITEMS):
        conn.execute(delete(table).where(table.c.response_id == response_id))
    conn.execute(delete(RESPONSES).where(RESPONSES.c.id == response_id))
    conn.execute(update(SESSIONS).where(SESSIONS.c.id == session_id, SESSIONS.c.head_response_id == response_id)
                 .values(head_response_id=previous_id, updated_at=now))
    left = conn.execute(select(func.count()).select_from(RESPONSES).where(RESPONSES.c.session_id == session_id))
    if left.scalar_one() == 0:
        conn.execute(delete(SESSIONS).where(SESSIONS.c.id == session_id))
    if not is_sqlite:
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": DELETED_CHANNEL, "payload": response_id})


# ------------------------------------------------------------------ recovery

def settle_group(conn: Connection, settlements: Sequence[Settlement], now: float,
                 grouped: bool) -> list[Settlement]:
    """Move each stale turn to its settled status with its terminal event; a turn that moved meanwhile is left
    alone. Returns those written (``GroupConflict`` when a grouped move found one moved)."""
    def build():
        return update(RESPONSES).where(
            RESPONSES.c.id == bindparam("_id"), RESPONSES.c.last_sequence <= bindparam("_expected"),
            # Nothing appended after the head recovery read (streamed output moves no row: the log is the judge).
            ~exists().where(EVENTS.c.response_id == bindparam("_id"),
                            EVENTS.c.sequence_number > bindparam("_expected")),
            or_(*(RESPONSES.c.status == status for status in sorted(RUNNING_STATUSES))),  # (no IN in executemany)
        ).values(status=bindparam("v_status"), snapshot=bindparam("v_snapshot"),
                 last_sequence=bindparam("v_last_sequence"), snapshot_sequence=bindparam("v_last_sequence"),
                 updated_at=bindparam("v_now"), owner_replica=bindparam("v_owner_replica"),
                 lease_expires_at=bindparam("v_lease_expires_at"),
                 cancel_requested_at=bindparam("v_cancel_requested_at"))

    params = [{"_id": s.response_id, "_expected": s.expected_last_sequence, "v_status": s.status,
               "v_snapshot": s.snapshot, "v_last_sequence": s.expected_last_sequence + 1, "v_now": now,
               "v_owner_replica": None, "v_lease_expires_at": None, "v_cancel_requested_at": None}
              for s in settlements]
    statements: dict[Any, Any] = {}
    if grouped and conn.dialect.supports_sane_multi_rowcount:
        if _run_many(conn, statements, "settle", build, params, _MOVE_JSON) != len(params):
            raise GroupConflict()
        written = list(settlements)
    else:
        written = [s for s, p in zip(settlements, params)
                   if _run_many(conn, statements, "settle", build, [p], _MOVE_JSON) == 1]
    if written:
        _run_many(conn, statements, "events", lambda: insert(EVENTS),
                  [row for s in written for row in event_rows(s.response_id, [s.event], now)], _EVENT_JSON)
    return written
