"""Reading reasoning and tool calls from the router's stream, and sending reasoning back per model policy."""

from __future__ import annotations

import json

import pytest

from agent.chat_stream import ChunkReader, MalformedStream, StreamError
from agent.reasoning import REASONING_KEY, Replay, policy_for, render_history


def chunk(delta=None, finish=None, *, usage=None, choices=True) -> bytes:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []}
    if usage is not None:
        body["usage"] = usage
    return b"data: " + json.dumps(body).encode()


def read(lines: list[bytes]) -> tuple[ChunkReader, list[tuple[str, str]]]:
    reader = ChunkReader()
    seen = []
    for line in lines:
        delta = reader.feed_line(line)
        if delta is not None:
            seen.append((delta.reasoning, delta.text))
    reader.finish()
    return reader, seen


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_in_either_field_comes_before_the_text(field):
    reader, seen = read([
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": None, field: "Let me "}),
        chunk({"content": None, field: "think."}),
        chunk({"content": "Answer.", field: None}),
        chunk({}, "stop"),
        chunk(choices=False, usage={"prompt_tokens": 10, "completion_tokens": 30,
                                    "completion_tokens_details": {"reasoning_tokens": 20}}),
        b"data: [DONE]",
    ])
    assert seen == [("Let me ", ""), ("think.", ""), ("", "Answer.")]
    result = reader.result
    assert (result.reasoning, result.text, result.finish_reason) == ("Let me think.", "Answer.", "stop")
    assert (result.input_tokens, result.output_tokens, result.reasoning_tokens) == (10, 30, 20)
    assert result.assistant_message() == {"role": "assistant", "content": "Answer.", REASONING_KEY: "Let me think."}


def test_reasoning_details_list_and_duplicate_forms_count_once():
    # OpenRouter-style: the string and its details list carry the same text; vLLM sends both field names.
    reader, _ = read([
        chunk({"reasoning_details": [{"type": "reasoning.text", "text": "alpha "}]}),
        chunk({"reasoning": "beta ", "reasoning_details": [{"type": "reasoning.text", "text": "beta "}]}),
        chunk({"reasoning_content": "gamma", "reasoning": "gamma"}),
        chunk({"reasoning_details": [{"type": "reasoning.encrypted", "data": "opaque"}]}),
    ])
    assert reader.result.reasoning == "alpha beta gamma"


def test_tool_call_fragments_accumulate_by_index_with_the_id_only_first():
    reader, _ = read([
        chunk({"reasoning_content": "I should search."}),
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                               "function": {"name": "hub_search", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                               "function": {"name": "hub_repo_details", "arguments": '{"repo'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"search": '}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"bge"}'}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": '_id": "x"}'}}]}),
        chunk({}, "tool_calls"),
    ])
    result = reader.result
    assert [(c.id, c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("call_a", "hub_search", {"search": "bge"}), ("call_b", "hub_repo_details", {"repo_id": "x"})]
    assert result.finish_reason == "tool_calls"
    message = result.assistant_message()
    assert message[REASONING_KEY] == "I should search." and message["content"] is None


def test_reasoning_reported_apart_from_completion_tokens_is_billed_too():
    reader, _ = read([chunk(choices=False, usage={"prompt_tokens": 5, "completion_tokens": 7,
                                                  "completion_tokens_details": {"reasoning_tokens": 40}})])
    assert (reader.result.output_tokens, reader.result.reasoning_tokens) == (47, 40)


def test_the_reasoning_trap_is_detected():
    reader, _ = read([chunk({"reasoning_content": "hmm " * 10}), chunk({}, "length")])
    assert reader.result.thought_without_answer
    reader, _ = read([chunk({"content": "Partial"}), chunk({}, "length")])
    assert not reader.result.thought_without_answer


def test_an_error_object_in_the_stream_raises():
    reader = ChunkReader()
    reader.feed_line(chunk({"content": "Half an "}))
    with pytest.raises(StreamError) as raised:
        reader.feed_line(b'data: {"error": {"message": "provider crashed", "type": "server_error", "code": 500}}')
    assert raised.value.message == "provider crashed" and raised.value.status == 500


def test_comments_blank_lines_and_other_fields_carry_nothing():
    reader, seen = read([b": keep-alive", b"", b"event: ping", b"id: 3", b"data:", b"data: [DONE]"])
    assert seen == [] and reader.result.text == ""
    assert reader.done and reader.chunks == 0


@pytest.mark.parametrize("line, says", [
    (b"data: not json", "not valid JSON"),
    (b'data: {"choices": [{"index": 0, "delta": {"con', "not valid JSON"),
    (b"data: [1, 2]", "not an object"),
    (b'data: {"choices": [null]}', "unexpected shape"),
    (b'data: {"choices": "abc"}', "unexpected shape"),
    (b'data: {"choices": [{"index": 0, "delta": {"content": 42}}]}', "unexpected shape"),
    (b'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "first"}]}}]}', "unexpected shape"),
    (b'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": "f"}]}}]}',
     "unexpected shape"),
    (b'data: {"choices": [], "usage": {"prompt_tokens": "many"}}', "unexpected shape"),
])
def test_a_chunk_that_cannot_be_read_fails_the_stream(line, says):
    # Its content would be lost: the answer cannot be trusted, so the call fails (and is retried).
    reader = ChunkReader()
    reader.feed_line(chunk({"content": "Half an "}))
    with pytest.raises(MalformedStream, match=says):
        reader.feed_line(line)


def test_a_stream_is_complete_once_it_says_so():
    reader = ChunkReader()
    reader.feed_line(chunk({"content": "cut"}))
    assert not reader.complete  # a body that ends here is a cut-off answer
    reader.feed_line(chunk({}, "stop"))
    assert reader.complete and not reader.done
    reader = ChunkReader()
    reader.feed_line(chunk({"content": "whole"}))
    reader.feed_line(b"data: [DONE]")
    assert reader.complete  # a provider that sends no finish_reason still says it ended
    reader = ChunkReader()
    reader.feed_line(b"data: [DONE]")
    assert not reader.complete  # nothing but the end marker is an empty reply


# ---------------------------------------------------------------- replay policies

HISTORY = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "turn one"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}], REASONING_KEY: "think 1"},
    {"role": "tool", "tool_call_id": "c1", "content": "result"},
    {"role": "assistant", "content": "answer one", REASONING_KEY: "think 2"},
    {"role": "user", "content": "turn two"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c2"}], REASONING_KEY: "think 3"},
    {"role": "tool", "tool_call_id": "c2", "content": "result"},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c3"}]},  # written before reasoning was kept
    {"role": "tool", "tool_call_id": "c3", "content": "result"},
]


def reasoning_by_index(messages, field):
    return {i: m[field] for i, m in enumerate(messages) if field in m}


def test_kimi_gets_reasoning_on_every_tool_call_message_and_never_on_answers():
    policy = policy_for("moonshotai/Kimi-K2.6:novita")
    assert policy.replay is Replay.TOOL_CALLS
    rendered = render_history(HISTORY, policy)
    # An old tool-call message without reasoning still carries the key: Kimi refuses a message lacking it.
    assert reasoning_by_index(rendered, "reasoning_content") == {2: "think 1", 6: "think 3", 8: ""}
    assert HISTORY[8].keys() == {"role", "content", "tool_calls"}  # the input is not modified


def test_gpt_oss_gets_the_current_turns_reasoning_under_its_own_field():
    policy = policy_for("openai/gpt-oss-120b:cerebras")
    assert policy.replay is Replay.CURRENT_TURN and policy.accepts_effort
    rendered = render_history(HISTORY, policy)
    assert reasoning_by_index(rendered, "reasoning") == {6: "think 3"}
    assert reasoning_by_index(rendered, "reasoning_content") == {}


def test_r1_and_unknown_models_get_no_reasoning_back():
    for model in ("deepseek-ai/DeepSeek-R1", "meta-llama/Llama-3.1-8B-Instruct:novita"):
        rendered = render_history(HISTORY, policy_for(model))
        assert all(REASONING_KEY not in m and "reasoning" not in m for m in rendered)


def test_settings_override_a_family():
    policy = policy_for("meta-llama/Llama-3.1-8B-Instruct", {"meta-llama/": "all_turns"})
    rendered = render_history(HISTORY, policy)
    assert reasoning_by_index(rendered, "reasoning_content") == {2: "think 1", 4: "think 2", 6: "think 3"}
    never = policy_for("moonshotai/Kimi-K2.6", {"moonshotai/Kimi": "never"})
    assert all(REASONING_KEY not in m for m in render_history(HISTORY, never))
