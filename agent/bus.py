"""In-process fan-out of committed events to live subscribers.

Events are published only after they are committed, so what a subscriber sees live can always be replayed.
A subscriber that falls behind is marked lagged and refills from the store instead of growing a queue; the
same flag, with an empty batch to end its wait, sends it back to the store when another replica committed.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_QUEUED_BATCHES = 1024
# Responses whose last published sequence number is remembered (the most recently published ones).
MAX_TRACKED_RESPONSES = 4096


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue of committed batches. Waiting costs one future (``asyncio.wait_for`` on a queue made a
    task per wait: a measurable share of relaying a delta at hundreds of streams); the timeout is one timer per
    subscription, moved on only when it fires early (a timer per wait was another)."""

    response_id: str
    lagged: bool = False
    _batches: deque = field(default_factory=deque)
    _waiter: asyncio.Future | None = None
    # A subscription is waited on from one stream, on one loop: looked up once (on Python 3.11 each
    # ``asyncio.get_running_loop()`` is a getpid() system call).
    _loop: asyncio.AbstractEventLoop | None = None
    _deadline: float = 0.0                          # loop time the current wait ends
    _timer: asyncio.TimerHandle | None = None

    def push(self, events: list[dict[str, Any]]) -> bool:
        """Queue a batch; False (nothing queued) when the subscriber is too far behind."""
        if len(self._batches) >= MAX_QUEUED_BATCHES:
            return False
        self._batches.append(events)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return True

    async def next_batch(self, timeout: float) -> list[dict[str, Any]] | None:
        """The next committed batch, or None after ``timeout`` seconds without one."""
        if not self._batches:
            loop = self._loop
            if loop is None:
                loop = self._loop = asyncio.get_running_loop()
            self._deadline = deadline = loop.time() + timeout
            if self._timer is None or self._timer.when() > deadline:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = loop.call_at(deadline, self._expire)
            self._waiter = loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
            if not self._batches:
                return None
        if len(self._batches) == 1:
            return self._batches.popleft()
        # Several commits arrived while the subscriber was busy: they go on together (one send for all).
        joined: list[dict[str, Any]] = []
        while self._batches:
            joined.extend(self._batches.popleft())
        return joined

    def _expire(self) -> None:
        self._timer = None
        if self._loop is not None and self._loop.time() < self._deadline:
            self._timer = self._loop.call_at(self._deadline, self._expire)  # a later wait moved the deadline on
        elif self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None




@dataclass
class EventBus:
    _subscribers: dict[str, set[Subscription]] = field(default_factory=lambda: defaultdict(set))
    # Called with every committed batch published here (metrics), before subscribers get it.
    observer: Callable[[list[dict[str, Any]]], None] | None = None
    _published: OrderedDict[str, int] = field(default_factory=OrderedDict)

    def subscribe(self, response_id: str) -> Subscription:
        sub = Subscription(response_id)
        self._subscribers[response_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.close()
        subs = self._subscribers.get(sub.response_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.response_id]

    def publish(self, response_id: str, events: list[dict[str, Any]]) -> None:
        if self.observer is not None:
            self.observer(events)
        if events:
            self._published[response_id] = events[-1]["sequence_number"]
            self._published.move_to_end(response_id)
            if len(self._published) > MAX_TRACKED_RESPONSES:
                self._published.popitem(last=False)
        for sub in self._subscribers.get(response_id, ()):
            if not sub.push(events):
                sub.lagged = True

    def wake(self, response_id: str) -> None:
        """Another replica committed events of this response (a PostgreSQL NOTIFY): its subscribers go back to
        the store. At most one wake-up is pending per subscriber, so a burst of commits costs one re-read."""
        for sub in self._subscribers.get(response_id, ()):
            _wake(sub)

    def wake_all(self) -> None:
        """Every subscriber re-reads the store (LISTEN came up or went down: notifications may have been missed,
        and the interval of the store poll changes)."""
        for subs in self._subscribers.values():
            for sub in subs:
                _wake(sub)

    def last_published(self, response_id: str) -> int:
        """The sequence number of the last event of ``response_id`` published here (-1: none remembered)."""
        return self._published.get(response_id, -1)

    def subscriber_count(self, response_id: str) -> int:
        return len(self._subscribers.get(response_id, ()))


def _wake(sub: Subscription) -> None:
    if sub.lagged:
        return  # already going back to the store
    sub.lagged = True
    sub.push([])
