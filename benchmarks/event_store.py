"""Event-log append throughput: one transaction per event vs group commit (as the writer does for deltas)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

from agent.bus import EventBus
from agent.models import ResponseObject
from agent.store import migrate
from agent.store.store import Store
from agent.store.tables import ResponseRow, SessionRow
from agent.writer import TurnWriter
from agent import events as ev

EVENTS = 2000


async def _prepare(url: str, response_id: str) -> tuple[Store, ResponseRow]:
    store = Store.connect(url)
    now = time.time()
    session = SessionRow(id=f"sess_{response_id[-8:]}", owner_id="bench", owner_name="bench", model="m",
                         max_cost_usd=5, head_response_id=response_id, created_at=now, updated_at=now)
    snapshot = ResponseObject(id=response_id, model="m", session_id=session.id)
    row = ResponseRow(id=response_id, session_id=session.id, owner_id="bench", status="queued", last_sequence=0,
                      snapshot=snapshot.public(), created_at=now, updated_at=now)
    await store.create_response(row, [ev.snapshot_event(ev.CREATED, snapshot) | {"sequence_number": 0}],
                                new_session=session)
    return store, row


async def _run(url: str, response_id: str, flush_ms: int, group: bool, events: int = EVENTS) -> float:
    store, row = await _prepare(url, response_id)
    writer = TurnWriter(store, EventBus(), row, flush_ms=flush_ms)
    await writer.emit(ev.ITEM_ADDED, output_index=0, item={"id": "msg_1", "type": "message", "role": "assistant",
                                                           "status": "in_progress", "content": []})
    await writer.emit(ev.PART_ADDED, item_id="msg_1", output_index=0, content_index=0,
                      part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})
    started = time.perf_counter()
    for i in range(events):
        await writer.emit(ev.TEXT_DELTA, item_id="msg_1", output_index=0, content_index=0, delta="tok ",
                          logprobs=[])
        if not group:
            await writer.flush()
        elif i % 50 == 0:
            await asyncio.sleep(0)  # a token stream yields to the loop between chunks
    await writer.close()
    elapsed = time.perf_counter() - started
    await store.close()
    return events / elapsed


def measure(url: str, events: int = EVENTS) -> tuple[float, float]:
    """Events/s appended to the migrated database at ``url``: (one transaction per event, group commit 25 ms).
    Each run uses a new response, so repeated calls on one database do not collide."""
    single = asyncio.run(_run(url, "resp_" + os.urandom(16).hex(), 0, group=False, events=events))
    grouped = asyncio.run(_run(url, "resp_" + os.urandom(16).hex(), 25, group=True, events=events))
    return single, grouped


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        single, grouped = measure(url)
    print(f"event store (SQLite, {EVENTS} text deltas):")
    print(f"  one transaction per event : {single:10.0f} events/s")
    print(f"  group commit (25 ms)      : {grouped:10.0f} events/s   ratio {grouped / single:.1f}x")
    pg = os.environ.get("ML_INTERN_BENCH_POSTGRES_URL")
    if pg:
        migrate.upgrade(pg)
        single, grouped = measure(pg)
        print(f"event store (PostgreSQL): per-event {single:.0f}/s, group commit {grouped:.0f}/s "
              f"ratio {grouped / single:.1f}x")


if __name__ == "__main__":
    main()
