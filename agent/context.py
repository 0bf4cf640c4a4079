"""Keeping the model's context inside its window: history rebuild and compaction."""

from __future__ import annotations

from typing import Any

# Rough budget in characters (~4 chars per token): well inside a 128k-token window, leaving room for the answer.
CONTEXT_CHAR_BUDGET = 360_000
ELIDED = "[earlier tool output elided to keep the context small; call the tool again if you need it]"


def _size(message: dict[str, Any]) -> int:
    content = message.get("content") or ""
    size = len(content) if isinstance(content, str) else sum(len(str(p)) for p in content)
    size += len(message.get("reasoning_content") or "")  # sent back with the message when its policy keeps it
    for call in message.get("tool_calls") or []:
        size += len(call["function"]["arguments"]) + len(call["function"]["name"])
    return size


def compact(messages: list[dict[str, Any]], budget: int = CONTEXT_CHAR_BUDGET) -> list[dict[str, Any]]:
    """Elide the oldest tool outputs until the conversation fits ``budget``; the system prompt and the last
    exchange are never touched. Returns a new list (the stored transcript keeps everything)."""
    total = sum(_size(m) for m in messages)
    if total <= budget:
        return messages
    result = list(messages)
    last_user = max((i for i, m in enumerate(result) if m.get("role") == "user"), default=0)
    for i, message in enumerate(result):
        if total <= budget:
            break
        if message.get("role") == "tool" and i < len(result) - 4 and _size(message) > len(ELIDED):
            total -= _size(message) - len(ELIDED)
            result[i] = {**message, "content": ELIDED}
    if total > budget:
        # Still too big: drop whole early turns (keeping the system prompt and everything from the last user on).
        head = [m for m in result[:1] if m.get("role") == "system"]
        tail = result[last_user:]
        result = head + [{"role": "user", "content": "[earlier conversation omitted to fit the context window]"},
                         {"role": "assistant", "content": "Understood."}] + tail
    return result


def patch_dangling_tool_calls(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A turn interrupted mid-tool (restart, cancel) leaves tool calls without results; the model API rejects
    that, so each missing result is filled with a note saying it was interrupted."""
    result: list[dict[str, Any]] = []
    pending: list[str] = []
    for message in messages:
        if pending and message.get("role") != "tool":
            result.extend({"role": "tool", "tool_call_id": cid, "content": "[interrupted: no result was recorded]"}
                          for cid in pending)
            pending = []
        if message.get("role") == "tool" and message.get("tool_call_id") in pending:
            pending.remove(message["tool_call_id"])
        result.append(message)
        if message.get("role") == "assistant":
            pending = [call["id"] for call in message.get("tool_calls") or []]
    result.extend({"role": "tool", "tool_call_id": cid, "content": "[interrupted: no result was recorded]"}
                  for cid in pending)
    return result
