"""Server-sent events: frames from a text stream's lines (comment lines, such as keep-alives, are skipped)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


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
