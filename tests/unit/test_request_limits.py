"""CreateResponseRequest: the documented limits at their boundaries, and how errors name the parameter."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agent.models import (
    DEFAULT_MAX_COST_USD, DEFAULT_WAIT_TIMEOUT_SECONDS, MAX_INSTRUCTIONS_CHARS, MAX_MESSAGE_CHARS,
    CreateResponseRequest,
)
from agent.service import _chat_messages
from responses_api.errors import validation_error_response


def valid(**body) -> CreateResponseRequest:
    return CreateResponseRequest.model_validate({"input": "task", **body})


def error_of(body: dict) -> dict:
    with pytest.raises(ValidationError) as raised:
        CreateResponseRequest.model_validate(body)
    reply = validation_error_response(raised.value)
    assert reply.status_code == 400
    return json.loads(reply.body)["error"]


def test_defaults():
    request = valid()
    assert request.max_cost_usd is None  # the session's cap (default 5.0) applies
    assert DEFAULT_MAX_COST_USD == 5.0
    assert request.wait_timeout_seconds == DEFAULT_WAIT_TIMEOUT_SECONDS == 900
    assert request.background is False and request.stream is False
    assert request.tools == [] and request.tool_choice == "auto"


def test_server_limits_defaults():
    from agent.settings import Settings

    settings = Settings()
    assert settings.max_live_sessions_per_account == 10
    assert settings.idle_eviction_seconds == 15 * 60
    assert settings.whoami_cache_seconds == 5 * 60


def test_input_size_boundaries():
    assert MAX_MESSAGE_CHARS == 100_000
    valid(input="x" * 100_000)
    valid(input=[{"role": "user", "content": "x" * 100_000}, {"role": "user", "content": "y" * 100_000}])
    assert error_of({"input": "x" * 100_001})["param"] == "input"
    assert error_of({"input": [{"role": "user", "content": "x" * 100_001}]})["param"] == "input[0]"
    # The limit is per message, summed over its content parts.
    parts = [{"type": "input_text", "text": "x" * 50_000}, {"type": "input_text", "text": "x" * 50_001}]
    error = error_of({"input": [{"role": "user", "content": "ok"}, {"role": "user", "content": parts}]})
    assert error["param"] == "input[1]" and "100000" in error["message"]


def test_instructions_boundary():
    assert MAX_INSTRUCTIONS_CHARS == 20_000
    valid(instructions="i" * 20_000)
    assert error_of({"input": "x", "instructions": "i" * 20_001})["param"] == "instructions"


@pytest.mark.parametrize(("value", "ok"), [(0, False), (-0.01, False), (0.0001, True), (500, True),
                                           (500.01, False), (1e9, False)])
def test_max_cost_range_is_open_at_zero_closed_at_500(value, ok):
    if ok:
        assert valid(max_cost_usd=value).max_cost_usd == value
    else:
        assert error_of({"input": "x", "max_cost_usd": value})["param"] == "max_cost_usd"


@pytest.mark.parametrize(("value", "ok"), [(0.5, False), (0.99, False), (1, True), (3600, True), (3600.5, False)])
def test_wait_timeout_range(value, ok):
    if ok:
        assert valid(wait_timeout_seconds=value).wait_timeout_seconds == value
    else:
        assert error_of({"input": "x", "wait_timeout_seconds": value})["param"] == "wait_timeout_seconds"


def test_metadata_bounds():
    valid(metadata={f"k{i}": "v" * 512 for i in range(16)})
    valid(metadata={"k" * 64: "v"})
    for metadata in ({f"k{i}": "v" for i in range(17)}, {"k" * 65: "v"}, {"k": "v" * 513}):
        assert error_of({"input": "x", "metadata": metadata})["param"] == "metadata"
    assert error_of({"input": "x", "metadata": {"k": 1}})["param"] == "metadata.k"


def test_unknown_and_missing_parameters():
    error = error_of({"input": "x", "frequency_penalty": 0.5})
    assert (error["code"], error["param"]) == ("unknown_parameter", "frequency_penalty")
    error = error_of({"input": "x", "reasoning": {"effort": "high", "budget": 3}})
    assert (error["code"], error["param"]) == ("unknown_parameter", "reasoning.budget")
    error = error_of({"model": "m"})
    assert (error["code"], error["param"]) == ("missing_required_parameter", "input")


@pytest.mark.parametrize(("body", "param"), [
    ({"input": "x", "store": False}, "store"),
    ({"input": "x", "tools": [{"type": "web_search"}]}, "tools"),
    ({"input": "x", "tool_choice": "required"}, "tool_choice"),
    ({"input": "x", "temperature": 3}, "temperature"),
    ({"input": "x", "previous_response_id": "resp_short"}, "previous_response_id"),
    ({"input": [{"role": "user"}]}, "input[0].content"),
    ({"input": [{"role": "user", "content": "x", "extra": 1}]}, "input[0].extra"),
    ({"input": 42}, "input"),
])
def test_other_rejections_name_the_parameter(body, param):
    error = error_of(body)
    assert error["param"] == param
    assert f"'{param}'" in error["message"]


def test_message_list_becomes_context_plus_task_with_instructions_prefixed():
    request = valid(input=[{"role": "system", "content": "be terse"},
                           {"role": "developer", "content": [{"type": "input_text", "text": "dev"}]},
                           {"role": "assistant", "content": "earlier answer"},
                           {"role": "user", "content": [{"type": "input_text", "text": "do "},
                                                        {"type": "input_text", "text": "it"}]}],
                    instructions="Guidance.")
    assert _chat_messages(request) == [
        {"role": "system", "content": "be terse"},
        {"role": "system", "content": "dev"},
        {"role": "assistant", "content": "earlier answer"},
        {"role": "user", "content": "Guidance.\n\ndo it"},
    ]
    assert _chat_messages(valid(input="plain")) == [{"role": "user", "content": "plain"}]


# The Responses parameters a client may send (the spec's types), each accepted.
ACCEPTED = {
    "max_output_tokens": 2048,
    "text": {"format": {"type": "json_schema", "name": "answer", "strict": True, "description": "The result.",
                        "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
                                   "additionalProperties": False}},
             "verbosity": "low"},
    "reasoning": {"effort": "low", "summary": "auto"},
    "truncation": "disabled",
    "include": ["reasoning.encrypted_content", "message.output_text.logprobs"],
    "stream_options": {"include_obfuscation": False},
    "safety_identifier": "user-7f3a",
    "prompt_cache_key": "my-app-v2",
    "service_tier": "flex",
    "parallel_tool_calls": False,
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_openai_parameters_are_accepted(name):
    request = valid(**{name: ACCEPTED[name]})
    assert getattr(request, name) is not None
    dumped = request.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped[name] == ACCEPTED[name]


@pytest.mark.parametrize("text", [{"format": {"type": "text"}}, {"format": {"type": "json_object"}},
                                  {"verbosity": "high"}, {}])
def test_every_text_format_is_accepted(text):
    valid(text=text)


@pytest.mark.parametrize(("body", "param", "fragment"), [
    ({"max_output_tokens": 15}, "max_output_tokens", "16"),
    ({"max_output_tokens": 2**53}, "max_output_tokens", None),
    ({"text": {"format": {"type": "xml"}}}, "text.format", "json_schema"),
    ({"text": {"format": {"type": "json_schema", "name": "bad name", "schema": {}}}}, "text.format.name", None),
    ({"text": {"format": {"type": "json_schema", "name": "a", "schema": {"type": "nope"}}}}, "text.format.schema",
     "not a valid JSON Schema"),
    ({"text": {"verbosity": "loud"}}, "text.verbosity", None),
    ({"truncation": "sometimes"}, "truncation", None),
    ({"include": ["everything"]}, "include[0]", None),
    ({"stream_options": {"include_usage": True}}, "stream_options.include_usage", None),
    ({"safety_identifier": "x" * 129}, "safety_identifier", "128"),
    ({"service_tier": "gold"}, "service_tier", None),
])
def test_bad_values_of_those_parameters_name_them(body, param, fragment):
    error = error_of({"input": "x", **body})
    assert error["param"] == param, error
    if fragment is not None:
        assert fragment in error["message"]


@pytest.mark.parametrize(("tools", "kinds"), [([{"type": "function", "name": "f", "parameters": {}}], "function"),
                                              ([{"type": "web_search"}, {"type": "function"}], "function, web_search")])
def test_caller_tools_are_refused_with_a_clear_message(tools, kinds):
    error = error_of({"input": "x", "tools": tools})
    assert (error["code"], error["param"]) == ("invalid_value", "tools")
    assert f"caller-supplied tools are not supported (got: {kinds})" in error["message"]
    assert "server-side" in error["message"]
