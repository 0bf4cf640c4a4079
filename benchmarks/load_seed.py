"""Open responses written straight into a migrated SQLite database, as a crashed server would have left them.

The rows are built with the application's own models (``ResponseObject``, the lifecycle event shapes of
``agent.events``) so they match what ``AgentService._create`` and the turn writer store: a session per response
(head = that response), the response ``in_progress`` owned by a replica that is gone, its ``response.created``,
``response.queued`` and ``response.in_progress`` events, and the user message in the transcript. Inserted with
``sqlite3`` in one transaction: building 10,000 turns through the API would take longer than what is measured.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table

from agent import events as ev
from agent.models import RUNNING_STATUSES, ResponseObject, new_id
from agent.store.tables import EventRow, ResponseRow, SessionRow, TranscriptRow

MODEL = "moonshotai/Kimi-K2.6:novita"
LEASE_SECONDS = 30.0


def _snapshots(response_id: str, session_id: str, created: float) -> tuple[dict[str, Any], dict[str, Any]]:
    queued = ResponseObject(id=response_id, created_at=int(created), model=MODEL, status="queued",
                            session_id=session_id)
    in_progress = ev.with_status(queued, "in_progress")
    return queued.public(), in_progress.public()


def _rows(owner: tuple[str, str], dead_replica: str, now: float) -> dict[str, dict[str, Any]]:
    """The rows of one open turn, keyed by table name (events and transcript are lists)."""
    owner_id, owner_name = owner
    response_id, session_id = new_id("resp"), new_id("sess")
    queued, in_progress = _snapshots(response_id, session_id, now)
    events = [ev.snapshot_event(ev.CREATED, ResponseObject.model_validate(queued)),
              ev.snapshot_event(ev.QUEUED, ResponseObject.model_validate(queued)),
              {"type": ev.IN_PROGRESS, "response": in_progress}]
    return {
        "sessions": {"id": session_id, "owner_id": owner_id, "owner_name": owner_name, "model": MODEL,
                     "max_cost_usd": 5.0, "spent_usd": 0.0, "head_response_id": response_id,
                     "created_at": now, "updated_at": now},
        "responses": {"id": response_id, "session_id": session_id, "owner_id": owner_id, "status": "in_progress",
                      "previous_response_id": None, "last_sequence": len(events) - 1, "snapshot": in_progress,
                      "snapshot_sequence": len(events) - 1,
                      "idempotency_key": None, "owner_replica": dead_replica,
                      "lease_expires_at": now + LEASE_SECONDS, "cancel_requested_at": None,
                      "created_at": now, "updated_at": now},
        "events": [{"response_id": response_id, "sequence_number": n, "type": e["type"],
                    "data": e | {"sequence_number": n}, "created_at": now} for n, e in enumerate(events)],
        "transcript": [{"response_id": response_id, "position": 0,
                        "message": {"role": "user", "content": "Train a small model on my dataset."}}],
    }


def _insert(conn: sqlite3.Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    # Every column of the table in order: a column added by a migration and missing here fails loudly.
    columns = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    placeholders = ", ".join("?" for _ in columns)
    conn.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})",
        [tuple(json.dumps(row[c]) if c in json_columns else row[c] for c in columns) for row in rows])


def seed_open_responses(database_path: Path, count: int, owners: list[tuple[str, str]]) -> list[str]:
    """Insert ``count`` in-progress responses spread over ``owners`` (Hub user id, name); returns their ids."""
    dead_replica = f"replica_{secrets.token_hex(8)}"
    now = time.time()
    turns = [_rows(owners[i % len(owners)], dead_replica, now) for i in range(count)]
    conn = sqlite3.connect(database_path)
    try:
        with conn:
            _insert(conn, SessionRow.__table__, [t["sessions"] for t in turns])
            _insert(conn, ResponseRow.__table__, [t["responses"] for t in turns])
            _insert(conn, EventRow.__table__, [e for t in turns for e in t["events"]])
            _insert(conn, TranscriptRow.__table__, [m for t in turns for m in t["transcript"]])
    finally:
        conn.close()
    return [t["responses"]["id"] for t in turns]


def open_count(database_path: Path) -> int:
    """Responses still queued or in progress."""
    statuses = sorted(RUNNING_STATUSES)
    conn = sqlite3.connect(database_path, timeout=5)
    try:
        query = f"SELECT COUNT(*) FROM responses WHERE status IN ({', '.join('?' for _ in statuses)})"
        return int(conn.execute(query, statuses).fetchone()[0])
    finally:
        conn.close()


def status_of(database_path: Path, response_id: str) -> tuple[str, dict[str, Any]]:
    """A response's status and its stored snapshot."""
    conn = sqlite3.connect(database_path, timeout=5)
    try:
        status, snapshot = conn.execute("SELECT status, snapshot FROM responses WHERE id = ?",
                                        (response_id,)).fetchone()
        return status, json.loads(snapshot)
    finally:
        conn.close()
