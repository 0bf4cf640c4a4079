"""Request JSON is bounded before parsing: nesting depth, and number literals too long to convert."""

from __future__ import annotations

import json
import random

import pytest

from agent.json_limits import MAX_JSON_DEPTH, JsonRefused, loads_bounded, nesting_depth_exceeds


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_depth_bound_is_exact():
    assert loads_bounded(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(JsonRefused, match="nested more than 64"):
        loads_bounded(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(JsonRefused):
        loads_bounded(b"[" * 1_000_000)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[" * 500 + '\\"{' * 100, "b": ["]]]"], "c": {"d": "{{{"}}).encode()
    assert not nesting_depth_exceeds(text, 3)
    assert loads_bounded(text)["a"].startswith("[[[")
    assert nesting_depth_exceeds(json.dumps({"a": [[["x"]]]}).encode(), 3)


def test_depth_matches_the_parsed_structure():
    rng = random.Random(7)

    def build(depth: int):
        if depth == 0:
            return rng.choice(["s[{", 1, None, "\\\"]"])
        return [build(depth - 1)] if rng.random() < 0.5 else {"k[": build(depth - 1), "z": "}"}

    for depth in range(0, 12):
        text = json.dumps(build(depth)).encode()
        assert not nesting_depth_exceeds(text, depth)
        assert nesting_depth_exceeds(text, depth - 1) == (depth > 0)


@pytest.mark.parametrize("raw", [b"1" * 5000, b'{"n": ' + b"9" * 4301 + b"}", b'{"a": 1', b"\xff", b"NaN-ish"])
def test_everything_unparseable_is_json_refused(raw):
    with pytest.raises(JsonRefused) as raised:
        loads_bounded(raw)
    assert "set_int_max_str_digits" not in str(raised.value)


@pytest.mark.parametrize("raw", ["[" * 5000, '{"search": ' + "1" * 5000 + "}",
                                 '{"search": ' + "[" * 70 + "]" * 70 + "}"])
def test_tool_arguments_are_bounded_the_same_way(raw):
    # The model's arguments are untrusted input too: a clear error it can fix, not "failed unexpectedly".
    from agent.tools.base import ToolFailure
    from agent.tools.research.hub import HubSearch

    with pytest.raises(ToolFailure, match="not valid JSON"):
        HubSearch().parse(raw)
