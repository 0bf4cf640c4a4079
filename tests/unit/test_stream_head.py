"""Streamed output appends events without rewriting the response row (between two rewrites of the stored object):
the log's head is the response's last sequence for every reader, a second writer is still refused, and recovery
settles after the head, not after the stale row."""

from __future__ import annotations

import asyncio

import pytest

from agent import events as ev
from agent.bus import EventBus
from agent.models import MessageItem, OutputText
from agent.recovery import settlement
from agent.store.store import SequenceConflict
from agent.writer import TurnWriter
from tests.unit.conftest import new_response

NO_SNAPSHOT_REWRITE_MS = 60_000  # while text streams, the stored object is not rewritten in these tests


async def _streaming(store, row=None) -> TurnWriter:
    row = row or await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, snapshot_ms=NO_SNAPSHOT_REWRITE_MS,
                        lease=("replica_gone", 30.0))
    await writer.set_status("in_progress")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0, part=OutputText().model_dump())
    return writer


async def _delta(writer: TurnWriter, text: str) -> None:
    writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=text,
                               logprobs=[])
    await writer.flush()


async def test_readers_see_the_head_of_the_log_while_the_row_is_not_rewritten(store):
    writer = await _streaming(store)
    moved_at = (await store.get_response(writer.response_id)).updated_at
    for word in ("a ", "b ", "c "):
        await _delta(writer, word)
    row = await store.get_response(writer.response_id)
    assert row.last_sequence == writer.last_sequence == (await store.events_after(row.id, -1))[-1]["sequence_number"]
    assert row.updated_at == moved_at  # three commits, no rewrite of the row
    assert (await store.get_response_current(row.id)).snapshot["output_text"] == "a b c "


async def test_a_stale_stored_object_is_rewritten_when_its_interval_ends_with_nothing_else_arriving(store):
    interval = 0.05
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, snapshot_ms=int(interval * 1000))
    await writer.set_status("in_progress")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0, part=OutputText().model_dump())
    loop = asyncio.get_running_loop()
    await _delta(writer, "last words")  # streamed output alone, just after a rewrite: the stored object lags
    streamed_at = loop.time()
    assert (await store.get_response(row.id)).snapshot["output_text"] == ""
    deadline = streamed_at + 5.0
    while (stored := await store.get_response(row.id)).snapshot_sequence != writer.last_sequence:
        assert loop.time() < deadline, "the lagging object was never rewritten"
        await asyncio.sleep(0.005)
    assert loop.time() - streamed_at >= interval * 0.9  # not before its interval ended
    assert stored.snapshot["output_text"] == "last words"
    await writer.close()


async def test_a_second_writer_from_a_stale_view_is_refused_and_the_log_stays_gapless(store):
    first = await _streaming(store)
    stale_view = await store.get_response_current(first.response_id)
    await _delta(first, "mine ")
    second = TurnWriter(store, EventBus(), stale_view, flush_ms=0, snapshot_ms=NO_SNAPSHOT_REWRITE_MS)
    second.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="theirs ",
                               logprobs=[])
    with pytest.raises(SequenceConflict):
        await second.flush()
    await _delta(first, "still mine")
    events = await store.events_after(first.response_id, -1)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert "".join(e.get("delta", "") for e in events) == "mine still mine"


async def test_a_turn_that_died_mid_stream_is_settled_after_the_head_of_its_log(store):
    writers = [await _streaming(store) for _ in range(3)]
    for writer in writers:
        await _delta(writer, "partial ")
        await _delta(writer, "answer")  # then the process dies: the row still says an earlier sequence
    stale = await store.stale_turns("replica_new", 0.0, all_foreign=True)
    assert sorted(t.last_sequence for t in stale) == sorted(w.last_sequence for w in writers)
    written = await store.settle_stale([settlement(turn) for turn in stale])
    assert len(written) == 3
    for writer in writers:
        events = await store.events_after(writer.response_id, -1)
        row = await store.get_response(writer.response_id)
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        assert events[-1]["type"] == ev.INCOMPLETE and events[-1]["sequence_number"] == writer.last_sequence + 1
        assert row.status == "incomplete" and row.snapshot["output_text"] == "partial answer"
        assert ev.project(events).public() == row.snapshot


async def test_recovery_leaves_a_turn_whose_owner_streamed_after_recovery_read_it(store):
    back, gone = await _streaming(store), await _streaming(store)
    stale = await store.stale_turns("replica_new", 0.0, all_foreign=True)
    await _delta(back, "still here")  # streamed output only: the row is not moved, the log is
    written = await store.settle_stale([settlement(turn) for turn in stale])
    assert [s.response_id for s in written] == [gone.response_id]
    assert (await store.get_response(back.response_id)).status == "in_progress"
    await _delta(back, ", and on")
    events = await store.events_after(back.response_id, -1)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
