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


async def _frames(events: AsyncIterator[dict[str, Any] | None]) -> AsyncIterator[bytes]:
    async for event in events:
        yield KEEPALIVE if event is None else frame(event)


def sse_response(events: AsyncIterator[dict[str, Any] | None]) -> StreamingResponse:
    return StreamingResponse(_frames(events), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
