"""Server-sent events read from an async byte stream: lines split on CR, LF and CRLF only (as SSE defines them —
answer text may hold U+2028 or NEL, which ``str.splitlines`` would also split on), frames ended by a blank line."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from ml_intern_cli.sse import FrameReader, LineSplitter


async def lines(chunks: AsyncIterable[str]) -> AsyncIterator[str]:
    splitter = LineSplitter()
    async for text in chunks:
        for line in splitter.feed(text):
            yield line
    for line in splitter.close():
        yield line


async def events(chunks: AsyncIterable[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON payload of each complete frame; comments (keep-alives) are skipped, and a frame cut off by the end
    of the stream is dropped (its data may be partial)."""
    frames = FrameReader()
    async for line in lines(chunks):
        payload = frames.feed(line)
        if payload is not None:
            yield payload
