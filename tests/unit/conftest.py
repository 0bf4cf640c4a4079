"""Unit fixtures: a real Store on a temporary SQLite file, migrated with the product's Alembic migrations."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from agent import events as ev
from agent.models import ResponseObject, new_id
from agent.store import migrate
from agent.store.store import Store
from agent.store.tables import ResponseRow, SessionRow


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[Store]:
    url = f"sqlite:///{tmp_path}/unit.db"
    migrate.upgrade(url)
    connected = Store.connect(url)
    try:
        yield connected
    finally:
        await connected.close()


async def new_response(store: Store, *, owner: str = "u1", model: str = "moonshotai/Kimi-K2.6:novita") -> ResponseRow:
    """A queued response in a new session, stored as the service stores it (created + queued events)."""
    now = time.time()
    response_id = new_id("resp")
    session = SessionRow(id=new_id("sess"), owner_id=owner, owner_name=owner, model=model, max_cost_usd=5.0,
                         head_response_id=response_id, created_at=now, updated_at=now)
    snapshot = ResponseObject(id=response_id, created_at=int(now), model=model, session_id=session.id)
    row = ResponseRow(id=response_id, session_id=session.id, owner_id=owner, status="queued", last_sequence=1,
                      snapshot=snapshot.public(), created_at=now, updated_at=now)
    created = ev.snapshot_event(ev.CREATED, snapshot) | {"sequence_number": 0}
    queued = ev.snapshot_event(ev.QUEUED, snapshot) | {"sequence_number": 1}
    assert await store.create_response(row, [created, queued], [(0, {"role": "user", "content": "task"})],
                                       new_session=session)
    return row
