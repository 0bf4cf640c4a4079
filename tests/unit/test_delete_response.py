"""Deleting a response in the store: refused (nothing changed) while it runs or while another continues from it;
otherwise its rows go in one transaction, the session head moves back, an empty session goes; a response chained
to one deleted meanwhile is refused at insert."""

from __future__ import annotations

import time

import pytest

from agent import events as ev
from agent.bus import EventBus
from agent.models import ResponseObject, new_id
from agent.store.store import DeleteRefused, PreviousGone, Store
from agent.store.tables import ResponseRow
from agent.writer import TurnWriter
from tests.unit.conftest import new_response


async def settled(store: Store, row: ResponseRow) -> ResponseRow:
    writer = TurnWriter(store, EventBus(), row, flush_ms=0)
    await writer.set_status("in_progress")
    await writer.set_status("completed")
    await writer.close()
    fresh = await store.get_response(row.id)
    assert fresh is not None
    return fresh


async def chained(store: Store, previous: ResponseRow) -> ResponseRow:
    now = time.time()
    response_id = new_id("resp")
    snapshot = ResponseObject(id=response_id, created_at=int(now), model="m", session_id=previous.session_id,
                              previous_response_id=previous.id)
    row = ResponseRow(id=response_id, session_id=previous.session_id, owner_id=previous.owner_id, status="queued",
                      previous_response_id=previous.id, last_sequence=0, snapshot=snapshot.public(),
                      created_at=now, updated_at=now)
    session = await store.get_session(previous.session_id)
    assert session is not None
    created = ev.snapshot_event(ev.CREATED, snapshot) | {"sequence_number": 0}
    assert await store.create_response(row, [created], expected_head=session.head_response_id,
                                       input_items=[{"id": "msg_1", "type": "message"}])
    return row


async def test_delete_rules(store):
    first = await new_response(store, owner="u1")
    with pytest.raises(DeleteRefused) as refused:
        await store.delete_response(first.id, "u1")
    assert refused.value.reason == "running"
    first = await settled(store, first)
    second = await settled(store, await chained(store, first))
    with pytest.raises(DeleteRefused) as refused:
        await store.delete_response(first.id, "u1")
    assert (refused.value.reason, refused.value.successor_id) == ("continued", second.id)
    with pytest.raises(DeleteRefused) as refused:
        await store.delete_response(second.id, "someone else")
    assert refused.value.reason == "gone"
    assert await store.input_items(second.id, limit=10, descending=False) == [{"id": "msg_1", "type": "message"}]

    await store.delete_response(second.id, "u1")
    assert await store.get_response(second.id) is None
    assert await store.events_after(second.id, -1) == [] and await store.input_items(second.id, limit=10,
                                                                                   descending=False) == []
    session = await store.get_session(first.session_id)
    assert session is not None and session.head_response_id == first.id  # moved back
    await store.delete_response(first.id, "u1")
    assert await store.get_session(first.session_id) is None  # nothing left in it


async def test_a_response_chained_to_one_deleted_meanwhile_is_refused(store):
    first = await settled(store, await new_response(store, owner="u1"))
    second = await settled(store, await chained(store, first))
    await store.delete_response(second.id, "u1")
    # Another request read ``second`` before it was deleted, and now inserts a response continuing from it.
    with pytest.raises(PreviousGone):
        await chained(store, second)
