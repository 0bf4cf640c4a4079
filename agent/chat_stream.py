"""Reading the router's streamed chat completion: the few fields the agent uses, straight from each ``data:`` line.

Building the SDK's models for every chunk cost ~45% of relay time (design §11); this keeps plain dicts. One
choice is requested (``n`` is never sent), so only choice 0 is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from agent.reasoning import REASONING_KEY

@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str

    def message(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass
class Completion:
    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0      # billed output tokens, reasoning included
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    finish_reason: str | None = None
    duration_ms: int = 0

    def assistant_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [call.message() for call in self.tool_calls]
        if self.reasoning:
            message[REASONING_KEY] = self.reasoning
        return message

    @property
    def thought_without_answer(self) -> bool:
        """The reasoning-budget trap: the output budget went on thinking, nothing was answered."""
        return self.finish_reason == "length" and not self.text.strip() and not self.tool_calls


class MalformedStream(Exception):
    """The reply is not the stream of chat-completion chunks it should be: a ``data:`` line that is not JSON, or a
    chunk of the wrong shape. Its content is lost, so the answer cannot be trusted."""


class StreamError(Exception):
    """An error object inside the stream (the provider failed after the headers were sent)."""

    def __init__(self, error: Any) -> None:
        detail = error if isinstance(error, dict) else {"message": str(error)}
        self.message = str(detail.get("message") or detail)[:300]
        status = detail.get("status") or detail.get("code")
        self.status = status if isinstance(status, int) else None
        super().__init__(self.message)


@dataclass
class Delta:
    text: str = ""
    reasoning: str = ""


@dataclass
class ChunkReader:
    """Accumulates one streamed completion from its decoded chunks."""

    result: Completion = field(default_factory=Completion)
    chunks: int = 0     # chunks decoded
    done: bool = False  # ``data: [DONE]`` was read
    _calls: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether the stream said it ended: a finish_reason, or ``[DONE]`` after at least one chunk. A stream cut
        short (a proxy's clean close, an empty or HTML body) has neither, and its answer is partial."""
        return self.result.finish_reason is not None or (self.done and self.chunks > 0)

    def feed_line(self, line: bytes) -> Delta | None:
        """One SSE line; returns the visible deltas it carried (None for anything else). ``[DONE]`` and comments
        carry nothing. Raises MalformedStream for a chunk that cannot be read (its text would be lost)."""
        if not line.startswith(b"data:"):
            return None
        data = line[5:].strip()
        if not data:
            return None
        if data == b"[DONE]":
            self.done = True
            return None
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise MalformedStream("a chunk of the stream is not valid JSON") from None
        if not isinstance(chunk, dict):
            raise MalformedStream("a chunk of the stream has an unexpected shape (not an object)")
        self.chunks += 1
        try:
            return self.feed(chunk)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # Fields of the wrong type (a number for the content, a string for the choices...).
            raise MalformedStream(f"a chunk of the stream has an unexpected shape ({type(exc).__name__})") from None

    def feed(self, chunk: dict[str, Any]) -> Delta | None:
        if chunk.get("error") is not None:
            raise StreamError(chunk["error"])
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self._usage(usage)
        choices = chunk.get("choices")
        if not choices:
            return None
        choice = choices[0]
        if choice.get("index", 0) != 0:
            return None
        if choice.get("finish_reason"):
            self.result.finish_reason = choice["finish_reason"]
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return None
        out = Delta(text=delta.get("content") or "", reasoning=self._reasoning(delta))
        self.result.text += out.text
        self.result.reasoning += out.reasoning
        for fragment in delta.get("tool_calls") or ():
            self._tool_fragment(fragment)
        return out if out.text or out.reasoning else None

    def _reasoning(self, delta: dict[str, Any]) -> str:
        # Providers name it differently; some send two forms of the same text (vLLM both fields, OpenRouter a
        # string and its details list), so the first present form wins.
        for name in ("reasoning_content", "reasoning"):
            value = delta.get(name)
            if isinstance(value, str) and value:
                return value
        details = delta.get("reasoning_details")
        if isinstance(details, list):
            parts = [d.get("text") or d.get("summary") or "" for d in details
                     if isinstance(d, dict) and d.get("type") in ("reasoning.text", "reasoning.summary")]
            return "".join(p for p in parts if isinstance(p, str))
        return ""

    def _tool_fragment(self, fragment: dict[str, Any]) -> None:
        # Fragments accumulate by index; the id and name come only with the first.
        slot = self._calls.setdefault(int(fragment.get("index", 0)), {"id": "", "name": "", "arguments": ""})
        if fragment.get("id"):
            slot["id"] = fragment["id"]
        function = fragment.get("function") or {}
        if function.get("name"):
            slot["name"] += function["name"]
        if function.get("arguments"):
            slot["arguments"] += function["arguments"]

    def _usage(self, usage: dict[str, Any]) -> None:
        completion = int(usage.get("completion_tokens") or 0)
        details = usage.get("completion_tokens_details") or {}
        reasoning = int((details.get("reasoning_tokens") if isinstance(details, dict) else 0) or 0)
        self.result.input_tokens = int(usage.get("prompt_tokens") or 0)
        # OpenAI's convention counts reasoning inside completion_tokens; a provider reporting more reasoning than
        # completion tokens counts them apart, and both are billed as output.
        self.result.output_tokens = completion + reasoning if reasoning > completion else completion
        self.result.reasoning_tokens = reasoning
        prompt_details = usage.get("prompt_tokens_details") or {}
        self.result.cached_tokens = int((prompt_details.get("cached_tokens") if isinstance(prompt_details, dict)
                                         else 0) or 0)

    def finish(self) -> Completion:
        self.result.tool_calls = [
            ToolCall(id=slot["id"] or f"call_{index}", name=slot["name"], arguments=slot["arguments"])
            for index, slot in sorted(self._calls.items())]
        return self.result
