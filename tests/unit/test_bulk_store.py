"""Set-based store writes: appends of many responses committed together, and recovery of many stale turns."""

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


async def _running(store, *, cancel: bool = False) -> TurnWriter:
    """A response mid-answer: in progress, a message item still streaming."""
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, lease=("replica_gone", 30.0))
    await writer.set_status("in_progress")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0, part=OutputText().model_dump())
    writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="partial",
                               logprobs=[])
    await writer.flush()
    if cancel:
        await store.request_cancel(row.id)
    return writer


async def test_concurrent_appends_of_many_responses_all_land_gapless(store):
    writers = [await _running(store) for _ in range(40)]
    # Every writer appends at once: the store commits them in shared transactions.
    for round_ in range(5):
        for writer in writers:
            writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0,
                                       delta=f" {round_}", logprobs=[])
        await asyncio.gather(*(writer.flush() for writer in writers))
    for writer in writers:
        events = await store.events_after(writer.response_id, -1)
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        row = await store.get_response(writer.response_id)
        assert row.last_sequence == events[-1]["sequence_number"]
        assert ev.project(events).public() == row.snapshot
        assert row.snapshot["output_text"] == "partial 0 1 2 3 4"


async def test_a_conflicting_append_fails_alone(store):
    good, bad = await _running(store), await _running(store)
    bad._committed_seq -= 1  # as if another writer had appended to it meanwhile
    for writer in (good, bad):
        writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="!",
                                   logprobs=[])
    outcomes = await asyncio.gather(good.flush(), bad.flush(), return_exceptions=True)
    assert outcomes[0] is None and isinstance(outcomes[1], SequenceConflict)
    assert (await store.get_response(good.response_id)).snapshot["output_text"] == "partial!"
    assert (await store.get_response(bad.response_id)).snapshot["output_text"] == "partial"


async def test_recovery_settles_every_stale_turn_in_bulk(store):
    running = [await _running(store) for _ in range(30)]
    cancelled = [await _running(store, cancel=True) for _ in range(5)]
    stale = await store.stale_turns("replica_new", 0.0, all_foreign=True)
    assert {t.response_id for t in stale} == {w.response_id for w in running + cancelled}
    written = await store.settle_stale([settlement(turn) for turn in stale])
    assert len(written) == 35
    for writer, status in [(w, "incomplete") for w in running] + [(w, "cancelled") for w in cancelled]:
        row = await store.get_response(writer.response_id)
        events = await store.events_after(writer.response_id, -1)
        assert row.status == status and row.owner_replica is None and row.cancel_requested_at is None
        assert events[-1]["type"] == f"response.{status}" and events[-1]["sequence_number"] == row.last_sequence
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        # The projection of the log equals the stored object, as for a turn settled by its writer.
        assert ev.project(events).public() == row.snapshot
        assert row.snapshot["output"][0]["status"] == "incomplete"
        assert row.snapshot["completed_at"] is None  # the spec sets it only on a completed response
        if status == "incomplete":
            assert row.snapshot["incomplete_details"] == {"reason": "server_restart"}
    assert await store.stale_turns("replica_new", 0.0, all_foreign=True) == []


async def test_recovery_leaves_a_turn_that_moved_meanwhile(store):
    moved, idle = await _running(store), await _running(store)
    stale = await store.stale_turns("replica_new", 0.0, all_foreign=True)
    # The owner comes back and appends before recovery writes: that turn must not be settled over it.
    moved.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=" more",
                              logprobs=[])
    await moved.flush()
    written = await store.settle_stale([settlement(turn) for turn in stale])
    assert [s.response_id for s in written] == [idle.response_id]
    assert (await store.get_response(moved.response_id)).status == "in_progress"


@pytest.mark.parametrize("lease_offset, expected", [(-10.0, True), (+10.0, False)])
async def test_only_expired_foreign_leases_are_stale(store, lease_offset, expected):
    import time

    writer = await _running(store)
    await store.heartbeat("replica_gone", time.time() + lease_offset)
    stale = await store.stale_turns("replica_new", time.time(), all_foreign=False)
    assert (writer.response_id in {t.response_id for t in stale}) is expected
    assert await store.stale_turns("replica_gone", time.time(), all_foreign=True) == []


async def test_the_first_delta_after_a_quiet_spell_is_committed_at_once(store):
    """Leading-edge group commit: the first delta reaches subscribers without waiting for the window; the next
    ones within the window wait for the group commit."""
    row = await new_response(store)
    bus = EventBus()
    writer = TurnWriter(store, bus, row, flush_ms=1500)
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0, part=OutputText().model_dump())
    sub = bus.subscribe(row.id)
    writer._streamed_at = float("-inf")  # a quiet spell since its last streamed commit
    writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="first",
                               logprobs=[])
    batch = await sub.next_batch(timeout=0.75)  # half the window: only a leading-edge commit can be this early
    assert [e["delta"] for e in batch] == ["first"]
    writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="second",
                               logprobs=[])
    assert await sub.next_batch(timeout=0.3) is None  # inside the window: held for the group commit
    assert [e["delta"] for e in await sub.next_batch(timeout=3)] == ["second"]
    await writer.close()


async def test_streaming_writers_ride_one_clock_not_a_window_each(store):
    """A delta waits for the group's next commit (within the window of the last commit of all), so writers that
    stream at once share commits; timed from each writer's own last commit, they drifted into many small ones."""
    window = 0.3
    bus = EventBus()
    writers = []
    for i in range(2):
        writer = TurnWriter(store, bus, await new_response(store), flush_ms=int(window * 1000))
        await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id=f"msg_{i}").model_dump())
        await writer.emit(ev.PART_ADDED, item_id=f"msg_{i}", output_index=0, content_index=0,
                          part=OutputText().model_dump())
        writers.append(writer)
    groups: list[set[str]] = []
    commit = store.committer._commit

    async def recorded(appends):
        groups.append({append.response_id for append in appends if append.events})
        return await commit(appends)

    store.committer._commit = recorded
    first, second = writers
    subs = [bus.subscribe(w.response_id) for w in writers]
    loop = asyncio.get_running_loop()
    for writer in writers:
        # Both streaming (no leading edge), each near the end of a window of its own; the group committed just now.
        writer._streamed_at = loop.time() - window * 0.9
    first.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_0", output_index=0, content_index=0, delta="a",
                              logprobs=[])
    await asyncio.sleep(window / 3)  # the second writer's delta comes a third of a window later
    second.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="b",
                               logprobs=[])
    assert await subs[0].next_batch(timeout=window / 6) is None  # not on a clock of its own
    assert [e["delta"] for e in await subs[0].next_batch(timeout=5)] == ["a"]
    assert [e["delta"] for e in await subs[1].next_batch(timeout=5)] == ["b"]
    assert groups == [{first.response_id, second.response_id}]  # one commit carried both
    for writer in writers:
        await writer.close()


async def test_while_text_streams_the_stored_object_lags_consistently_and_catches_up(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, snapshot_ms=60_000)
    await writer.set_status("in_progress")  # a status change rewrites the object at once
    writer.emit_deferred(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    writer.emit_deferred(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                         part=OutputText().model_dump())
    for word in ("one ", "two "):
        writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=word,
                                   logprobs=[])
        await writer.flush()
    stored = await store.get_response(row.id)
    events = await store.events_after(row.id, -1)
    assert stored.last_sequence == events[-1]["sequence_number"]  # every delta is committed...
    assert stored.snapshot_sequence < stored.last_sequence          # ...the object is rewritten later
    # What is stored is exactly the projection as of its own sequence number.
    upto = [e for e in events if e["sequence_number"] <= stored.snapshot_sequence]
    assert ev.project(upto).public() == stored.snapshot
    current = await store.get_response_current(row.id)
    assert current.snapshot["output_text"] == "one two " and current.snapshot_sequence == stored.last_sequence
    # A writer that dies here leaves it lagging; recovery settles it from the events, text included.
    [turn] = [t for t in await store.stale_turns("replica_new", 0.0, all_foreign=True) if t.response_id == row.id]
    assert turn.snapshot["output_text"] == "one two "


async def test_closing_a_writer_leaves_the_stored_object_current(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0, snapshot_ms=60_000)
    await writer.set_status("in_progress")
    writer.emit_deferred(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    writer.emit_deferred(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                         part=OutputText().model_dump())
    writer.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="kept",
                               logprobs=[])
    await writer.flush()
    assert (await store.get_response(row.id)).snapshot_sequence < writer.last_sequence
    await writer.close()
    stored = await store.get_response(row.id)
    assert stored.snapshot_sequence == stored.last_sequence and stored.snapshot["output_text"] == "kept"


async def test_a_subscriber_behind_by_several_commits_gets_them_in_one_batch_in_order():
    bus = EventBus()
    sub = bus.subscribe("resp_x")
    for n in range(3):
        bus.publish("resp_x", [{"sequence_number": 2 * n}, {"sequence_number": 2 * n + 1}])
    joined = await sub.next_batch(timeout=1)
    assert [e["sequence_number"] for e in joined] == list(range(6))
    assert await sub.next_batch(timeout=0) is None
