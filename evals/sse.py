"""Server-sent events read from an async byte stream: lines split on CR, LF and CRLF only (as SSE defines them —
answer text may hold U+2028 or NEL, which ``str.splitlines`` would also split on), frames ended by a blank line."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

_LINE_END = re.compile(r"\r\n|\r|\n")


async def lines(chunks: AsyncIterable[str]) -> AsyncIterator[str]:
    rest = ""
    async for text in chunks:
        buffer = rest + text
        held = buffer.endswith("\r")  # maybe the first half of a CRLF: the next read decides
        parts = _LINE_END.split(buffer[:-1] if held else buffer)
        rest = parts.pop() + ("\r" if held else "")
        for line in parts:
            yield line
    if rest:
        yield rest.removesuffix("\r")


async def events(chunks: AsyncIterable[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON payload of each complete frame; comments (keep-alives) are skipped, and a frame cut off by the end
    of the stream is dropped (its data may be partial)."""
    data: list[str] = []
    async for line in lines(chunks):
        if line == "":
            if data:
                yield json.loads("\n".join(data))
            data = []
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value.removeprefix(" "))
