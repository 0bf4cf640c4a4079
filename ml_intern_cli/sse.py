"""Server-sent events: frames from a text stream's lines (comment lines, such as keep-alives, are skipped)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

_LINE_END = re.compile(r"\r\n|\r|\n")


def lines(texts: Iterable[str]) -> Iterator[str]:
    """A text stream's lines, split on CR, LF and CRLF only, as SSE defines them: a JSON payload may hold U+2028 or
    NEL (the server does not escape them), which ``str.splitlines`` and httpx's ``iter_lines`` also split on."""
    rest = ""
    for text in texts:
        buffer = rest + text
        held = buffer.endswith("\r")  # maybe the first half of a CRLF: decided by the next read
        parts = _LINE_END.split(buffer[:-1] if held else buffer)
        rest = parts.pop() + ("\r" if held else "")
        yield from parts
    if rest:
        yield rest.removesuffix("\r")


def events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON payload of each frame, in order. A frame ends at a blank line; one cut off by the end of the
    stream (a dropped connection) is not yielded: its data may be partial."""
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line == "":
            if data:
                yield json.loads("\n".join(data))
            data = []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value.removeprefix(" "))
