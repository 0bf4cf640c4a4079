"""Inference Providers router (OpenAI-compatible): /v1/models and /v1/chat/completions."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from .accounts import INFERENCE_PERMISSION, bearer_token
from .errors import INVALID_CREDENTIALS, openai_error
from .scripted_model import (
    Answer,
    Failure,
    Fault,
    ScriptError,
    estimate_tokens,
    find_script,
    plan_reply,
    prompt_text,
    split_arguments,
    stamp,
)
from .thinking import (
    DEFAULT_MAX_TOKENS, STRICT, THINKING_MODELS, default_thought, missing_replay, missing_replay_message,
    reasoning_delta,
)

POLICIES = ("fastest", "cheapest", "preferred")
# What a gateway in front of the provider may answer with a 200 (the `html` fault).
GATEWAY_PAGE = b"<html><head><title>Service</title></head><body><h1>We'll be right back.</h1></body></html>\n"
# A chunk whose JSON is valid but not a chunk's shape (the `bad_shape_chunk` fault): content must be a string.
BAD_SHAPE_CHUNK = b'data: {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": 42}}]}\n\n'
# Faults that strike inside the text of a streamed reply.
MID_STREAM_FAULTS = ("drop", "unfinished", "malformed_chunk", "bad_shape_chunk")
# Yielded by a reply's body iterator: close the connection here, without the end of the chunked body.
DROP = b"<drop the connection>"


class SseReply(StreamingResponse):
    """A streamed reply whose body iterator may yield ``DROP``: the app then returns without the body's last
    message and uvicorn closes the connection mid-body, as a reset network path or a crashed provider does."""

    async def stream_response(self, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            if chunk is DROP:
                return
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _fault_reply(fault: Fault | None, headers: dict[str, str]) -> Response | None:
    """The whole reply for the faults that replace the body (a gateway page, an empty body)."""
    if fault is None:
        return None
    if fault.kind == "html":
        return Response(GATEWAY_PAGE, media_type="text/html; charset=utf-8", headers=headers)
    if fault.kind == "empty":
        return Response(b"", media_type="text/event-stream", headers=headers)
    return None


async def _trickle(frames: AsyncIterator[bytes], fault: Fault) -> AsyncIterator[bytes]:
    """Every frame sent in pieces of ``piece_bytes``, ``delay_ms`` apart (a slow or congested path)."""
    async for frame in frames:
        if frame is DROP:
            yield frame
            continue
        for start in range(0, len(frame), fault.piece_bytes):
            await asyncio.sleep(fault.delay_ms / 1000)
            yield frame[start:start + fault.piece_bytes]
FAILURE_BODIES = {
    429: ("Rate limit reached for requests (emulated). Please retry.", "rate_limit_error", "rate_limit_exceeded"),
    500: ("The provider returned an internal error (emulated).", "server_error", "internal_error"),
    503: ("The provider is temporarily unavailable (emulated).", "server_error", "service_unavailable"),
}


def _authenticate(state: Any, request: Request) -> tuple[Any, Response | None]:
    account = state.account_for_token(bearer_token(request))
    if account is None:
        return None, openai_error(401, INVALID_CREDENTIALS, "authentication_error", "invalid_api_key")
    if not account.can_infer:
        msg = (
            f"This authentication method does not have sufficient permissions to call Inference Providers "
            f"on behalf of {account.kind} {account.name}. The token needs the '{INFERENCE_PERMISSION}' permission."
        )
        return account, openai_error(403, msg, "permission_error", "insufficient_permissions")
    bill_to = request.headers.get("x-hf-bill-to")
    if bill_to and not account.is_member_of(bill_to):
        msg = f"User {account.name} is not a member of organization '{bill_to}' and cannot bill to it."
        return account, openai_error(403, msg, "permission_error", "bill_to_forbidden")
    return account, None


def _resolve_provider(state: Any, model: str) -> tuple[str, str] | Response:
    """'org/model[:provider|:fastest|:cheapest]' -> (base model id, provider)."""
    base, _, suffix = model.partition(":")
    entry = state.catalog.inference_models.get(base)
    if entry is None:
        return openai_error(
            400, f"The requested model '{base}' is not supported by any provider you have enabled.",
            "invalid_request_error", "model_not_supported", "model",
        )
    live = [p for p in entry["providers"] if p["status"] == "live"]
    if suffix in ("", "fastest", "preferred"):
        return base, live[0]["provider"]
    if suffix == "cheapest":
        cheapest = min(live, key=lambda p: p["pricing"]["input"] + p["pricing"]["output"])
        return base, cheapest["provider"]
    if any(p["provider"] == suffix for p in live):
        return base, suffix
    return openai_error(
        400, f"The requested model '{base}' is not supported by provider '{suffix}'.",
        "invalid_request_error", "model_not_supported", "model",
    )


def _usage(request_body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    prompt = estimate_tokens(prompt_text(request_body["messages"]))
    produced = answer.text + "".join(c.name + c.arguments for c in answer.tool_calls)
    reasoning = answer.counted_reasoning_tokens()
    # Reasoning is billed as output: inside completion_tokens, and reported apart in its details.
    completion = (estimate_tokens(produced) if produced else 0) + reasoning
    completion = completion or 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning}}


def _think(state: Any, base_model: str, body: dict[str, Any], answer: Answer) -> Response | None:
    """Apply the model's thinking: refuse a history without its reasoning (strict replay), add the model's own
    thought when the script gave none, and cut the answer when reasoning eats the whole output budget."""
    thinking = THINKING_MODELS.get(base_model)
    if thinking is not None and thinking.requires_replay and state.reasoning_replay == STRICT:
        index = missing_replay(body["messages"])
        if index is not None:
            return openai_error(400, missing_replay_message(index), "invalid_request_error")
    if thinking is not None and not answer.reasoning:
        _, _, user_text = find_script(body["messages"])
        answer.reasoning = default_thought(user_text, [c.name for c in answer.tool_calls])
    if answer.reasoning and answer.reasoning_field is None:
        answer.reasoning_field = thinking.field if thinking is not None else "reasoning_content"
    budget = body.get("max_tokens") or body.get("max_completion_tokens") or DEFAULT_MAX_TOKENS
    if answer.counted_reasoning_tokens() >= int(budget):
        answer.reasoning_tokens = int(budget)
        answer.text, answer.tool_calls, answer.truncated = "", [], True
    return None


def _completion(cid: str, model: str, answer: Answer, usage: dict[str, int]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or None, "refusal": None}
    if answer.reasoning:
        message["reasoning_content" if answer.reasoning_field == "reasoning_details" else
                answer.reasoning_field] = answer.reasoning
    if answer.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in answer.tool_calls
        ]
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": answer.finish_reason}],
        "usage": usage,
    }


async def _stream(cid: str, model: str, answer: Answer, usage: dict[str, int], include_usage: bool) -> AsyncIterator[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, *, last_usage: bool = False) -> bytes:
        body: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
            "choices": [] if last_usage else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            body["usage"] = usage if last_usage else None
        return f"data: {json.dumps(body)}\n\n".encode()

    if answer.hang_ms:
        await asyncio.sleep(answer.hang_ms / 1000)
    yield chunk({"role": "assistant", "content": ""})
    for piece in answer.reasoning_chunks():
        yield chunk(reasoning_delta(answer.reasoning_field or "reasoning_content", piece))
    text_chunks = answer.text_chunks()
    fault = answer.fault if answer.fault is not None and answer.fault.kind in MID_STREAM_FAULTS else None
    strike = fault.position(len(text_chunks)) if fault is not None else -1
    for i, piece in enumerate(text_chunks):
        if i and answer.delay_ms:
            await asyncio.sleep(answer.delay_ms / 1000)
        if answer.stream_error is not None and i == len(text_chunks) // 2:
            break
        if i == strike:
            break
        yield chunk({"content": stamp() if answer.stamped else piece})
    if fault is not None:
        # It strikes after `after_chunks` text chunks (after the whole text when it has fewer).
        if fault.kind == "drop":
            yield DROP
            return
        if fault.kind == "unfinished":
            return  # a clean end of the body: no finish_reason, no [DONE]
        rest = text_chunks[strike:]
        if fault.kind == "bad_shape_chunk":
            yield BAD_SHAPE_CHUNK
        else:  # malformed_chunk: the next text chunk arrives cut in the middle of its JSON (its text is lost)
            whole = chunk({"content": (stamp() if answer.stamped else rest.pop(0)) if rest else "lost"})
            yield whole[: len(whole) // 2] + b"\n\n"
        for piece in rest:  # then the rest of the reply, as if nothing had happened
            yield chunk({"content": stamp() if answer.stamped else piece})
    if answer.stream_error is not None:
        # What the router sends when the provider fails after the headers: an error object as a data frame.
        message, type_, code = FAILURE_BODIES[answer.stream_error]
        yield f"data: {json.dumps({'error': {'message': message, 'type': type_, 'code': code}})}\n\n".encode()
        return
    for index, call in enumerate(answer.tool_calls):
        yield chunk({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                     "function": {"name": call.name, "arguments": ""}}]})
        for fragment in split_arguments(call.arguments):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
            if answer.fault is not None and answer.fault.kind == "drop_in_arguments":
                yield DROP  # reset after the first fragment of the first call's arguments
                return
    yield chunk({}, answer.finish_reason)
    if include_usage:
        yield chunk(None, last_usage=True)
    yield b"data: [DONE]\n\n"


def _chat_handler(state: Any):
    async def handler(request: Request) -> Response:
        _, err = _authenticate(state, request)
        if err is not None:
            return err
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return openai_error(400, "Request body is not valid JSON.", "invalid_request_error", "invalid_json")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return openai_error(400, "'model' is required.", "invalid_request_error", "missing_model", "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return openai_error(400, "'messages' must be a non-empty list.", "invalid_request_error",
                                "invalid_messages", "messages")
        resolved = _resolve_provider(state, body["model"])
        if isinstance(resolved, Response):
            return resolved
        base_model, provider = resolved
        try:
            plan = plan_reply(state, base_model, messages)
        except ScriptError as exc:
            return openai_error(400, str(exc), "invalid_request_error", "emulator_script_invalid")

        if isinstance(plan, Failure):
            message, type_, code = FAILURE_BODIES[plan.status]
            headers = {"Retry-After": "0"} if plan.status == 429 else None
            return openai_error(plan.status, message, type_, code, headers=headers)

        faulty = _fault_reply(plan.fault, {"x-inference-provider": provider})
        if faulty is not None:
            return faulty
        refused = _think(state, base_model, body, plan)
        if refused is not None:
            return refused
        headers = {"x-inference-provider": provider}
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        usage = _usage(body, plan)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            frames = _stream(cid, base_model, plan, usage, include_usage)
            if plan.fault is not None and plan.fault.kind == "trickle":
                frames = _trickle(frames, plan.fault)
            return SseReply(
                frames,
                media_type="text/event-stream",
                headers={**headers, "Cache-Control": "no-cache"},
            )
        if plan.hang_ms:
            await asyncio.sleep(plan.hang_ms / 1000)
        return JSONResponse(_completion(cid, base_model, plan, usage), headers=headers)

    return handler


def _models_handler(state: Any):
    async def handler(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": list(state.catalog.inference_models.values())})

    return handler


def _model_handler(state: Any):
    async def handler(request: Request) -> Response:
        entry = state.catalog.inference_models.get(request.path_params["model_id"])
        if entry is None:
            return openai_error(404, f"Model '{request.path_params['model_id']}' not found.",
                                "invalid_request_error", "model_not_found", "model")
        return JSONResponse(entry)

    return handler


def routes(state: Any) -> list[BaseRoute]:
    return [
        Route("/v1/models", _models_handler(state), methods=["GET"]),
        Route("/v1/models/{model_id:path}", _model_handler(state), methods=["GET"]),
        Route("/v1/chat/completions", _chat_handler(state), methods=["POST"]),
    ]
