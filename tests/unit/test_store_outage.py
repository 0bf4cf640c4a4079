"""A database outage under a running turn (found by `make chaos`: a PostgreSQL restart left logs with gaps and a
turn stuck in_progress). The writer keeps what it could not commit and commits it once the database is back."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from agent import events as ev
from agent.bus import EventBus
from agent.models import MessageItem
from agent.store.outage import StoreUnavailable, is_outage
from agent.store.store import SequenceConflict
from agent.writer import TurnWriter
from tests.unit.conftest import new_response


class Outage:
    """Makes every commit of ``store`` fail as a refused connection while ``down``."""

    def __init__(self, store, monkeypatch) -> None:
        self.down = False
        self.refused = 0
        real = store._commit_group

        async def commit_group(batches):
            if self.down:
                self.refused += 1
                raise OperationalError("COMMIT", {}, ConnectionRefusedError("connection refused"))
            return await real(batches)

        monkeypatch.setattr(store, "_commit_group", commit_group)


async def _open_message(writer: TurnWriter) -> None:
    await writer.set_status("in_progress")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_1").model_dump())
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                      part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})


def _delta(writer: TurnWriter, text: str) -> None:
    writer.emit_deferred(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta=text, logprobs=[])


async def test_a_turn_streams_through_an_outage_without_losing_or_renumbering_events(store, monkeypatch):
    row = await new_response(store)
    outage = Outage(store, monkeypatch)
    bus = EventBus()
    sub = bus.subscribe(row.id)
    writer = TurnWriter(store, bus, row, flush_ms=5)
    await _open_message(writer)
    _delta(writer, "before,")
    await writer.flush()

    outage.down = True
    for i in range(5):  # group commits of these fail while the database is away
        _delta(writer, f"{i},")
        await asyncio.sleep(0.02)
    assert outage.refused >= 2

    async def back_soon() -> None:
        await asyncio.sleep(0.2)
        outage.down = False

    comes_back = asyncio.create_task(back_soon())
    # A durable step during the outage waits for the database instead of failing the turn.
    await writer.emit(ev.TEXT_DONE, item_id="msg_1", output_index=0, content_index=0, text="before,0,1,2,3,4,",
                      logprobs=[])
    await comes_back
    await writer.set_status("completed")
    await writer.close()

    stored = await store.events_after(row.id, -1, 1000)
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
    assert "".join(e["delta"] for e in stored if e["type"] == ev.TEXT_DELTA) == "before,0,1,2,3,4,"
    assert stored[-1]["type"] == ev.COMPLETED
    assert (await store.get_response(row.id)).status == "completed"
    published = []
    while (batch := await sub.next_batch(timeout=0)) is not None:
        published += batch
    assert published == stored[2:]  # live streams got each committed event once, in order


async def test_an_outage_longer_than_the_wait_fails_the_step_and_loses_nothing(store, monkeypatch):
    row = await new_response(store)
    outage = Outage(store, monkeypatch)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5, store_retry_seconds=0.3)
    await _open_message(writer)
    outage.down = True
    _delta(writer, "kept,")
    with pytest.raises(StoreUnavailable):
        await writer.emit(ev.TEXT_DONE, item_id="msg_1", output_index=0, content_index=0, text="kept,",
                          logprobs=[])
    outage.down = False
    await writer.set_status("failed")  # recorded once the database is back, after everything emitted before
    stored = await store.events_after(row.id, -1, 1000)
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
    assert [e["type"] for e in stored[-3:]] == [ev.TEXT_DELTA, ev.TEXT_DONE, ev.FAILED]


async def test_a_conflict_is_not_waited_out(store):
    row = await new_response(store)
    first = TurnWriter(store, EventBus(), row, flush_ms=0)
    second = TurnWriter(store, EventBus(), row, flush_ms=0)
    await first.set_status("in_progress")
    with pytest.raises(SequenceConflict):
        await asyncio.wait_for(second.set_status("in_progress"), 1.0)


def test_outages_are_told_from_refusals():
    assert is_outage(OperationalError("SELECT 1", {}, ConnectionRefusedError()))
    assert is_outage(ConnectionResetError())
    assert not is_outage(SequenceConflict("moved"))
    assert not is_outage(ValueError("bug"))
