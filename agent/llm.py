"""Streamed OpenAI-compatible chat completions against the Inference Providers router, as the caller.

One pooled HTTP client serves every session of the process (a client per session cost ~100 ms of blocked event
loop and ~1.7 MB for its SSL context); the caller's token travels with each request and is never stored on it.
The router's streams are read with aiohttp: its C HTTP parser and O(1) connection pool cost a fraction of what
httpx + h11 did per chunk, and httpcore's pool bookkeeping grows with the square of open connections (at 100
concurrent streams it was a sixth of the event loop).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiohttp
import orjson

from agent.chat_stream import ChunkReader, Completion, MalformedStream, StreamError, ToolCall
from agent.reasoning import ReasoningPolicy, render_history

__all__ = ["Completion", "LlmError", "ModelClient", "ModelErrorCode", "RouterClient", "ToolCall", "stream_completion"]

log = logging.getLogger("ml_intern.llm")

# Upstream lines handled between two yields to the event loop: a fast provider's buffered answer must not
# hold the loop (other streams, the group commit) until it is read to the end.
YIELD_EVERY_CHUNKS = 64
MAX_ERROR_BODY_BYTES = 65_536


class ModelErrorCode(StrEnum):
    """Why a model call failed: the ``error.code`` of a turn that fails on it. Every reason is here, so that one
    table can map them to the Responses API's error codes."""

    RATE_LIMITED = "model_rate_limited"          # 429 (transient)
    PROVIDER_ERROR = "model_provider_error"      # 5xx, or an error object inside the stream (transient)
    RESPONSE_INVALID = "model_response_invalid"  # a 200 that is not a whole, well-formed stream (transient)
    TIMEOUT = "model_timeout"                    # no byte within the read timeout (transient)
    UNREACHABLE = "model_unreachable"            # no connection, or it was closed mid-reply (transient)
    AUTH_FAILED = "model_auth_failed"            # 401
    INSUFFICIENT_CREDITS = "insufficient_credits"  # 402
    PERMISSION_DENIED = "inference_permission_denied"  # 403
    REQUEST_INVALID = "model_request_invalid"    # any other 4xx


class LlmError(Exception):
    """A model call failed. ``transient`` errors are worth retrying."""

    def __init__(self, message: str, *, code: ModelErrorCode, transient: bool,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code: str = code.value
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class RouterClient:
    """The process's connection pool to the router. Holds no credential. Create it inside the running loop."""

    http: aiohttp.ClientSession
    base_url: str

    @classmethod
    def create(cls, base_url: str, *, timeout: float) -> "RouterClient":
        # A model may think for minutes before its first byte: the read timeout is the settings' model timeout.
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=min(timeout, 15.0), sock_read=timeout),
            headers={"User-Agent": "ml-intern-api/0.1"})
        return cls(http=session, base_url=base_url.rstrip("/"))

    def bind(self, token: str, session_id: str) -> "ModelClient":
        return ModelClient(router=self, token=token, session_id=session_id)

    async def aclose(self) -> None:
        await self.http.close()


@dataclass(frozen=True)
class ModelClient:
    """The router as one caller's session: its token and session header go on each request it makes."""

    router: RouterClient
    token: str = field(repr=False)
    session_id: str

    def headers(self) -> dict[str, str]:
        # The session header attributes inference spend per session.
        return {"Authorization": f"Bearer {self.token}", "X-HF-Session-id": self.session_id,
                "Accept": "text/event-stream", "Content-Type": "application/json"}


@dataclass(frozen=True)
class CallOptions:
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None


async def stream_completion(client: ModelClient, *, model: str, messages: list[dict[str, Any]],
                            tools: list[dict[str, Any]], on_text: Callable[[str], None],
                            on_reasoning: Callable[[str], None] | None = None,
                            policy: ReasoningPolicy | None = None, options: CallOptions = CallOptions()) -> Completion:
    """One streamed chat completion. Text and reasoning deltas go to their callbacks as they arrive (plain calls:
    a coroutine per delta and layer was a measurable share of a relayed delta); tool-call fragments accumulate by
    index. The history is rendered with the model's reasoning policy."""
    started = time.monotonic()
    body: dict[str, Any] = {"model": model, "stream": True, "stream_options": {"include_usage": True},
                            "messages": render_history(messages, policy) if policy is not None else messages}
    if tools:
        body["tools"] = tools
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.top_p is not None:
        body["top_p"] = options.top_p
    if options.max_tokens is not None:
        body["max_tokens"] = options.max_tokens
    if options.reasoning_effort is not None and policy is not None and policy.accepts_effort:
        body["reasoning_effort"] = options.reasoning_effort
    reader = ChunkReader()
    router = client.router
    log.debug("model call: POST %s/chat/completions model=%s messages=%d", router.base_url, model,
              len(body["messages"]))
    try:
        # No redirects: the router never redirects a completion, and a redirect must not carry the token on.
        async with router.http.post(f"{router.base_url}/chat/completions", data=orjson.dumps(body),
                                    headers=client.headers(), allow_redirects=False) as reply:
            if reply.status != 200:
                raise await _status_error(reply)
            rest = b""
            async for data in reply.content.iter_any():
                # Everything that arrived in one read is handled together: its text (and reasoning) deltas
                # become one delta each, so a provider that sends a burst costs one event, not one per chunk.
                lines = (rest + data).split(b"\n")
                rest = lines.pop()
                for start in range(0, len(lines), YIELD_EVERY_CHUNKS):
                    if start:
                        await asyncio.sleep(0)  # a long burst must not hold the loop (other streams, commits)
                    _deliver(reader, lines[start:start + YIELD_EVERY_CHUNKS], on_text, on_reasoning)
            _deliver(reader, [rest], on_text, on_reasoning)
            if not reader.complete:
                raise _unfinished(reply.content_type, reader)
    except StreamError as exc:
        transient = exc.status is None or exc.status == 429 or exc.status >= 500
        raise LlmError(f"The inference provider failed mid-answer: {exc.message}",
                       code=ModelErrorCode.PROVIDER_ERROR, transient=transient) from None
    except MalformedStream as exc:
        raise LlmError(f"The inference router's reply was malformed: {exc}.", code=ModelErrorCode.RESPONSE_INVALID,
                       transient=True) from None
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        raise LlmError("The model call timed out.", code=ModelErrorCode.TIMEOUT, transient=True) from None
    except aiohttp.ClientError:
        raise LlmError("Could not reach the inference router (or it closed the stream).",
                       code=ModelErrorCode.UNREACHABLE, transient=True) from None
    result = reader.finish()
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def _deliver(reader: ChunkReader, lines: list[bytes], on_text: Callable[[str], None],
             on_reasoning: Callable[[str], None] | None) -> None:
    """Feed ``lines`` to ``reader`` and pass on their visible deltas, consecutive ones of a kind joined, in order.
    An error object or a malformed chunk among them is raised after the deltas that came before it were passed on."""
    segments: list[tuple[str, str]] = []
    failure: StreamError | MalformedStream | None = None
    for line in lines:
        try:
            delta = reader.feed_line(line)
        except (StreamError, MalformedStream) as exc:
            failure = exc
            break
        if delta is None:
            continue
        for kind, text in (("reasoning", delta.reasoning), ("text", delta.text)):
            if text:
                if segments and segments[-1][0] == kind:
                    segments[-1] = (kind, segments[-1][1] + text)
                else:
                    segments.append((kind, text))
    for kind, text in segments:
        if kind == "text":
            on_text(text)
        elif on_reasoning is not None:
            on_reasoning(text)
    if failure is not None:
        raise failure


def _unfinished(content_type: str, reader: ChunkReader) -> LlmError:
    """A 200 whose body ended without saying the answer was complete: what it was instead."""
    if content_type != "text/event-stream":
        what = f"answered 200 with {content_type or 'no content type'} instead of an event stream"
    elif not reader.chunks:
        what = "answered 200 with an empty stream"
    else:
        what = "ended the stream before the answer was complete (no finish_reason, no [DONE])"
    return LlmError(f"The inference router {what}.", code=ModelErrorCode.RESPONSE_INVALID, transient=True)


async def _status_error(reply: aiohttp.ClientResponse) -> LlmError:
    raw = await reply.content.read(MAX_ERROR_BODY_BYTES)
    return classify_status(reply.status, _detail(raw), reply.headers.get("retry-after"))


def classify_status(status: int, detail: str, retry_after: str | None = None) -> LlmError:
    if status == 429:
        delay = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        return LlmError(f"The inference router is rate-limiting this account: {detail}",
                        code=ModelErrorCode.RATE_LIMITED, transient=True, retry_after=delay)
    if status >= 500:
        return LlmError(f"The inference provider failed ({status}): {detail}", code=ModelErrorCode.PROVIDER_ERROR,
                        transient=True)
    if status == 401:
        return LlmError("The inference router rejected the token.", code=ModelErrorCode.AUTH_FAILED, transient=False)
    if status == 402:
        return LlmError(f"Inference billing failed: {detail}", code=ModelErrorCode.INSUFFICIENT_CREDITS,
                        transient=False)
    if status == 403:
        return LlmError(f"The token may not call this model: {detail}", code=ModelErrorCode.PERMISSION_DENIED,
                        transient=False)
    return LlmError(f"The model rejected the request ({status}): {detail}", code=ModelErrorCode.REQUEST_INVALID,
                    transient=False)


def _detail(raw: bytes) -> str:
    """The message of a provider's error body, whichever shape it has: ``{"error": {"message"}}`` (OpenAI),
    ``{"error": "..."}`` (the Hub), ``{"message": ...}`` or ``{"detail": ...}``, or plain text."""
    text = raw.decode(errors="replace")
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()[:300] or "no detail given"
    if isinstance(body, dict):
        error = body.get("error")
        for candidate in ((error or {}).get("message") if isinstance(error, dict) else error,
                          body.get("message"), body.get("detail")):
            if candidate:
                return str(candidate)[:300]
    return text.strip()[:300]
