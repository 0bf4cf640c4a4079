"""Server-sent events: lines split as SSE defines them, and the JSON payload of each frame (comment lines, such as
keep-alives, are skipped). Pure and incremental, so the CLI (sync) and the evaluation harness (async) read alike."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

_LINE_END = re.compile(r"\r\n|\r|\n")


class LineSplitter:
    """A text stream's lines, split on CR, LF and CRLF only: a JSON payload may hold U+2028 or NEL (the server does
    not escape them), which ``str.splitlines`` and httpx's ``iter_lines`` also split on."""

    def __init__(self) -> None:
        self._rest = ""

    def feed(self, text: str) -> list[str]:
        buffer = self._rest + text
        held = buffer.endswith("\r")  # maybe the first half of a CRLF: decided by the next read
        parts = _LINE_END.split(buffer[:-1] if held else buffer)
        self._rest = parts.pop() + ("\r" if held else "")
        return parts

    def close(self) -> list[str]:
        rest, self._rest = self._rest.removesuffix("\r"), ""
        return [rest] if rest else []


class FrameReader:
    """Lines in, the JSON payload of each frame out. A frame ends at a blank line; one cut off by the end of the
    stream (a dropped connection) is never completed: its data may be partial."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> dict[str, Any] | None:
        line = line.rstrip("\r\n")
        if line == "":
            data, self._data = self._data, []
            return json.loads("\n".join(data)) if data else None
        if not line.startswith(":"):
            field, _, value = line.partition(":")
            if field == "data":
                self._data.append(value.removeprefix(" "))
        return None


def lines(texts: Iterable[str]) -> Iterator[str]:
    splitter = LineSplitter()
    for text in texts:
        yield from splitter.feed(text)
    yield from splitter.close()


def events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON payload of each complete frame, in order."""
    frames = FrameReader()
    for line in lines:
        payload = frames.feed(line)
        if payload is not None:
            yield payload
