"""Server-sent-event framing the openai SDK's decoder accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from agent.events import event_json

# A single comment line, never followed by a blank line: a blank line would dispatch an event with no data,
# which the SDK's decoder fails on.
KEEPALIVE = b": keep-alive\n"


def frame(event: dict[str, Any]) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event["sequence_number"], event["type"].encode(), event_json(event))


async def _frames(batches: AsyncIterator[list[dict[str, Any]] | None]) -> AsyncIterator[bytes]:
    # A committed batch goes out in one send: one write per group commit, not one per event.
    async for batch in batches:
        yield KEEPALIVE if batch is None else b"".join(frame(event) for event in batch)


def sse_response(batches: AsyncIterator[list[dict[str, Any]] | None]) -> StreamingResponse:
    return StreamingResponse(_frames(batches), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
