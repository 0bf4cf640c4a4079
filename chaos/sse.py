"""Reading the server's SSE frames into events, keeping the ``id:`` line to check it against the payload."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx


class FrameError(Exception):
    """A frame the contract does not allow (no data, bad JSON, an ``id:`` that differs from the sequence number)."""


async def events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Each event of an SSE response, in order. Comment lines (keep-alives) are skipped."""
    frame_id: str | None = None
    event_type: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield _event(frame_id, event_type, "\n".join(data))
            elif frame_id is not None or event_type is not None:
                raise FrameError(f"a frame without data (id {frame_id!r}, event {event_type!r})")
            frame_id, event_type, data = None, None, []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                frame_id = value
            elif field == "event":
                event_type = value
            elif field == "data":
                data.append(value)


def _event(frame_id: str | None, event_type: str | None, data: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FrameError(f"data is not JSON: {exc}") from None
    if not isinstance(event, dict) or "sequence_number" not in event or "type" not in event:
        raise FrameError(f"an event without type or sequence_number: {data[:200]}")
    if frame_id != str(event["sequence_number"]) or event_type != event["type"]:
        raise FrameError(f"frame id/event {frame_id!r}/{event_type!r} differ from the payload's "
                         f"{event['sequence_number']}/{event['type']}")
    return event
