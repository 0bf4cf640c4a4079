"""The openai SDK (3.x) against the server: create/retrieve/cancel via base_url + extra_body, retrieve(stream=True,
starting_after=N), errors it maps, and what it does (not) retry."""

from __future__ import annotations

import time

import openai
import pytest
from openai import OpenAI

from tests.conftest import ALICE, BOB
from tests.integration.helpers import CountingClient, nonce, settle, uscript

MODEL = "moonshotai/Kimi-K2.6:novita"


@pytest.fixture
def sdk(server):
    client = CountingClient(server)
    yield client
    client.close()


def wait_completed(client: OpenAI, response_id: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        response = client.responses.retrieve(response_id)
        if response.status in ("completed", "failed", "cancelled", "incomplete"):
            return response
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_create_background_retrieve_until_completed(sdk):
    created = sdk.sdk.responses.create(model=MODEL, input=uscript({"say": "SDK answer."}), background=True,
                                       extra_body={"max_cost_usd": 3.0}, metadata={"via": "sdk"})
    assert isinstance(created, openai.types.responses.Response)
    assert created.id.startswith("resp_") and created.status == "queued"
    assert created.background is True and created.metadata == {"via": "sdk"}
    # Extensions ride along as extra fields.
    assert created.model_extra["max_cost_usd"] == 3.0
    assert created.model_extra["session_id"].startswith("sess_")
    done = wait_completed(sdk.sdk, created.id)
    assert done.status == "completed"
    assert done.output_text == "SDK answer."
    assert done.usage.input_tokens > 0 and done.usage.output_tokens_details.reasoning_tokens > 0
    reasoning, message = done.output
    assert isinstance(reasoning, openai.types.responses.ResponseReasoningItem) and reasoning.content[0].text
    assert message.content[0].annotations == []


def test_tool_calls_parse_as_mcp_call_items(sdk):
    created = sdk.sdk.responses.create(model=MODEL, input=uscript(
        {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}, {"bad_arguments": "hub_search"},
        {"say": "Parsed."}))
    assert created.status == "completed"
    kinds = [type(item).__name__ for item in created.output]
    assert kinds == ["ResponseReasoningItem", "McpCall", "ResponseReasoningItem", "McpCall",
                     "ResponseReasoningItem", "ResponseOutputMessage"]
    ok, failed = created.output[1], created.output[3]
    assert ok.name == "hub_repo_details" and ok.status == "completed" and "BAAI/bge-m3" in ok.output
    assert ok.server_label == "ml-intern"
    # The spec's object form of a failed call: the tool's result the agent read.
    assert failed.status == "failed" and failed.output is None
    assert failed.error.type == "mcp_tool_execution_error" and "JSON" in failed.error.content[0]["text"]
    assert created.output_text == "Parsed."


def test_cancel_through_the_sdk(sdk):
    created = sdk.sdk.responses.create(model=MODEL, input=uscript({"hang_ms": 30_000}, {"say": "x"}),
                                       background=True)
    cancelled = sdk.sdk.responses.cancel(created.id)
    assert cancelled.id == created.id and cancelled.status in ("queued", "in_progress", "cancelled")
    assert wait_completed(sdk.sdk, created.id).status == "cancelled"
    # Idempotent: cancelling a finished response returns it unchanged.
    again = sdk.sdk.responses.cancel(created.id)
    assert again.status == "cancelled"
    assert again.model_dump() == sdk.sdk.responses.retrieve(created.id).model_dump()


def test_retrieve_stream_starting_after_yields_later_events(sdk):
    created = sdk.sdk.responses.create(model=MODEL, input=uscript({"say": "one two three", "chunks": 3}),
                                       background=True)
    wait_completed(sdk.sdk, created.id)
    events = list(sdk.sdk.responses.retrieve(created.id, stream=True, starting_after=2))
    numbers = [e.sequence_number for e in events]
    assert numbers == list(range(3, 3 + len(events)))
    assert events[-1].type == "response.completed"
    assert isinstance(events[-1], openai.types.responses.ResponseCompletedEvent)
    assert events[-1].response.output_text == "one two three"
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert isinstance(deltas[0], openai.types.responses.ResponseTextDeltaEvent)
    assert "".join(d.delta for d in deltas) == "one two three"
    # Extension events: the SDK does not know their names. It neither raises nor drops them: it yields a
    # loosely-constructed model (of an unrelated union member) whose `type` and fields are still readable.
    [llm_call] = [e for e in events if e.type == "response.llm_call"]
    assert llm_call.sequence_number in numbers
    assert getattr(llm_call, "status") == "ok" and getattr(llm_call, "attempt") == 1


def test_stream_create_through_the_sdk(sdk):
    stream = sdk.sdk.responses.create(model=MODEL, input=uscript({"say": "streamed by the SDK", "chunks": 4}),
                                      stream=True)
    events = list(stream)
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].response.output_text == "streamed by the SDK"


def test_the_sdks_stream_helper_follows_a_retried_model_call(sdk):
    # A model attempt dropped after its first chunk is retried: the SDK's accumulating helper takes the voided
    # items (closed incomplete, their indexes never reused) and ends with the clean response.
    answer = f"PARTIAL-streamed again by the SDK {nonce()}."
    with sdk.sdk.responses.stream(model=MODEL, input=uscript({"fault": "drop", "after_chunks": 1},
                                                             {"say": answer, "chunks": 4})) as stream:
        events = list(stream)
        final = stream.get_final_response()
    shown = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert shown.startswith("PARTIAL-") and shown != answer  # the dropped attempt was shown, then voided
    assert [e.item.status for e in events if e.type == "response.output_item.done"][:2] == ["incomplete"] * 2
    assert final.status == "completed" and final.output_text == answer
    assert [(item.type, item.status) for item in final.output] == [("reasoning", "completed"), ("message", "completed")]


def test_busy_session_409_is_not_retried_by_the_sdk(sdk):
    running = sdk.sdk.responses.create(model=MODEL, input=uscript({"hang_ms": 30_000}, {"say": "x"}),
                                       background=True)
    try:
        sdk.requests.clear()
        with pytest.raises(openai.ConflictError) as raised:
            sdk.sdk.responses.create(model=MODEL, input="next", previous_response_id=running.id)
        assert raised.value.status_code == 409
        assert raised.value.code == "session_busy"
        assert raised.value.response.headers["x-should-retry"] == "false"
        assert sdk.requests == [("POST", "/v1/responses")]  # one attempt, no retry
    finally:
        sdk.sdk.responses.cancel(running.id)
        wait_completed(sdk.sdk, running.id)


def test_idempotency_key_makes_sdk_retries_safe(sdk):
    key = f"sdk-{nonce()}"
    task = uscript({"say": "idempotent"})
    first = sdk.sdk.responses.create(model=MODEL, input=task, background=True, extra_headers={"Idempotency-Key": key})
    second = sdk.sdk.responses.create(model=MODEL, input=task, background=True,
                                      extra_headers={"Idempotency-Key": key})
    assert first.id == second.id


def test_sdk_error_types(server):
    with OpenAI(base_url=server.url + "/v1", api_key="hf_emu_nobody", max_retries=0) as anonymous:
        with pytest.raises(openai.AuthenticationError):
            anonymous.responses.retrieve("resp_" + "0" * 32)
    with OpenAI(base_url=server.url + "/v1", api_key=ALICE, max_retries=0) as alice, \
            OpenAI(base_url=server.url + "/v1", api_key=BOB, max_retries=0) as bob:
        with pytest.raises(openai.NotFoundError) as missing:
            alice.responses.retrieve("resp_" + "0" * 32)
        assert missing.value.code == "response_not_found"
        with pytest.raises(openai.BadRequestError) as bad:
            alice.responses.create(model="acme/unknown", input="x")
        assert bad.value.code == "model_not_found" and bad.value.param == "model"
        with pytest.raises(openai.BadRequestError) as unknown:
            alice.responses.create(model=MODEL, input="x", extra_body={"max_cost": 1})
        assert unknown.value.code == "unknown_parameter"
        mine = alice.responses.create(model=MODEL, input=uscript({"say": "mine"}))
        with pytest.raises(openai.NotFoundError):
            bob.responses.retrieve(mine.id)
        with pytest.raises(openai.NotFoundError):
            bob.responses.cancel(mine.id)


def test_failure_inside_a_run_is_a_failed_response_not_an_exception(sdk):
    failed = sdk.sdk.responses.create(model=MODEL, input=uscript({"error": 500, "times": 10}, {"say": nonce()}))
    assert failed.status == "failed"
    # The spec's code, and the precise reason in the spec's free-text "original error type".
    assert failed.error.code == "server_error" and failed.error.type == "model_provider_error"


def test_chaining_through_the_sdk(sdk, server):
    first = sdk.sdk.responses.create(model=MODEL, input=uscript({"say": "first turn"}))
    second = sdk.sdk.responses.create(model=MODEL, input=uscript({"say": "second turn"}),
                                      previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert second.model_extra["session_id"] == first.model_extra["session_id"]
    with server.client() as http:
        assert settle(http, second.id)["output_text"] == "second turn"
