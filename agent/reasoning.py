"""Thinking models: which models reason, and how their reasoning goes back to them.

A reasoning model streams its chain of thought in a separate delta field before its text or tool calls. Some
model families refuse the next request of a tool chain when an earlier assistant tool-call message comes back
without it (Kimi K2.x: ``400 thinking is enabled but reasoning_content is missing in assistant tool call message
at index N``); others lose their line of thought between tool calls; a few reject it in the input. The stored
transcript always keeps the reasoning; ``render_history`` applies the model's policy each time a request is built,
so a history restored from the store, compacted or chained renders the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from agent.costs import base_model

# The key the transcript stores reasoning under (the field most providers read back).
REASONING_KEY = "reasoning_content"


class Replay(str, Enum):
    """Which assistant messages carry their reasoning when the history is sent back."""

    TOOL_CALLS = "tool_calls"        # every assistant tool-call message, in every turn; never final answers
    CURRENT_TURN = "current_turn"    # every assistant message since the last user message; earlier turns dropped
    ALL_TURNS = "all_turns"          # every assistant message
    NEVER = "never"                  # none (models that reject reasoning in their input)


@dataclass(frozen=True)
class ReasoningPolicy:
    replay: Replay
    # The request field reasoning is sent back in.
    field: str = REASONING_KEY
    # Whether the model takes ``reasoning_effort`` (low / medium / high).
    accepts_effort: bool = False
    # Whether a tool-call message with no reasoning recorded must still carry the field (as ""): a provider that
    # checks for the key refuses a history written before reasoning was kept.
    field_required: bool = False


NON_THINKING = ReasoningPolicy(replay=Replay.NEVER)

# By base model id prefix (longest match wins). Facts of each family's API, not guesses: Kimi's thinking mode
# requires reasoning_content on every tool-call message; DeepSeek V3.x thinking and Qwen3 thinking want the
# current turn's reasoning back and drop it once a final answer closes the turn; gpt-oss (harmony) likewise, and
# takes reasoning_effort; DeepSeek-R1 answers 400 when reasoning_content appears in its input.
MODEL_POLICIES: dict[str, ReasoningPolicy] = {
    "moonshotai/Kimi-K2": ReasoningPolicy(replay=Replay.TOOL_CALLS, field_required=True),
    "deepseek-ai/DeepSeek-R1": ReasoningPolicy(replay=Replay.NEVER),
    "deepseek-ai/DeepSeek-V3": ReasoningPolicy(replay=Replay.CURRENT_TURN),
    "openai/gpt-oss": ReasoningPolicy(replay=Replay.CURRENT_TURN, field="reasoning", accepts_effort=True),
    "Qwen/Qwen3-": ReasoningPolicy(replay=Replay.CURRENT_TURN),
    "zai-org/GLM-4": ReasoningPolicy(replay=Replay.CURRENT_TURN),
}


def policy_for(model: str, overrides: dict[str, str] | None = None) -> ReasoningPolicy:
    """The policy of ``model`` (``org/name[:provider]``); ``overrides`` maps a base-id prefix to a replay mode
    (settings: for a model family this table does not know yet)."""
    base = base_model(model)
    for prefix, replay in sorted((overrides or {}).items(), key=lambda kv: -len(kv[0])):
        if base.startswith(prefix):
            known = _lookup(base)
            return ReasoningPolicy(replay=Replay(replay), field=known.field, accepts_effort=known.accepts_effort,
                                   field_required=known.field_required and replay == Replay.TOOL_CALLS)
    return _lookup(base)


def _lookup(base: str) -> ReasoningPolicy:
    matches = [prefix for prefix in MODEL_POLICIES if base.startswith(prefix)]
    return MODEL_POLICIES[max(matches, key=len)] if matches else NON_THINKING


def render_history(messages: list[dict[str, Any]], policy: ReasoningPolicy) -> list[dict[str, Any]]:
    """The messages as the model must receive them: reasoning kept where its policy wants it (under the field it
    reads), removed everywhere else. Returns new dicts where anything changes; the input is not modified."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    rendered = []
    for index, message in enumerate(messages):
        if message.get("role") != "assistant":
            rendered.append(message)
            continue
        reasoning = message.get(REASONING_KEY)
        keep = _keeps(policy.replay, bool(message.get("tool_calls")), index > last_user)
        out = {k: v for k, v in message.items() if k != REASONING_KEY}
        if keep and (reasoning or (policy.field_required and message.get("tool_calls"))):
            out[policy.field] = reasoning or ""
        rendered.append(out)
    return rendered


def _keeps(replay: Replay, has_tool_calls: bool, in_current_turn: bool) -> bool:
    if replay is Replay.TOOL_CALLS:
        return has_tool_calls
    if replay is Replay.CURRENT_TURN:
        return in_current_turn
    return replay is Replay.ALL_TURNS


def reasoning_chars(message: dict[str, Any]) -> int:
    return len(message.get(REASONING_KEY) or "")
