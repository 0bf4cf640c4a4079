"""Bounds on JSON a caller (or the model, in tool arguments) sends, checked before parsing: Python's parser
recurses once per nesting level, so 5,000 ``[`` raise ``RecursionError`` (a 500) instead of a clear 400; and it
refuses integers over 4,300 digits with a bare ``ValueError``."""

from __future__ import annotations

import json
import re
from typing import Any

# No request of this API nests deeper than ~6 levels; 64 leaves room and stays far below the recursion limit.
MAX_JSON_DEPTH = 64
# A string literal (skipped whole, so brackets inside it do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENERS = frozenset(b"[{")


class JsonRefused(ValueError):
    """The text is not JSON this server accepts; the message says why."""


def nesting_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects more than ``limit`` levels deep."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to nest that deep, no scan needed
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if len(token) != 1:
            continue  # a string literal
        if token[0] in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads_bounded(raw: bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses, with ``JsonRefused``, whatever it cannot parse or should not: invalid JSON,
    nesting deeper than ``limit``, integers too long to convert."""
    if nesting_depth_exceeds(raw, limit):
        raise JsonRefused(f"JSON nested more than {limit} levels deep")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonRefused(str(exc)) from None
    except ValueError:  # int() refuses number literals over sys.get_int_max_str_digits() digits
        raise JsonRefused("a number has too many digits") from None
    except RecursionError:  # unreachable below the depth bound; kept so no input can make it a 500
        raise JsonRefused(f"JSON nested more than {limit} levels deep") from None
