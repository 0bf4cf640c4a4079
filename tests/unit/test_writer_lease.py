"""What a turn's commits write to its response row: the lease is claimed once (the service's heartbeat extends it)
and released when the turn settles; the status is written when it changes. Streamed deltas rewrite neither: both
columns are indexed, and rewriting them on every group commit was a measurable share of the commit thread."""

from __future__ import annotations

import time

from agent import events as ev
from agent.bus import EventBus
from agent.models import MessageItem
from agent.writer import TurnWriter
from tests.unit.conftest import new_response

LEASE_SECONDS = 30.0


async def _row(store, response_id):
    row = await store.get_response(response_id)
    assert row is not None
    return row


async def test_the_first_commit_claims_the_lease_and_deltas_leave_it_to_the_heartbeat(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, lease=("replica-b", LEASE_SECONDS))
    before = time.time()
    await writer.set_status("in_progress")
    claimed = await _row(store, row.id)
    assert claimed.status == "in_progress" and claimed.owner_replica == "replica-b"
    assert claimed.lease_expires_at is not None and claimed.lease_expires_at >= before + LEASE_SECONDS

    # The heartbeat moves the lease on; streamed output after it must not move it back or touch it.
    await store.heartbeat("replica-b", before + 10 * LEASE_SECONDS)
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                      part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})
    for text in ("a", "b", "c"):
        writer.emit_deferred(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=text,
                             logprobs=[])
        await writer.flush()
    streaming = await _row(store, row.id)
    assert streaming.last_sequence == writer.last_sequence
    assert streaming.lease_expires_at == before + 10 * LEASE_SECONDS
    assert streaming.owner_replica == "replica-b" and streaming.status == "in_progress"

    await writer.set_status("completed")
    settled = await _row(store, row.id)
    assert settled.status == "completed"
    assert settled.owner_replica is None and settled.lease_expires_at is None


async def test_a_writer_resuming_another_replicas_turn_claims_it(store):
    row = await new_response(store)
    first = TurnWriter(store, EventBus(), row, flush_ms=0, lease=("replica-a", LEASE_SECONDS))
    await first.set_status("in_progress")
    await first.close()

    resumed = TurnWriter(store, EventBus(), await _row(store, row.id), flush_ms=0,
                         lease=("replica-b", LEASE_SECONDS))
    await resumed.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    assert (await _row(store, row.id)).owner_replica == "replica-b"


async def test_a_cancel_request_is_cleared_only_by_the_status_change_that_ends_the_run(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, lease=("replica-a", LEASE_SECONDS))
    await writer.set_status("in_progress")
    assert await store.request_cancel(row.id)
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    assert (await _row(store, row.id)).cancel_requested_at is not None  # still asked: the run goes on
    await writer.set_status("cancelled")
    assert (await _row(store, row.id)).cancel_requested_at is None
