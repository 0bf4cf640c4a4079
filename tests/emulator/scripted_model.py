"""The scripted model: turns an ```emulator-script``` block in the last user message into replies.

Pure planning logic (no HTTP): `plan_reply()` returns either a `Failure` (answer with an error
status this time) or an `Answer` (text and/or tool calls, plus timing) for the current turn.

Stateless with respect to the conversation: the turn to play is the number of assistant messages
after the last user message. Only injected failures (which leave no trace in the conversation) are
counted, in `EmulatorState`, keyed by (hash of the script text, turn index).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .thinking import REASONING_FIELDS, sent_reasoning

SCRIPT_RE = re.compile(r"```emulator-script[^\n]*\n(.*?)```", re.DOTALL)
BAD_ARGUMENTS = '{"query": "unterminated'
DEFAULT_CHUNK_CHARS = 20
ERROR_STATUSES = (429, 500, 503)
# Faults of a 200 reply (what a flaky network or a broken proxy does to the router's answer); see README.md.
FAULT_KINDS = ("drop", "drop_in_arguments", "unfinished", "malformed_chunk", "bad_shape_chunk", "html", "empty",
               "trickle")
# A stamped chunk's content: the router's clock when it sends the chunk, so a client downstream of the product
# server measures lag = its receive time - the stamp (both clocks are the same machine's in a load test).
STAMP_FORMAT = "[t=%.6f] "


def stamp() -> str:
    return STAMP_FORMAT % time.time()


class ScriptError(ValueError):
    """The script block is not valid; reported to the caller as a 400."""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text (possibly malformed on purpose)


@dataclass
class Answer:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    chunks: int | None = None  # number of text chunks when streaming
    delay_ms: int = 0  # between text chunks
    hang_ms: int = 0  # before answering / before the first chunk
    reasoning: str = ""  # streamed before the text and calls
    reasoning_tokens: int | None = None  # None: counted from the reasoning text
    reasoning_field: str | None = None  # None: the model's own field
    stream_error: int | None = None  # fail mid-stream with this status (an error chunk after half the text)
    fault: Fault | None = None  # a transport or format fault in this 200 reply
    truncated: bool = False  # the output budget ran out (finish_reason "length")
    stamped: bool = False  # each text chunk is replaced by a fresh `stamp()` when it is sent

    @property
    def finish_reason(self) -> str:
        if self.truncated:
            return "length"
        return "tool_calls" if self.tool_calls else "stop"

    def text_chunks(self) -> list[str]:
        return _chunks(self.text, self.chunks)

    def reasoning_chunks(self) -> list[str]:
        return _chunks(self.reasoning, None)

    def counted_reasoning_tokens(self) -> int:
        if not self.reasoning:
            return 0
        return self.reasoning_tokens if self.reasoning_tokens is not None else estimate_tokens(self.reasoning)


def _chunks(text: str, count: int | None) -> list[str]:
    if not text:
        return []
    n = count or math.ceil(len(text) / DEFAULT_CHUNK_CHARS)
    n = max(1, min(n, len(text)))
    size = math.ceil(len(text) / n)
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class Failure:
    status: int


@dataclass
class Fault:
    """A fault injected into a 200 reply. ``after_chunks``: text chunks sent before it strikes (None = half of
    them); ``delay_ms`` and ``piece_bytes`` shape a trickle."""

    kind: str
    after_chunks: int | None = None
    delay_ms: int = 5
    piece_bytes: int = 7

    def position(self, text_chunks: int) -> int:
        at = text_chunks // 2 if self.after_chunks is None else self.after_chunks
        return min(at, text_chunks)


@dataclass
class _Turn:
    step: dict[str, Any] | list[Any] | None  # None = default answer (script exhausted)
    errors: list[int] = field(default_factory=list)  # statuses to fail with, in order
    stream_errors: list[int] = field(default_factory=list)  # statuses to fail with mid-stream, in order
    faults: list[Fault] = field(default_factory=list)  # faults of the 200 reply, one per attempt, in order
    hang_ms: int = 0
    hang_times: int | None = None  # None = every attempt


# ----------------------------------------------------------------------------- message helpers

def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def prompt_text(messages: list[dict[str, Any]]) -> str:
    parts = []
    for m in messages:
        parts.append(message_text(m))
        parts.append(sent_reasoning(m))
        for call in m.get("tool_calls") or []:
            fn = call.get("function") or {}
            parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    return "".join(parts)


def split_arguments(arguments: str) -> list[str]:
    """Split a tool-call arguments string into 2-3 fragments (to exercise client accumulation)."""
    if len(arguments) < 2:
        return [arguments]
    n = 3 if len(arguments) >= 6 else 2
    size = math.ceil(len(arguments) / n)
    return [arguments[i : i + size] for i in range(0, len(arguments), size)]


# ----------------------------------------------------------------------------- script parsing

def find_script(messages: list[dict[str, Any]]) -> tuple[str | None, int, str]:
    """Return (script text or None, index of its user message, that message's text): the last user message's
    script; or, when the last user message has none, the script of the latest earlier user message that has one if
    it carries the ``span_user_messages`` modifier (then it also covers the user messages after it)."""
    last: tuple[int, str] | None = None
    for idx in range(len(messages) - 1, -1, -1):
        if messages[idx].get("role") != "user":
            continue
        text = message_text(messages[idx])
        match = SCRIPT_RE.search(text)
        if last is None:
            if match:
                return match.group(1), idx, text
            last = (idx, text)
        elif match:
            if _spans_user_messages(match.group(1)):
                return match.group(1), idx, text
            break
    return (None, *last) if last is not None else (None, -1, "")


def _spans_user_messages(script: str) -> bool:
    try:
        steps = json.loads(script)
    except json.JSONDecodeError:
        return False
    return isinstance(steps, list) and any(isinstance(step, dict) and step.get("span_user_messages") is True
                                           for step in steps)


def _is_modifier(step: Any) -> bool:
    return isinstance(step, dict) and ({"error", "hang_ms", "stream_error", "fault", "span_user_messages"}
                                       & step.keys()) and not (
        {"say", "stamped", "call", "calls", "bad_arguments"} & step.keys()
    )


def parse_turns(script: str) -> list[_Turn]:
    try:
        steps = json.loads(script)
    except json.JSONDecodeError as exc:
        raise ScriptError(f"emulator-script is not valid JSON: {exc}") from exc
    if not isinstance(steps, list):
        raise ScriptError("emulator-script must be a JSON list of steps")
    turns: list[_Turn] = []
    pending = _Turn(step=None)
    for step in steps:
        if _is_modifier(step):
            if "error" in step:
                status = step["error"]
                if status not in ERROR_STATUSES:
                    raise ScriptError(f"error status must be one of {ERROR_STATUSES}, got {status!r}")
                pending.errors += [int(status)] * int(step.get("times", 1))
            if "stream_error" in step:
                status = step["stream_error"]
                if status not in ERROR_STATUSES:
                    raise ScriptError(f"stream_error status must be one of {ERROR_STATUSES}, got {status!r}")
                pending.stream_errors += [int(status)] * int(step.get("times", 1))
            if "fault" in step:
                pending.faults += [_fault(step)] * int(step.get("times", 1))
            if "hang_ms" in step:
                pending.hang_ms += int(step["hang_ms"])
                if "times" in step and "error" not in step:
                    pending.hang_times = int(step["times"])
            continue
        _validate_answer_step(step)
        pending.step = step
        turns.append(pending)
        pending = _Turn(step=None)
    if pending.errors or pending.hang_ms or pending.stream_errors or pending.faults:
        turns.append(pending)  # trailing modifiers attach to the default answer
    return turns


def _fault(step: dict[str, Any]) -> Fault:
    unknown = step.keys() - {"fault", "times", "after_chunks", "delay_ms", "piece_bytes"}
    if unknown:
        raise ScriptError(f"unknown fault keys: {sorted(unknown)}")
    kind = step["fault"]
    if kind not in FAULT_KINDS:
        raise ScriptError(f"fault must be one of {FAULT_KINDS}, got {kind!r}")
    numbers = {key: step[key] for key in ("after_chunks", "delay_ms", "piece_bytes") if key in step}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if key == "piece_bytes" else 0):
            raise ScriptError(f"{key} must be a {'positive' if key == 'piece_bytes' else 'non-negative'} "
                              f"integer, got {value!r}")
    return Fault(kind=kind, **numbers)


def _validate_answer_step(step: Any) -> None:
    calls = step if isinstance(step, list) else None
    if isinstance(step, dict):
        unknown = step.keys() - {"say", "stamped", "chunks", "delay_ms", "call", "arguments", "calls",
                                 "bad_arguments", "think", "think_tokens", "think_field"}
        if unknown:
            raise ScriptError(f"unknown step keys: {sorted(unknown)}")
        if "stamped" in step:
            _validate_stamped(step)
        if step.get("think_field", REASONING_FIELDS[0]) not in REASONING_FIELDS:
            raise ScriptError(f"think_field must be one of {REASONING_FIELDS}, got {step['think_field']!r}")
        calls = step.get("calls") or []
    elif not isinstance(step, list):
        raise ScriptError(f"a step must be an object or a list of calls, got {step!r}")
    for call in calls:
        if not isinstance(call, dict) or not ({"call", "bad_arguments"} & call.keys()):
            raise ScriptError(f"a call must be {{'call': name, 'arguments': {{...}}}} or {{'bad_arguments': name}}, got {call!r}")


def _validate_stamped(step: dict[str, Any]) -> None:
    count = step["stamped"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ScriptError(f"stamped must be a positive number of chunks, got {count!r}")
    if {"say", "chunks"} & step.keys():
        raise ScriptError("a stamped step makes its own text: it takes no 'say' or 'chunks'")


def _resolve(value: Any, tool_texts: list[str]) -> Any:
    """``{"$from_tool": regex}`` → the first capture group of the newest tool result that matches (values a real
    model would copy from a tool result, like a job id the server generated)."""
    if isinstance(value, dict) and set(value) == {"$from_tool"}:
        pattern = re.compile(str(value["$from_tool"]))
        for text in reversed(tool_texts):
            found = pattern.search(text)
            if found:
                return found.group(1) if found.groups() else found.group(0)
        raise ScriptError(f"no tool result matches {value['$from_tool']!r}")
    if isinstance(value, dict):
        return {k: _resolve(v, tool_texts) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, tool_texts) for v in value]
    return value


def _tool_call(turn_index: int, i: int, spec: dict[str, Any], tool_texts: list[str]) -> ToolCall:
    call_id = f"call_{turn_index}_{i}"
    if "bad_arguments" in spec:
        return ToolCall(call_id, str(spec["bad_arguments"]), BAD_ARGUMENTS)
    return ToolCall(call_id, str(spec["call"]), json.dumps(_resolve(spec.get("arguments", {}), tool_texts)))


def _answer_from_step(step: dict[str, Any] | list[Any], turn_index: int, tool_texts: list[str]) -> Answer:
    if isinstance(step, list):
        specs, text, chunks, delay = step, "", None, 0
    else:
        specs = list(step.get("calls") or [])
        if "call" in step or "bad_arguments" in step:
            specs.insert(0, {k: step[k] for k in ("call", "arguments", "bad_arguments") if k in step})
        text, chunks, delay = str(step.get("say", "")), step.get("chunks"), int(step.get("delay_ms", 0))
    calls = [_tool_call(turn_index, i, spec, tool_texts) for i, spec in enumerate(specs)]
    answer = Answer(text=text, tool_calls=calls, chunks=chunks, delay_ms=delay)
    if isinstance(step, dict) and "stamped" in step:
        # Planned now with stamps of the right length (usage and a non-streamed answer use this text);
        # a streamed answer re-stamps every chunk as it sends it.
        answer.chunks = int(step["stamped"])
        answer.text = "".join(stamp() for _ in range(answer.chunks))
        answer.stamped = True
    if isinstance(step, dict):
        answer.reasoning = str(step.get("think", ""))
        answer.reasoning_tokens = int(step["think_tokens"]) if "think_tokens" in step else None
        answer.reasoning_field = step.get("think_field")
    return answer


# ----------------------------------------------------------------------------- planning

def default_text(model_id: str, user_text: str | None) -> str:
    text = f"Emulated answer from {model_id}."
    if user_text is not None:
        snippet = user_text.strip()[:60]
        text += f' You said: "{snippet}"'
    return text


def plan_reply(state: Any, model_id: str, messages: list[dict[str, Any]]) -> Answer | Failure:
    script, user_idx, user_text = find_script(messages)
    if script is None:
        return Answer(text=default_text(model_id, user_text))
    turns = parse_turns(script)
    turn_index = sum(1 for m in messages[user_idx + 1 :] if m.get("role") == "assistant")
    if turn_index >= len(turns):
        return Answer(text=default_text(model_id, None))
    turn = turns[turn_index]
    digest = hashlib.sha256(script.encode()).hexdigest()[:16]

    if turn.errors:
        attempt = state.consume_attempt(("error", digest, turn_index))
        if attempt < len(turn.errors):
            return Failure(status=turn.errors[attempt])
    hang = 0
    if turn.hang_ms:
        if turn.hang_times is None or state.consume_attempt(("hang", digest, turn_index)) < turn.hang_times:
            hang = turn.hang_ms

    if turn.step is None:
        answer = Answer(text=default_text(model_id, None))
    else:
        tool_texts = [message_text(m) for m in messages[user_idx + 1:] if m.get("role") == "tool"]
        answer = _answer_from_step(turn.step, turn_index, tool_texts)
    answer.hang_ms = hang
    if turn.stream_errors:
        attempt = state.consume_attempt(("stream_error", digest, turn_index))
        if attempt < len(turn.stream_errors):
            answer.stream_error = turn.stream_errors[attempt]
    if turn.faults:
        attempt = state.consume_attempt(("fault", digest, turn_index))
        if attempt < len(turn.faults):
            answer.fault = turn.faults[attempt]
    return answer
