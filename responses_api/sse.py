"""Server-sent-event framing the openai SDK's decoder accepts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

# A single comment line, never followed by a blank line: a blank line would dispatch an event with no data,
# which the SDK's decoder fails on.
KEEPALIVE = b": keep-alive\n"


def frame(event: dict[str, Any]) -> bytes:
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event['sequence_number']}\nevent: {event['type']}\ndata: {data}\n\n".encode()


async def _frames(events: AsyncIterator[dict[str, Any] | None]) -> AsyncIterator[bytes]:
    async for event in events:
        yield KEEPALIVE if event is None else frame(event)


def sse_response(events: AsyncIterator[dict[str, Any] | None]) -> StreamingResponse:
    return StreamingResponse(_frames(events), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
