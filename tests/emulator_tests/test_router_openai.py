"""The real openai SDK against the emulated Inference Providers router and the scripted model."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest
from openai import AsyncOpenAI

KIMI = "moonshotai/Kimi-K2.6"


def script(*steps) -> str:
    return "Please do the thing.\n```emulator-script\n" + json.dumps(list(steps)) + "\n```"


@pytest.fixture
def client(emulator) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_alice", max_retries=0)


async def collect(stream):
    """Accumulate a streamed completion the way the product must: tool calls by index."""
    text, calls, finish, usage, chunks = "", {}, None, None, []
    async for chunk in stream:
        chunks.append(chunk)
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            text += delta.content or ""
            for tc in delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] = tc.function.name
                if tc.function and tc.function.arguments:
                    slot["arguments"] += tc.function.arguments
            finish = choice.finish_reason or finish
    return text, [calls[i] for i in sorted(calls)], finish, usage, chunks


async def test_list_models(client):
    models = {m.id: m for m in (await client.models.list()).data}
    assert {KIMI, "Qwen/Qwen3-Coder-480B-A35B-Instruct", "openai/gpt-oss-120b",
            "meta-llama/Llama-3.1-8B-Instruct"} <= models.keys()
    kimi = models[KIMI].model_dump()
    assert kimi["owned_by"] == "moonshotai"
    assert {p["provider"] for p in kimi["providers"]} == {"novita", "together"}
    novita = next(p for p in kimi["providers"] if p["provider"] == "novita")
    assert novita["context_length"] == 262144 and novita["pricing"] == {"input": 0.6, "output": 2.5}


async def test_stream_text_tool_calls_and_usage(client):
    messages = [{"role": "user", "content": script(
        {"say": "Let me search for that.", "chunks": 3,
         "calls": [{"call": "hf_search", "arguments": {"query": "whisper", "limit": 5}},
                   {"call": "read_file", "arguments": {"path": "README.md"}}]},
        {"say": "Done."},
    )}]
    stream = await client.chat.completions.create(
        model=f"{KIMI}:novita", messages=messages, stream=True, stream_options={"include_usage": True},
        tools=[{"type": "function", "function": {"name": "hf_search", "parameters": {"type": "object"}}}],
    )
    text, calls, finish, usage, chunks = await collect(stream)
    assert text == "Let me search for that."
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 3
    assert finish == "tool_calls"
    assert [c["id"] for c in calls] == ["call_0_0", "call_0_1"]
    assert [c["name"] for c in calls] == ["hf_search", "read_file"]
    assert json.loads(calls[0]["arguments"]) == {"query": "whisper", "limit": 5}
    assert json.loads(calls[1]["arguments"]) == {"path": "README.md"}
    fragments = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(fragments) >= 2 + 2 * 2  # header + >=2 argument fragments per call
    assert chunks[-1].choices == [] and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert chunks[0].id.startswith("chatcmpl-")

    # Kimi thinks first: reasoning_content deltas before the text, counted in completion_tokens.
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)
    assert reasoning.startswith("I need more information") and "hf_search" in reasoning
    assert 0 < usage.completion_tokens_details.reasoning_tokens < usage.completion_tokens

    # Second turn: one assistant message after the user message -> step 1. Kimi refuses the tool-call message
    # without its reasoning (strict replay), and accepts it with.
    assistant = {"role": "assistant", "content": text, "tool_calls": [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
        for c in calls]}
    results = [{"role": "tool", "tool_call_id": "call_0_0", "content": "[]"},
               {"role": "tool", "tool_call_id": "call_0_1", "content": "# readme"}]
    with pytest.raises(openai.BadRequestError) as refused:
        await client.chat.completions.create(model=KIMI, messages=[*messages, assistant, *results], stream=True)
    assert refused.value.body["message"] == (
        "thinking is enabled but reasoning_content is missing in assistant tool call message at index 1")
    messages += [{**assistant, "reasoning_content": reasoning}, *results]
    text, calls, finish, _, _ = await collect(await client.chat.completions.create(
        model=KIMI, messages=messages, stream=True))
    assert (text, calls, finish) == ("Done.", [], "stop")

    # Exhausted script -> deterministic default text.
    messages.append({"role": "assistant", "content": text})
    text, _, _, _, _ = await collect(await client.chat.completions.create(model=KIMI, messages=messages, stream=True))
    assert text == f"Emulated answer from {KIMI}."


async def test_non_stream(client):
    resp = await client.chat.completions.create(
        model=f"{KIMI}:cheapest", messages=[{"role": "user", "content": script({"call": "ls", "arguments": {"p": "/"}})}])
    msg = resp.choices[0].message
    assert resp.object == "chat.completion" and resp.id.startswith("chatcmpl-")
    assert resp.choices[0].finish_reason == "tool_calls"
    assert msg.tool_calls[0].id == "call_0_0" and json.loads(msg.tool_calls[0].function.arguments) == {"p": "/"}
    assert resp.usage.prompt_tokens > 0 and resp.usage.completion_tokens > 0

    plain = await client.chat.completions.create(
        model="openai/gpt-oss-120b:groq", messages=[{"role": "user", "content": "Hello there, emulator!"}])
    assert plain.choices[0].message.content == (
        'Emulated answer from openai/gpt-oss-120b. You said: "Hello there, emulator!"')
    assert plain.choices[0].finish_reason == "stop"


async def test_a_script_spans_later_user_messages_only_when_it_says_so(client):
    steps = [{"say": "first"}, {"say": "second"}]
    for spans, expected in ((True, "second"), (False, 'Emulated answer from openai/gpt-oss-120b. You said: "Try again."')):
        messages = [{"role": "user", "content": script(*steps, *([{"span_user_messages": True}] if spans else []))},
                    {"role": "assistant", "content": "first"}, {"role": "user", "content": "Try again."}]
        plain = await client.chat.completions.create(model="openai/gpt-oss-120b:groq", messages=messages)
        assert plain.choices[0].message.content == expected
    # A new script in the last user message always wins.
    messages[-1]["content"] = script({"say": "new script"})
    plain = await client.chat.completions.create(model="openai/gpt-oss-120b:groq", messages=messages)
    assert plain.choices[0].message.content == "new script"


async def test_error_times_then_success(client, emulator):
    messages = [{"role": "user", "content": script({"error": 429, "times": 2}, {"say": "finally"})}]
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as exc:
            await client.chat.completions.create(model=KIMI, messages=messages, stream=True)
        assert exc.value.response.headers["retry-after"] == "0"
        assert exc.value.status_code == 429
    text, *_ = await collect(await client.chat.completions.create(model=KIMI, messages=messages, stream=True))
    assert text == "finally"
    # Counters are cleared by reset.
    httpx.post(f"{emulator.url}/_emulator/reset")
    with pytest.raises(openai.RateLimitError):
        await client.chat.completions.create(model=KIMI, messages=messages)


async def test_server_errors_and_sdk_retries(emulator):
    messages = [{"role": "user", "content": script({"error": 503}, {"error": 500}, {"say": "ok"})}]
    strict = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_alice", max_retries=0)
    with pytest.raises(openai.InternalServerError) as exc:
        await strict.chat.completions.create(model=KIMI, messages=messages)
    assert exc.value.status_code == 503
    # The SDK's own retry (max_retries=1) absorbs the remaining 500.
    retrying = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_alice", max_retries=1)
    resp = await retrying.chat.completions.create(model=KIMI, messages=messages)
    assert resp.choices[0].message.content == "ok"


async def test_bad_arguments(client):
    messages = [{"role": "user", "content": script({"bad_arguments": "hf_search"})}]
    _, calls, finish, _, _ = await collect(await client.chat.completions.create(
        model=KIMI, messages=messages, stream=True))
    assert finish == "tool_calls" and calls[0]["name"] == "hf_search"
    with pytest.raises(json.JSONDecodeError):
        json.loads(calls[0]["arguments"])


async def test_hang_and_delay(emulator):
    messages = [{"role": "user", "content": script({"hang_ms": 400, "times": 1}, {"say": "slow", "delay_ms": 10})}]
    impatient = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_alice", max_retries=0, timeout=0.15)
    with pytest.raises(openai.APITimeoutError):
        await impatient.chat.completions.create(model=KIMI, messages=messages)
    # `times: 1` -> the next attempt answers within the same short timeout.
    resp = await impatient.chat.completions.create(model=KIMI, messages=messages)
    assert resp.choices[0].message.content == "slow"

    # Streaming: the hang happens before the first chunk (headers are already sent).
    streaming = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_alice", max_retries=0)
    msgs = [{"role": "user", "content": script({"hang_ms": 200}, {"say": "abcdefgh", "chunks": 4, "delay_ms": 20})}]
    started = time.monotonic()
    text, *_ = await collect(await streaming.chat.completions.create(model=KIMI, messages=msgs, stream=True))
    assert text == "abcdefgh" and time.monotonic() - started >= 0.2 + 3 * 0.02


async def test_unknown_model_and_provider(client):
    with pytest.raises(openai.BadRequestError) as exc:
        await client.chat.completions.create(model="nobody/nothing", messages=[{"role": "user", "content": "hi"}])
    assert exc.value.code == "model_not_supported"
    assert exc.value.body["code"] == "model_not_supported"
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(model=f"{KIMI}:groq", messages=[{"role": "user", "content": "hi"}])


async def test_permissions(emulator):
    carol = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_carol_noinfer", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as exc:
        await carol.chat.completions.create(model=KIMI, messages=[{"role": "user", "content": "hi"}])
    assert "inference.serverless.write" in exc.value.message
    assert exc.value.body["type"] == "permission_error"
    bad = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await bad.chat.completions.create(model=KIMI, messages=[{"role": "user", "content": "hi"}])
    for token in ("hf_emu_dave_fg", "hf_emu_erin_read"):
        ok = AsyncOpenAI(base_url=emulator.router_url, api_key=token, max_retries=0)
        resp = await ok.chat.completions.create(model=KIMI, messages=[{"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content.startswith("Emulated answer")
    bob = AsyncOpenAI(base_url=emulator.router_url, api_key="hf_emu_bob", max_retries=0,
                      default_headers={"X-HF-Bill-To": "acme"})
    with pytest.raises(openai.PermissionDeniedError):
        await bob.chat.completions.create(model=KIMI, messages=[{"role": "user", "content": "hi"}])


async def test_invalid_script_is_400(client):
    with pytest.raises(openai.BadRequestError) as exc:
        await client.chat.completions.create(
            model=KIMI, messages=[{"role": "user", "content": "```emulator-script\n[{\"sey\": 1}]\n```"}])
    assert exc.value.code == "emulator_script_invalid"


async def test_thinking_fields_budget_and_lenient_replay(client, emulator):
    # gpt-oss streams `reasoning`; a step's own thought replaces the default one.
    stream = await client.chat.completions.create(
        model="openai/gpt-oss-120b:groq", stream=True,
        messages=[{"role": "user", "content": script({"think": "Short plan.", "say": "Hi."})}])
    chunks = [c async for c in stream]
    assert "".join(getattr(c.choices[0].delta, "reasoning", None) or "" for c in chunks if c.choices) == "Short plan."

    # Reasoning that does not fit the output budget: finish "length", no content, the whole budget billed.
    resp = await client.chat.completions.create(
        model=KIMI, max_tokens=500,
        messages=[{"role": "user", "content": script({"think": "long", "think_tokens": 900, "say": "never"})}])
    assert resp.choices[0].finish_reason == "length" and resp.choices[0].message.content is None
    assert resp.choices[0].message.model_extra["reasoning_content"] == "long"
    assert resp.usage.completion_tokens == resp.usage.completion_tokens_details.reasoning_tokens == 500

    # Lenient mode accepts a tool-call history without reasoning.
    history = [{"role": "user", "content": "hi"},
               {"role": "assistant", "content": None, "tool_calls": [
                   {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
               {"role": "tool", "tool_call_id": "c", "content": "x"}]
    with pytest.raises(openai.BadRequestError):
        await client.chat.completions.create(model=KIMI, messages=history)
    emulator.state.reasoning_replay = "lenient"
    try:
        assert (await client.chat.completions.create(model=KIMI, messages=history)).choices[0].message.content
    finally:
        emulator.state.reasoning_replay = "strict"
