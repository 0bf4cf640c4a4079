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
# How long an auto-reconnecting client (a browser's EventSource) should wait before it reconnects to a stream that
# ended because the response settled or paused: nothing comes sooner than a human's approval. Sent in the frame of
# the end event (clients that apply ``retry`` on dispatch see it) and, when a stream ends with no event at all (a
# paused or finished response resumed after its last event), as a lone line with no blank line after it: the
# EventSource spec applies it as the line is read, and the SDKs' decoders drop a trailing frame without data.
SETTLED_RETRY_MS = 15_000
_RETRY_LINE = b"retry: %d\n" % SETTLED_RETRY_MS


def frame(event: dict[str, Any], *, retry: bool = False) -> bytes:
    return b"id: %d\nevent: %s\n%sdata: %s\n\n" % (event["sequence_number"], event["type"].encode(),
                                                  _RETRY_LINE if retry else b"", event_json(event))


def _frames_of(batch: list[dict[str, Any]], ends: bool) -> bytes:
    """A batch's frames; when it ends with an end event (``ends``), that frame carries the reconnection hint."""
    if not ends:
        return b"".join(frame(event) for event in batch)
    return b"".join(frame(event) for event in batch[:-1]) + frame(batch[-1], retry=True)


def _standard_only(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [shown for shown in map(ev.standard_view, batch) if shown is not None]


async def _frames(batches: AsyncIterator[list[dict[str, Any]] | None],
                  metrics: Metrics | None, standard_only: bool) -> AsyncIterator[bytes]:
    if metrics is not None:
        metrics.open_streams.inc()
    try:
        # A committed batch goes out in one send: one write per group commit, not one per event.
        hinted = False
        async for batch in batches:
            if batch is None:
                yield KEEPALIVE
                continue
            if standard_only:
                batch = _standard_only(batch)
                if not batch:
                    continue
            hinted = batch[-1]["type"] in ev.STREAM_END_EVENTS  # one type check per batch
            yield _frames_of(batch, hinted)
            if metrics is not None:
                _observe_lag(batch, metrics)
        if not hinted:
            yield _RETRY_LINE
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
