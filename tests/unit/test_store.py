"""The event store: atomic appends with an expected last sequence (single writer), gapless sequence numbers,
transcript and artifacts written with the events, the session head moved only by one submit."""

from __future__ import annotations

import asyncio
import time

import pytest

from agent import events as ev
from agent.bus import EventBus
from agent.models import Artifact, McpCallItem, MessageItem, new_id
from agent.store.store import Append, SequenceConflict
from agent.store.tables import ResponseRow
from agent.writer import TurnWriter
from tests.unit.conftest import new_response


async def test_append_with_a_wrong_expected_sequence_conflicts(store):
    row = await new_response(store)
    event = {"type": ev.LLM_CALL, "sequence_number": 2, "attempt": 1}
    snapshot = row.snapshot
    await store.append(Append(response_id=row.id, expected_last_sequence=1, events=[event], snapshot=snapshot,
                              status="queued"))
    stale = {"type": ev.LLM_CALL, "sequence_number": 3, "attempt": 2}
    for expected in (1, 0, 5):
        with pytest.raises(SequenceConflict):
            await store.append(Append(response_id=row.id, expected_last_sequence=expected, events=[stale],
                                      snapshot=snapshot, status="queued"))
    # Nothing of the refused appends was written.
    assert [e["sequence_number"] for e in await store.events_after(row.id, -1)] == [0, 1, 2]
    assert (await store.get_response(row.id)).last_sequence == 2


async def test_append_is_atomic_with_the_projection_transcript_and_artifacts(store):
    row = await new_response(store)
    snapshot = dict(row.snapshot, status="in_progress")
    artifact = {"key": "model:alice/m", "type": "model", "session_id": row.session_id,
                "data": {"type": "model", "repo_id": "alice/m", "url": "https://hf.co/alice/m"}}
    await store.append(Append(
        response_id=row.id, expected_last_sequence=1, status="in_progress", snapshot=snapshot,
        events=[{"type": ev.IN_PROGRESS, "sequence_number": 2, "response": snapshot}],
        artifacts=[artifact, artifact], transcript=[(1, {"role": "assistant", "content": "hi"})],
        session_spent_usd=0.25, session_id=row.session_id))
    stored = await store.get_response(row.id)
    assert stored.status == "in_progress" and stored.snapshot == snapshot and stored.last_sequence == 2
    assert await store.artifacts(response_id=row.id) == [artifact["data"]]  # deduplicated by key
    assert await store.artifacts(session_id=row.session_id) == [artifact["data"]]
    assert await store.transcript(row.id) == [{"role": "user", "content": "task"},
                                              {"role": "assistant", "content": "hi"}]
    assert (await store.get_session(row.session_id)).spent_usd == 0.25


async def test_a_flush_without_events_keeps_the_sequence(store):
    row = await new_response(store)
    await store.append(Append(response_id=row.id, expected_last_sequence=1, events=[], snapshot=row.snapshot,
                              status="queued", transcript=[(1, {"role": "assistant", "content": "x"})]))
    assert (await store.get_response(row.id)).last_sequence == 1


async def test_writer_numbers_events_gaplessly_across_group_commits(store):
    row = await new_response(store)
    bus = EventBus()
    sub = bus.subscribe(row.id)
    writer = TurnWriter(store, bus, row, flush_ms=5)
    await writer.set_status("in_progress")
    item = MessageItem(id="msg_1")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=item.model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                      part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})
    for i in range(200):  # deferred: group-committed by the timer or the next durable event
        await writer.emit(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=f"{i},",
                          logprobs=[])
        if i % 50 == 0:
            await asyncio.sleep(0.01)  # let the group-commit timer fire mid-stream
    text = "".join(f"{i}," for i in range(200))
    await writer.emit(ev.TEXT_DONE, item_id="msg_1", output_index=0, content_index=0, text=text, logprobs=[])
    await writer.set_status("completed")
    await writer.close()

    stored = await store.events_after(row.id, -1, 5000)
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
    assert len(stored) == 2 + 1 + 2 + 200 + 1 + 1
    assert (await store.get_response(row.id)).last_sequence == len(stored) - 1
    assert writer.last_sequence == len(stored) - 1
    # Live subscribers got the same events, in order, once each (published after commit).
    published = []
    while (batch := await sub.next_batch(timeout=0)) is not None:
        published += batch
    assert published == stored[2:]
    assert "".join(e["delta"] for e in stored if e["type"] == ev.TEXT_DELTA) == text
    # Paging over the log returns the same numbering.
    assert await store.events_after(row.id, 100, 10) == stored[101:111]


async def test_a_second_writer_on_the_same_response_is_refused(store):
    row = await new_response(store)
    first = TurnWriter(store, EventBus(), row, flush_ms=0)
    second = TurnWriter(store, EventBus(), row, flush_ms=0)
    await first.set_status("in_progress")
    with pytest.raises(SequenceConflict):
        await second.set_status("in_progress")


async def test_session_head_moves_only_once(store):
    first = await new_response(store)
    now = time.time()

    def follow_up() -> ResponseRow:
        return ResponseRow(id=new_id("resp"), session_id=first.session_id, owner_id="u1", status="queued",
                           previous_response_id=first.id, last_sequence=1, snapshot=first.snapshot,
                           created_at=now, updated_at=now)

    created = [{"type": ev.CREATED, "sequence_number": 0, "response": first.snapshot}]
    a, b = follow_up(), follow_up()
    assert await store.create_response(a, created, expected_head=first.id)
    assert not await store.create_response(b, created, expected_head=first.id)  # the head already moved
    assert await store.get_response(b.id) is None
    assert (await store.get_session(first.session_id)).head_response_id == a.id


async def test_live_sessions_count_running_turns(store):
    a = await new_response(store, owner="alice")
    await new_response(store, owner="alice")
    await new_response(store, owner="bob")
    assert await store.live_sessions("alice") == 2
    assert await store.live_sessions() == 3
    writer = TurnWriter(store, EventBus(), a, flush_ms=0)
    await writer.set_status("completed")
    assert await store.live_sessions("alice") == 1


async def test_idempotency_key_is_unique_per_owner(store):
    from sqlalchemy.exc import IntegrityError

    now = time.time()
    base = await new_response(store)

    def keyed(owner: str) -> ResponseRow:
        return ResponseRow(id=new_id("resp"), session_id=base.session_id, owner_id=owner, status="queued",
                           last_sequence=0, snapshot=base.snapshot, idempotency_key="k1", created_at=now,
                           updated_at=now)

    created = [{"type": ev.CREATED, "sequence_number": 0, "response": base.snapshot}]
    first = keyed("u1")
    assert await store.create_response(first, created, expected_head=base.id)
    assert (await store.find_idempotent("u1", "k1")).id == first.id
    assert await store.find_idempotent("u2", "k1") is None
    with pytest.raises(IntegrityError):
        await store.create_response(keyed("u1"), created, expected_head=first.id)


async def test_artifacts_recorded_by_the_writer_are_deduplicated(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0)
    job = Artifact(type="hf_job", id="job1", url="https://hf.co/jobs/alice/job1")
    assert await writer.record_artifact(job)
    assert not await writer.record_artifact(job)
    tool_item = McpCallItem(id="mcp_1", name="t", arguments="{}")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=tool_item.model_dump())
    await writer.close()
    assert await store.artifacts(response_id=row.id) == [job.public()]
    types = [e["type"] for e in await store.events_after(row.id, 1)]
    assert types == [ev.ARTIFACT_CREATED, ev.ITEM_ADDED]
