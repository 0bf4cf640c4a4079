"""Streamed OpenAI-compatible chat completions against the Inference Providers router, as the caller."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI


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
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    finish_reason: str | None = None
    duration_ms: int = 0

    def assistant_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [call.message() for call in self.tool_calls]
        return message


class LlmError(Exception):
    """A model call failed. ``transient`` errors are worth retrying."""

    def __init__(self, message: str, *, code: str, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.retry_after = retry_after


def classify(exc: Exception) -> LlmError:
    if isinstance(exc, openai.APITimeoutError):
        return LlmError("The model call timed out.", code="model_timeout", transient=True)
    if isinstance(exc, openai.APIConnectionError):
        return LlmError("Could not reach the inference router.", code="model_unreachable", transient=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _detail(exc)
        if status == 429:
            retry_after = exc.response.headers.get("retry-after")
            return LlmError(f"The inference router is rate-limiting this account: {detail}", code="model_rate_limited",
                            transient=True, retry_after=float(retry_after) if retry_after and
                            retry_after.replace(".", "", 1).isdigit() else None)
        if status >= 500:
            return LlmError(f"The inference provider failed ({status}): {detail}", code="model_provider_error",
                            transient=True)
        if status == 401:
            return LlmError("The inference router rejected the token.", code="model_auth_failed", transient=False)
        if status == 402:
            return LlmError(f"Inference billing failed: {detail}", code="insufficient_credits", transient=False)
        if status == 403:
            return LlmError(f"The token may not call this model: {detail}", code="inference_permission_denied",
                            transient=False)
        return LlmError(f"The model rejected the request ({status}): {detail}", code="model_request_invalid",
                        transient=False)
    return LlmError(f"Model call failed: {type(exc).__name__}", code="model_error", transient=False)


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message") if isinstance(
            body.get("error"), dict) else body.get("message") or body.get("error")
        if message:
            return str(message)[:300]
    return str(exc.message)[:300]


def make_client(*, router_url: str, token: str, session_id: str, timeout: float) -> AsyncOpenAI:
    # Retries are ours (with events and backoff); the session header attributes spend per session.
    return AsyncOpenAI(base_url=router_url, api_key=token, max_retries=0, timeout=timeout,
                       default_headers={"X-HF-Session-id": session_id})


async def stream_completion(client: AsyncOpenAI, *, model: str, messages: list[dict[str, Any]],
                            tools: list[dict[str, Any]], on_text: Callable[[str], Awaitable[None]],
                            temperature: float | None = None, top_p: float | None = None) -> Completion:
    """One streamed chat completion. Text deltas go to ``on_text``; tool-call fragments accumulate by index."""
    started = time.monotonic()
    result = Completion()
    calls: dict[int, dict[str, str]] = {}
    kwargs: dict[str, Any] = {"model": model, "messages": messages, "stream": True,
                              "stream_options": {"include_usage": True}}
    if tools:
        kwargs["tools"] = tools
    if temperature is not None:
        kwargs["temperature"] = temperature
    if top_p is not None:
        kwargs["top_p"] = top_p
    try:
        stream = await client.chat.completions.create(**kwargs)
        async for chunk in stream:
            if chunk.usage is not None:
                result.input_tokens = chunk.usage.prompt_tokens or 0
                result.output_tokens = chunk.usage.completion_tokens or 0
                details = getattr(chunk.usage, "prompt_tokens_details", None)
                result.cached_tokens = (getattr(details, "cached_tokens", 0) or 0) if details else 0
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    result.text += delta.content
                    await on_text(delta.content)
                for fragment in delta.tool_calls or []:
                    slot = calls.setdefault(fragment.index, {"id": "", "name": "", "arguments": ""})
                    if fragment.id:
                        slot["id"] = fragment.id
                    if fragment.function is not None:
                        if fragment.function.name:
                            slot["name"] += fragment.function.name
                        if fragment.function.arguments:
                            slot["arguments"] += fragment.function.arguments
                if choice.finish_reason:
                    result.finish_reason = choice.finish_reason
    except (openai.APIError, openai.APIConnectionError) as exc:
        raise classify(exc) from None
    result.tool_calls = [ToolCall(id=slot["id"] or f"call_{index}", name=slot["name"], arguments=slot["arguments"])
                         for index, slot in sorted(calls.items())]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result
