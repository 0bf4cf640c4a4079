"""Following a response: wait until it settles (or has news), or stream its events — replayed from the store,
then live from the in-process bus, with the store re-read on gaps, on another replica's commit (NOTIFY) or after
a quiet interval. Callers check ownership first."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from agent import events as ev
from agent.bus import EventBus
from agent.models import SETTLED_STATUSES, ResponseObject
from agent.settings import Settings
from agent.store.store import Store
from agent.store.tables import ResponseRow

REPLAY_PAGE = 500


class ResponseFollower:
    def __init__(self, store: Store, bus: EventBus, settings: Settings, poll_seconds: Callable[[], float]) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        # How long to wait on the bus before re-reading the store (shorter while LISTEN is down).
        self.poll_seconds = poll_seconds

    async def wait(self, row: ResponseRow, *, timeout: float, after_sequence: int | None = None) -> ResponseObject:
        response_id = row.id
        deadline = time.monotonic() + max(0.0, timeout)
        sub = self.bus.subscribe(response_id)
        try:
            while True:
                if row.status in SETTLED_STATUSES or (after_sequence is not None and row.last_sequence > after_sequence):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                await sub.next_batch(min(remaining, self.poll_seconds()))
                sub.lagged = False  # re-reading now: the next wake-up may queue again
                fresh = await self.store.get_response(response_id)
                assert fresh is not None
                row = fresh
        finally:
            self.bus.unsubscribe(sub)
        return ResponseObject.model_validate(row.snapshot)

    async def subscribe(self, response_id: str, *, starting_after: int = -1) -> AsyncIterator[dict[str, Any] | None]:
        """Yields events in sequence order until the turn's end event, and ``None`` as a keep-alive tick when nothing
        happened for ``sse_keepalive_seconds``."""
        async for batch in self.subscribe_batches(response_id, starting_after=starting_after):
            if batch is None:
                yield None
                continue
            for event in batch:
                yield event

    async def subscribe_batches(self, response_id: str, *, starting_after: int = -1,
                                known: list[dict[str, Any]] | None = None,
                                ) -> AsyncIterator[list[dict[str, Any]] | None]:
        """Like ``subscribe``, a committed batch at a time (so a stream writes a group commit in one send).
        Subscribes before replaying so nothing is missed; duplicates are dropped by sequence number. ``known``:
        committed events that follow ``starting_after``, sent without reading them back (of a turn running in
        this process: whatever it published before this subscription is read from the store)."""
        sub = self.bus.subscribe(response_id)
        last = starting_after
        from_store = True
        idle_since = time.monotonic()
        try:
            if known and known[0]["sequence_number"] == last + 1:
                last = known[-1]["sequence_number"]
                ended = _through_end(known)
                yield ended or known
                if ended and await self._ends_at(response_id, ended):
                    return
                from_store = ended is not None or self.bus.last_published(response_id) > last
            while True:
                if from_store:
                    found_any = False
                    while True:
                        replayed = await self.store.events_after(response_id, last, REPLAY_PAGE)
                        if replayed:
                            found_any = True
                            last = replayed[-1]["sequence_number"]
                            idle_since = time.monotonic()
                            ended = _through_end(replayed)
                            yield ended or replayed
                            if ended:
                                if await self._ends_at(response_id, ended):
                                    return
                                continue  # a resumed pause: what followed it is in the store
                        if len(replayed) < REPLAY_PAGE:
                            break
                    if not found_any:
                        # Nothing new (a stream resumed after a pause or the end): a settled response has no
                        # more to send. (After new events, the log itself says: it ends with an end event.)
                        row = await self.store.get_response(response_id)
                        if row is None or (row.status in SETTLED_STATUSES and row.last_sequence <= last):
                            return
                    from_store = False
                batch = await sub.next_batch(min(self.poll_seconds(), self.settings.sse_keepalive_seconds))
                if sub.lagged or batch is None:
                    # Dropped batches, another replica's commit (NOTIFY), or quiet for a while: re-read the store.
                    sub.lagged = False
                    from_store = True
                    if batch is None and time.monotonic() - idle_since >= self.settings.sse_keepalive_seconds:
                        idle_since = time.monotonic()
                        yield None
                    continue
                if (batch and batch[0]["sequence_number"] == last + 1
                        and batch[-1]["sequence_number"] == last + len(batch)):
                    fresh = batch  # the next events, in order (a live stream's every batch): no check per event
                    last = batch[-1]["sequence_number"]
                else:
                    fresh = []
                    for event in batch:
                        if event["sequence_number"] <= last:
                            continue
                        if event["sequence_number"] != last + 1:
                            from_store = True  # a gap: fill it from the store
                            break
                        last = event["sequence_number"]
                        fresh.append(event)
                if fresh:
                    idle_since = time.monotonic()
                    ended = _through_end(fresh)
                    yield ended or fresh
                    if ended:
                        if await self._ends_at(response_id, ended):
                            return
                        from_store = True  # resumed already: read on from the store
        finally:
            self.bus.unsubscribe(sub)

    async def _ends_at(self, response_id: str, ended: list[dict[str, Any]]) -> bool:
        """Whether the stream ends after ``ended`` (which ``_through_end`` cut at an end event): always at a terminal
        event; at a pause only while the response is still paused there. A resumed pause (approved, denied, or
        cancelled) has later events, and the stream runs on through them to the terminal one. One read, per pause
        only: the hot path (every other batch) never comes here."""
        pause = ended[-1]
        if pause["type"] != ev.INCOMPLETE:
            return True
        row = await self.store.get_response(response_id)
        return row is None or row.last_sequence <= pause["sequence_number"]


def _through_end(events: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The events up to and including the turn's end event, or None when the batch holds none. A pause
    (``response.incomplete``) with events after it in the batch was resumed: not an end. A pause that is the batch's
    last event may be one too (``ResponseFollower._ends_at`` asks the store)."""
    last = len(events) - 1
    for index, event in enumerate(events):
        if event["type"] in ev.STREAM_END_EVENTS and (index == last or event["type"] != ev.INCOMPLETE):
            return events[: index + 1]
    return None
