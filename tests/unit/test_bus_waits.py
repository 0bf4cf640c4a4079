"""A subscriber's wait ends with the next batch or at its timeout, whatever the waits before it: the timeout is one
timer per subscription, moved on when a later wait ends later and brought forward when one ends sooner."""

from __future__ import annotations

import asyncio

from agent.bus import EventBus


async def test_a_wait_ends_at_its_own_timeout_after_longer_and_shorter_ones():
    bus = EventBus()
    sub = bus.subscribe("resp_1")
    loop = asyncio.get_running_loop()

    started = loop.time()
    assert await sub.next_batch(0.05) is None
    assert loop.time() - started >= 0.05 * 0.9

    # A long wait ended by a batch leaves its timer behind; a shorter wait after it still ends on time.
    loop.call_later(0.01, bus.publish, "resp_1", [{"sequence_number": 0, "type": "x"}])
    assert await sub.next_batch(10) == [{"sequence_number": 0, "type": "x"}]
    started = loop.time()
    assert await sub.next_batch(0.05) is None
    assert 0.05 * 0.9 <= loop.time() - started < 5

    # A short wait ended by a batch, then a longer one: the old timer must not end the new wait early.
    loop.call_later(0.005, bus.publish, "resp_1", [{"sequence_number": 1, "type": "x"}])
    assert await sub.next_batch(0.03) == [{"sequence_number": 1, "type": "x"}]
    started = loop.time()
    assert await sub.next_batch(0.2) is None
    assert loop.time() - started >= 0.2 * 0.9
    bus.unsubscribe(sub)


async def test_unsubscribing_cancels_the_pending_timeout():
    bus = EventBus()
    sub = bus.subscribe("resp_1")
    loop = asyncio.get_running_loop()
    loop.call_later(0.005, bus.publish, "resp_1", [{"sequence_number": 0, "type": "x"}])
    assert await sub.next_batch(30) is not None
    assert sub._timer is not None and not sub._timer.cancelled()
    timer = sub._timer
    bus.unsubscribe(sub)
    assert timer.cancelled()
