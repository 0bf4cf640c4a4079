"""A new response's stream starts with the events committed with it, without reading them back — and still
misses nothing its turn published before the stream subscribed."""

from __future__ import annotations

import asyncio
from typing import Any

from agent.bus import EventBus
from agent.follow import ResponseFollower
from agent.settings import Settings


class RecordingStore:
    """The store's read side, over a list of committed events; counts the reads."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.reads = 0

    async def events_after(self, response_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        self.reads += 1
        return [e for e in self.events if e["sequence_number"] > after][:limit]

    async def get_response(self, response_id: str):
        raise AssertionError("not needed: the log says when the turn ended")


def event(seq: int, kind: str = "response.output_text.delta") -> dict[str, Any]:
    return {"type": kind, "sequence_number": seq}


OPENING = [event(0, "response.created"), event(1, "response.queued")]


async def collect(follower: ResponseFollower, known: list[dict[str, Any]] | None) -> list[int]:
    seen: list[int] = []
    async for batch in follower.subscribe_batches("resp_1", known=known):
        seen.extend(e["sequence_number"] for e in batch or [])
    return seen


def test_the_opening_events_are_sent_without_a_read_and_live_events_follow():
    async def main() -> None:
        store, bus = RecordingStore(list(OPENING)), EventBus()
        follower = ResponseFollower(store, bus, Settings(), lambda: 5.0)
        task = asyncio.create_task(collect(follower, list(OPENING)))
        while bus.subscriber_count("resp_1") == 0:
            await asyncio.sleep(0)
        bus.publish("resp_1", [event(2, "response.in_progress"), event(3)])
        bus.publish("resp_1", [event(4, "response.completed")])
        assert await asyncio.wait_for(task, 5) == [0, 1, 2, 3, 4]
        assert store.reads == 0

    asyncio.run(main())


def test_what_the_turn_published_before_the_stream_subscribed_is_read_from_the_store():
    async def main() -> None:
        committed = [*OPENING, event(2, "response.in_progress"), event(3, "response.completed")]
        store, bus = RecordingStore(committed), EventBus()
        bus.publish("resp_1", committed[2:])  # the whole turn, before anyone follows it
        follower = ResponseFollower(store, bus, Settings(), lambda: 5.0)
        # Without the check this waits out the 5 s store poll (the bus will publish nothing more).
        assert await asyncio.wait_for(collect(follower, list(OPENING)), 1) == [0, 1, 2, 3]
        assert store.reads == 1

    asyncio.run(main())
