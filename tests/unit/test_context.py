"""Keeping the model's context valid and inside its window: dangling tool calls patched, compaction."""

from __future__ import annotations

import copy

from agent.context import CONTEXT_CHAR_BUDGET, ELIDED, compact, patch_dangling_tool_calls

INTERRUPTED = "[interrupted: no result was recorded]"


def call(call_id: str, name: str = "hub_search", arguments: str = "{}") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant(*calls: dict, content: str | None = None) -> dict:
    message = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls)
    return message


def tool(call_id: str, content: str = "result") -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def test_complete_history_is_unchanged():
    history = [{"role": "user", "content": "q"}, assistant(call("a"), call("b")), tool("a"), tool("b"),
               assistant(content="answer")]
    assert patch_dangling_tool_calls(copy.deepcopy(history)) == history


def test_missing_results_are_filled_right_after_their_calls():
    history = [{"role": "user", "content": "q"}, assistant(call("a"), call("b")), tool("a"),
               {"role": "user", "content": "next turn"}]
    patched = patch_dangling_tool_calls(history)
    assert patched == [history[0], history[1], tool("a"), tool("b", INTERRUPTED), history[3]]


def test_dangling_calls_at_the_end_are_filled():
    history = [{"role": "user", "content": "q"}, assistant(call("a"), call("b"))]
    patched = patch_dangling_tool_calls(history)
    assert patched[2:] == [tool("a", INTERRUPTED), tool("b", INTERRUPTED)]
    # Every call now has exactly one result, and results follow their assistant message.
    ids = [m["tool_call_id"] for m in patched if m["role"] == "tool"]
    assert ids == ["a", "b"]


def test_several_interrupted_turns():
    history = [{"role": "user", "content": "1"}, assistant(call("a")),
               {"role": "user", "content": "2"}, assistant(call("b")), tool("b"),
               {"role": "user", "content": "3"}, assistant(call("c"))]
    patched = patch_dangling_tool_calls(history)
    assert [(m["role"], m.get("tool_call_id"), m.get("content")) for m in patched if m["role"] == "tool"] == [
        ("tool", "a", INTERRUPTED), ("tool", "b", "result"), ("tool", "c", INTERRUPTED)]
    assert patched.index(tool("a", INTERRUPTED)) == 2


def test_compact_leaves_small_conversations_alone():
    history = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]
    assert compact(history) is history


def test_compact_elides_oldest_tool_outputs_first():
    big = "x" * 100_000
    history = [{"role": "system", "content": "sys"}, {"role": "user", "content": "q"}]
    for i in range(5):
        history += [assistant(call(f"c{i}")), tool(f"c{i}", big)]
    history += [assistant(content="recent"), {"role": "user", "content": "latest"}]
    original = copy.deepcopy(history)
    compacted = compact(history, budget=260_000)
    assert history == original  # the stored transcript keeps everything
    tool_contents = [m["content"] for m in compacted if m["role"] == "tool"]
    assert tool_contents[:3] == [ELIDED] * 3 and tool_contents[3:] == [big] * 2
    assert sum(len(m.get("content") or "") for m in compacted) <= 260_000
    # Calls and results still pair up.
    assert [m["tool_call_id"] for m in compacted if m["role"] == "tool"] == [f"c{i}" for i in range(5)]
    assert compacted[0] == history[0] and compacted[-1] == history[-1]


def test_compact_drops_early_turns_when_eliding_is_not_enough():
    history = [{"role": "system", "content": "sys"}, {"role": "user", "content": "a" * 300_000},
               assistant(content="b" * 100_000), {"role": "user", "content": "latest question"},
               assistant(call("z")), tool("z", "small")]
    compacted = compact(history, budget=CONTEXT_CHAR_BUDGET)
    assert compacted[0] == history[0]
    assert compacted[-3:] == history[-3:]
    assert all("a" * 1000 not in (m.get("content") or "") for m in compacted)
    assert [m["role"] for m in compacted] == ["system", "user", "assistant", "user", "assistant", "tool"]
