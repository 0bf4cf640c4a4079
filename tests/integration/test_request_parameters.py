"""The Responses parameters OpenAI clients send are accepted with the spec's types, echoed on the response, and
honoured where they mean something for an agent run: ``max_output_tokens`` (a budget across the response's model
calls), ``text`` (the final answer's format, checked by the server; verbosity), ``truncation``,
``parallel_tool_calls``; ``reasoning`` as before. The others are echoed (or, ``stream_options`` and ``include``,
accepted) and change nothing."""

from __future__ import annotations

import json

import pytest
from openai import OpenAI
from pydantic import BaseModel

from agent.answer_format import FORMAT_RETRIES
from tests.conftest import ALICE, script
from tests.integration.helpers import all_events, chat_requests, create, nonce, uscript, validate_response

MODEL = "moonshotai/Kimi-K2.6:novita"
SPANS = {"span_user_messages": True}  # the emulated model answers the server's correction too


def sdk_client(server) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key=ALICE, max_retries=0)


def test_every_parameter_is_accepted_and_echoed_through_the_sdk(server, alice):
    with sdk_client(server) as client:
        response = client.responses.create(
            model=MODEL, input=uscript({"say": '{"ok": true}'}), max_output_tokens=4096,
            text={"format": {"type": "json_object"}, "verbosity": "low"}, reasoning={"effort": "low"},
            truncation="auto", include=["reasoning.encrypted_content"], safety_identifier="user-7f3a",
            prompt_cache_key="my-app-v2", service_tier="flex", parallel_tool_calls=False)
        assert response.status == "completed" and response.output_text == '{"ok": true}'
        assert response.max_output_tokens == 4096 and response.truncation == "auto"
        assert (response.text.format.type, response.text.verbosity) == ("json_object", "low")
        assert response.reasoning.effort == "low" and response.parallel_tool_calls is False
        assert (response.safety_identifier, response.prompt_cache_key) == ("user-7f3a", "my-app-v2")
        assert response.service_tier == "default"  # the processing actually used, as the spec echoes it
        # stream_options goes with a stream.
        with client.responses.create(model=MODEL, input=uscript({"say": "streamed"}), stream=True,
                                     stream_options={"include_obfuscation": False}) as stream:
            events = list(stream)
        assert events[-1].type == "response.completed"
        assert all(not getattr(e, "obfuscation", None) for e in events)
    stored = validate_response(alice.get(f"/v1/responses/{response.id}").json())  # strictly, as the spec's
    assert stored["text"] == {"format": {"type": "json_object"}, "verbosity": "low"}
    # Left out, the spec's defaults are echoed (truncation: what the agent does, compact its context).
    plain = create(alice, uscript({"say": "plain"}))
    assert plain["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert (plain["max_output_tokens"], plain["truncation"], plain["service_tier"]) == (None, "auto", "default")


# ---------------------------------------------------------------- max_output_tokens

def test_max_output_tokens_is_a_budget_across_the_responses_model_calls(alice, emulator):
    budget = 300
    body = create(alice, uscript(
        {"think": "Look the model up first.", "think_tokens": 150,
         "call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
        {"think": "Now a long answer.", "think_tokens": 1000, "say": "never reached"}), max_output_tokens=budget)
    # The spec's outcome of a spent budget: incomplete, with what the response did so far.
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["usage"]["output_tokens"] == budget
    assert [item["status"] for item in body["output"] if item["type"] == "mcp_call"] == ["completed"]
    assert body["output_text"] == ""
    calls = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    requests = chat_requests(emulator, body["session_id"])
    # Each call is sent what is left, and no retry asks for more (the reasoning-budget retry stops at the budget).
    assert [r["json"]["max_tokens"] for r in requests] == [budget, budget - calls[0]["output_tokens"]]
    # Not a failure: the session goes on with a chained request.
    follow = create(alice, uscript({"say": f"Continued {nonce()}."}), previous_response_id=body["id"])
    assert follow["status"] == "completed"


@pytest.mark.parametrize("budget", [None, 1_000_000])
def test_a_budget_above_the_ceiling_is_not_sent(alice, emulator, budget):
    """Without a budget, or with one above what the server would ask for (ML_INTERN_LLM_MAX_OUTPUT_TOKENS_CEILING),
    the model calls get the server's own max_tokens (here none): providers refuse a max_tokens beyond the model's."""
    body = create(alice, uscript({"say": "no budget"}), **({"max_output_tokens": budget} if budget else {}))
    assert body["status"] == "completed" and body["max_output_tokens"] == budget
    assert [r["json"].get("max_tokens") for r in chat_requests(emulator, body["session_id"])] == [None]


# ---------------------------------------------------------------- text.format

class RepoFact(BaseModel):
    repo_id: str
    downloads: int


def test_a_json_schema_answer_parses_with_the_sdk(server, emulator):
    answer = json.dumps({"repo_id": "BAAI/bge-m3", "downloads": 12})
    with sdk_client(server) as client:
        parsed = client.responses.parse(model=MODEL, input=uscript({"say": answer}), text_format=RepoFact)
    assert parsed.status == "completed"
    assert parsed.output_parsed == RepoFact(repo_id="BAAI/bge-m3", downloads=12)
    assert parsed.text.format.type == "json_schema" and parsed.text.format.strict is True
    # The model was told: the schema is in its system prompt.
    [request] = chat_requests(emulator, parsed.model_extra["session_id"])
    system = request["json"]["messages"][0]["content"]
    assert "JSON Schema" in system and '"downloads"' in system


def test_an_answer_in_the_wrong_format_is_discarded_and_asked_again(alice, emulator):
    good = json.dumps({"repo_id": "BAAI/bge-m3", "downloads": 7})
    body = create(alice, uscript(SPANS, {"say": f"Here it is: {good}"}, {"say": good}),
                  text={"format": {"type": "json_object"}})
    assert body["status"] == "completed" and body["output_text"] == good
    assert [item["type"] for item in body["output"] if item["type"] == "message"] == ["message"]
    events = all_events(alice, body["id"])
    assert [e["type"] for e in events].count("response.output_item.discarded") == 1
    rejected = next(e for e in events if e["type"] == "response.llm_call" and e.get("answer_format_error"))
    assert "not valid JSON" in rejected["answer_format_error"]
    first, second = chat_requests(emulator, body["session_id"])
    assert "rejected" in second["json"]["messages"][-1]["content"]
    # The history keeps only the answer that passed: a chained turn's model sees no rejected text.
    follow = create(alice, uscript({"say": "ok"}), previous_response_id=body["id"])
    sent = chat_requests(emulator, body["session_id"])[-1]["json"]["messages"]
    assert follow["status"] == "completed"
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [good]
    assert not any("rejected" in (m["content"] or "") for m in sent if m["role"] == "user")


def test_a_strict_schema_keeps_failing_then_the_turn_fails(alice, emulator):
    wrong = json.dumps({"repo_id": "BAAI/bge-m3", "downloads": "many"})
    text = {"format": {"type": "json_schema", "name": "repo_fact", "strict": True,
                       "schema": RepoFact.model_json_schema()}}
    body = create(alice, uscript(SPANS, *[{"say": wrong}] * (FORMAT_RETRIES + 1)), text=text)
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["type"]) == ("server_error", "answer_format_invalid")
    assert "downloads" in body["error"]["message"]
    assert len(chat_requests(emulator, body["session_id"])) == FORMAT_RETRIES + 1
    # Without strict, the schema guides the model and any JSON answer stands.
    loose = create(alice, uscript({"say": wrong}), text={"format": {**text["format"], "strict": False}})
    assert loose["status"] == "completed" and loose["output_text"] == wrong


def test_verbosity_is_told_to_the_model(alice, emulator):
    body = create(alice, uscript({"say": "short"}), text={"verbosity": "low"})
    system = chat_requests(emulator, body["session_id"])[0]["json"]["messages"][0]["content"]
    assert "short" in system.lower() and body["text"]["verbosity"] == "low"


# ---------------------------------------------------------------- truncation, parallel_tool_calls

def test_truncation_disabled_sends_the_whole_context(alice, emulator):
    context = [{"role": "user", "content": f"{i} " + "x" * 99_000} for i in range(4)]
    task = {"role": "user", "content": script({"say": "done"}, prompt=f"Summarise {nonce()}.")}
    for truncation, whole in (("disabled", True), ("auto", False)):
        reply = alice.post("/v1/responses", json={"input": [*context, task], "truncation": truncation})
        body = validate_response(reply.json())
        assert body["status"] == "completed" and body["truncation"] == truncation
        sent = chat_requests(emulator, body["session_id"])[0]["json"]["messages"]
        assert (sum(len(m["content"] or "") for m in sent) > 396_000) is whole


def test_parallel_tool_calls_false_runs_the_calls_one_after_another(alice):
    calls = [{"call": "hub_repo_details", "arguments": {"repo_id": repo}} for repo in ("BAAI/bge-m3", "Qwen/Qwen3-0.6B")]
    order = {}
    for parallel in (True, False):
        body = create(alice, uscript(calls, {"say": "both"}), parallel_tool_calls=parallel)
        assert body["status"] == "completed" and body["parallel_tool_calls"] is parallel
        order[parallel] = [(e["type"].rsplit(".", 1)[1], e["item"]["name"]) for e in all_events(alice, body["id"])
                           if e["type"].startswith("response.output_item.") and e["item"]["type"] == "mcp_call"]
    assert [kind for kind, _ in order[True]] == ["added", "added", "done", "done"]  # concurrently
    assert [kind for kind, _ in order[False]] == ["added", "done", "added", "done"]


def test_caller_function_tools_are_refused_with_a_clear_message(alice):
    reply = alice.post("/v1/responses", json={"input": "x", "tools": [
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_value", "tools")
    assert "caller-supplied tools are not supported (got: function)" in error["message"]
