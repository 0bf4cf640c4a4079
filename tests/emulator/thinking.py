"""Thinking models in the emulated router: which models reason, in which delta field, and what they refuse.

Wire facts copied from the real providers:
- Kimi K2.x (thinking on) streams ``reasoning_content`` before the text or tool calls, and answers
  ``400 thinking is enabled but reasoning_content is missing in assistant tool call message at index N`` when an
  assistant message with ``tool_calls`` in the request has no ``reasoning_content`` key (``strict`` replay mode).
- gpt-oss streams ``reasoning``; DeepSeek-R1 ``reasoning_content``; OpenRouter-style providers a
  ``reasoning_details`` list (``{"type": "reasoning.text", "text": ...}``).
- Reasoning tokens count inside ``completion_tokens`` and are reported in
  ``completion_tokens_details.reasoning_tokens``; without ``max_tokens`` the provider's default output budget
  applies, and a model that spends it thinking ends with ``finish_reason: "length"`` and no content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The output budget a provider applies when the request sets no max_tokens.
DEFAULT_MAX_TOKENS = 4096
REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")
# Replay modes of EmulatorState.reasoning_replay.
STRICT, LENIENT = "strict", "lenient"


@dataclass(frozen=True)
class Thinking:
    field: str                   # the delta field its reasoning streams in
    requires_replay: bool        # strict mode refuses tool-call history without reasoning_content


# Base model id -> how it thinks. Models absent here do not reason.
THINKING_MODELS: dict[str, Thinking] = {
    "moonshotai/Kimi-K2.6": Thinking(field="reasoning_content", requires_replay=True),
    "openai/gpt-oss-120b": Thinking(field="reasoning", requires_replay=False),
    "openai/gpt-oss-20b": Thinking(field="reasoning", requires_replay=False),
    "deepseek-ai/DeepSeek-R1": Thinking(field="reasoning_content", requires_replay=False),
}


def default_thought(user_text: str | None, tool_names: list[str]) -> str:
    """What a thinking model says to itself when a script gives it no ``think`` of its own."""
    if tool_names:
        return f"I need more information before answering, so I will call {', '.join(tool_names)}."
    topic = (user_text or "").strip()[:40]
    return f"The user asked about \"{topic}\". I have what I need to answer." if topic else "I can answer now."


def missing_replay(messages: list[dict[str, Any]]) -> int | None:
    """The index of the first assistant tool-call message without ``reasoning_content``, if any."""
    for index, message in enumerate(messages):
        if (isinstance(message, dict) and message.get("role") == "assistant" and message.get("tool_calls")
                and "reasoning_content" not in message):
            return index
    return None


def missing_replay_message(index: int) -> str:
    return f"thinking is enabled but reasoning_content is missing in assistant tool call message at index {index}"


def reasoning_delta(field: str, piece: str) -> dict[str, Any]:
    """A delta carrying ``piece`` of reasoning the way ``field``'s providers send it (content present as null)."""
    if field == "reasoning_details":
        return {"content": None, "reasoning_details": [{"type": "reasoning.text", "text": piece, "index": 0,
                                                        "format": "unknown"}]}
    return {"content": None, field: piece}


def sent_reasoning(message: dict[str, Any]) -> str:
    """Reasoning a client sent back on a message, in any of the fields (it counts as prompt tokens)."""
    parts = [message.get("reasoning_content"), message.get("reasoning")]
    return "".join(p for p in parts if isinstance(p, str))
