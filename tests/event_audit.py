"""Every event a test server stored (= every event it emitted and streamed) must validate against its model in
agent/event_models.py: ``run_server`` checks its database when the server stops, so the models, and the OpenAPI
document built from them, cannot drift from what the integration tests see the server emit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pydantic import ValidationError

from agent.event_models import validate_event


def stored_event_problems(database_path: Path, limit: int = 10) -> tuple[int, list[str]]:
    """(events checked, the first ``limit`` that do not fit their model)."""
    if not database_path.exists():
        return 0, []
    connection = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True, timeout=30)
    try:
        try:
            rows = connection.execute("SELECT response_id, sequence_number, data FROM events").fetchall()
        except sqlite3.OperationalError:  # the server never migrated this database
            return 0, []
    finally:
        connection.close()
    problems = []
    for response_id, sequence, data in rows:
        event = json.loads(data)
        try:
            validate_event(event)
        except ValidationError as exc:
            problems.append(f"{response_id}#{sequence} {event.get('type')}: {exc.errors()[0]} "
                            "(update agent/event_models.py)")
            if len(problems) >= limit:
                break
    return len(rows), problems
