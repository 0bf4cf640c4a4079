"""Server-sent-event framing the openai SDK's decoder accepts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from agent import events as ev
from agent.events import event_json
from agent.metrics import Metrics
from agent.models import StreamEvents

LAG_EVENTS = frozenset({ev.TEXT_DELTA, ev.REASONING_DELTA})

# A single comment line, never followed by a blank line: a blank line would dispatch an event with no data,
# which the SDK's decoder fails on.
KEEPALIVE = b": keep-alive\n"


def frame(event: dict[str, Any]) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event["sequence_number"], event["type"].encode(), event_json(event))


def _standard_only(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [shown for shown in map(ev.standard_view, batch) if shown is not None]


async def _frames(batches: AsyncIterator[list[dict[str, Any]] | None],
                  metrics: Metrics | None, standard_only: bool) -> AsyncIterator[bytes]:
    if metrics is not None:
        metrics.open_streams.inc()
    try:
        # A committed batch goes out in one send: one write per group commit, not one per event.
        async for batch in batches:
            if batch is None:
                yield KEEPALIVE
                continue
            if standard_only:
                batch = _standard_only(batch)
                if not batch:
                    continue
            yield b"".join(frame(event) for event in batch)
            if metrics is not None:
                _observe_lag(batch, metrics)
    finally:
        if metrics is not None:
            metrics.open_streams.dec()


def _observe_lag(batch: list[dict[str, Any]], metrics: Metrics) -> None:
    """Live deltas carry their arrival time (replayed ones from the store do not): arrival → sent."""
    now = time.perf_counter()
    for event in batch:
        emitted_at = getattr(event, "emitted_at", None)
        if emitted_at is not None and event["type"] in LAG_EVENTS:
            metrics.stream_lag.observe(now - emitted_at)


def sse_response(batches: AsyncIterator[list[dict[str, Any]] | None], metrics: Metrics | None = None, *,
                 stream_events: StreamEvents = "all") -> StreamingResponse:
    """The events as SSE; ``stream_events="standard"`` frames only the spec's (``events.standard_view``)."""
    return StreamingResponse(_frames(batches, metrics, stream_events == "standard"), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
