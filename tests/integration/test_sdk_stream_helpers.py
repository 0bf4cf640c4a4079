"""The SDKs' ``responses.stream()`` helpers end to end, with the standard-only stream (``stream_events:
"standard"``): openai-python's typed helper and openai-node's accumulator, on a text turn, a tool-call turn, a
failed turn, a cancelled turn, a retried model attempt (its items discarded) and a resumed stream. Without the
option the extension events stay in the stream (and openai-node's helper refuses them)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from openai import OpenAI
from openai.types.responses import ResponseFailedEvent, ResponseIncompleteEvent
from openai.types.responses.response_output_item import McpCall

from tests.conftest import ALICE
from tests.integration.helpers import nonce, poll_until, uscript
from tests.node_sdk import Unavailable, ensure_installed, run_helper
from tests.openai_wire import EVENT_CLASSES, STANDARD_EVENT_TYPES, validate_response

MODEL = "moonshotai/Kimi-K2.6:novita"
STANDARD = {"stream_events": "standard"}


def slow_answer(text: str) -> str:
    """A turn whose answer streams for a few seconds (time to cancel it mid-text)."""
    return uscript({"say": text, "chunks": 60, "delay_ms": 50})


@pytest.fixture
def sdk(server):
    client = OpenAI(base_url=server.url + "/v1", api_key=ALICE, max_retries=0)
    yield client
    client.close()


@pytest.fixture(scope="session")
def openai_node() -> None:
    try:
        ensure_installed()
    except Unavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"openai-node is required under CI=true: {exc}")
        pytest.skip(f"openai-node is not installed and npm cannot install it: {exc}")


def python_stream(stream_manager, *, on_delta=None) -> tuple[list[Any], Any]:
    """Every event the helper yields (each checked: typed as its standard event class), and its final response
    (None when the turn did not complete: the helper then raises). The wire itself is validated strictly by
    test_standard_stream.py and test_wire_conformance.py."""
    events = []
    with stream_manager as stream:
        for event in stream:
            assert isinstance(event, EVENT_CLASSES[event.type]), (event.type, type(event).__name__)
            events.append(event)
            if on_delta is not None and event.type == "response.output_text.delta":
                on_delta(event)
        try:
            final = stream.get_final_response()
        except RuntimeError as exc:
            assert "response.completed" in str(exc)
            final = None
    numbers = [event.sequence_number for event in events]
    assert numbers == sorted(set(numbers)), numbers
    return events, final


# ---------------------------------------------------------------- openai-python

def test_python_helper_text_turn(sdk):
    answer = f"A standard stream {nonce()}, in several chunks."
    events, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript({"say": answer, "chunks": 4}),
                                                       extra_body=STANDARD))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert final.status == "completed" and final.output_text == answer
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert "".join(d.delta for d in deltas) == answer and deltas[-1].snapshot == answer
    assert final.model_extra["stream_events"] == "standard"


def test_python_helper_tool_call_turn(sdk):
    events, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript(
        {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}, {"bad_arguments": "hub_search"},
        {"say": "Tools done."}), extra_body=STANDARD))
    assert final.status == "completed" and final.output_text == "Tools done."
    ok, failed = [item for item in final.output if isinstance(item, McpCall)]
    assert ok.status == "completed" and "BAAI/bge-m3" in ok.output
    assert failed.status == "failed" and failed.error.type == "mcp_tool_execution_error"
    added = [e.item.type for e in events if e.type == "response.output_item.added"]
    assert added.count("mcp_call") == 2


def test_python_helper_failed_turn(sdk):
    events, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript(
        {"error": 500, "times": 9}, {"say": nonce()}), extra_body=STANDARD))
    assert final is None  # the helper's final response needs response.completed
    last = events[-1]
    assert isinstance(last, ResponseFailedEvent) and last.response.status == "failed"
    assert (last.response.error.code, last.response.error.type) == ("server_error", "model_provider_error")


def test_python_helper_cancelled_turn(sdk):
    manager = sdk.responses.stream(model=MODEL, input=slow_answer(f"Cut short {nonce()}."), extra_body=STANDARD)
    events, cancelled = [], False
    with manager as stream:
        for event in stream:
            events.append(event)
            if event.type == "response.output_text.delta" and not cancelled:
                sdk.responses.cancel(events[0].response.id)  # mid-answer; the stream goes on to its end event
                cancelled = True
    # The spec has no cancel event: the stream ends with response.failed carrying the cancelled response.
    last = events[-1]
    assert isinstance(last, ResponseFailedEvent)
    assert last.response.status == "cancelled" and last.response.error is None
    message_done = [e for e in events if e.type == "response.output_item.done" and e.item.type == "message"]
    assert [e.item.status for e in message_done] == ["incomplete"]
    assert not [e for e in events if e.type not in STANDARD_EVENT_TYPES]
    validate_response(last.response.model_dump(mode="json", exclude_unset=True))


def test_python_helper_retried_attempt(sdk):
    answer = f"After a dropped attempt {nonce()}."
    events, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript(
        {"fault": "drop", "after_chunks": 1}, {"say": answer, "chunks": 4}), extra_body=STANDARD))
    assert final.status == "completed" and final.output_text == answer
    # The failed attempt's items went out as they streamed, closed incomplete; the final output has only the retry.
    void = [e.item for e in events if e.type == "response.output_item.done" and e.item.status == "incomplete"]
    assert [item.type for item in void] == ["reasoning", "message"]
    assert {item.id for item in void}.isdisjoint(item.id for item in final.output)
    added = [e.output_index for e in events if e.type == "response.output_item.added"]
    assert len(added) == len(set(added)) == 4


def test_python_helper_resumes_a_standard_stream(sdk, alice):
    answer = f"Resumed {nonce()}."
    created = sdk.responses.create(model=MODEL, input=uscript({"call": "hub_repo_details", "arguments": {
        "repo_id": "BAAI/bge-m3"}}, {"say": answer}), background=True, extra_body=STANDARD)
    poll_until(alice, created.id, ("completed",))
    # The stored choice applies to the resumed stream: no extra argument needed.
    everything, final = python_stream(sdk.responses.stream(response_id=created.id))
    assert final.output_text == answer
    middle = everything[len(everything) // 2].sequence_number
    tail, final = python_stream(sdk.responses.stream(response_id=created.id, starting_after=middle))
    assert [e.sequence_number for e in tail] == [e.sequence_number for e in everything if e.sequence_number > middle]
    assert final.output_text == answer
    # The raw typed iterator too.
    raw = list(sdk.responses.retrieve(created.id, stream=True, starting_after=middle))
    assert [e.sequence_number for e in raw] == [e.sequence_number for e in tail]
    assert all(isinstance(e, EVENT_CLASSES[e.type]) for e in raw)


def test_python_helper_paused_turn_ends_with_response_incomplete(sdk):
    events, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript({"say": "after approval"}),
                                                       extra_body={**STANDARD, "max_cost_usd": 0.0001}))
    assert final is None
    last = events[-1]
    assert isinstance(last, ResponseIncompleteEvent) and last.response.status == "incomplete"
    assert last.response.model_extra["pending_approval"]["actions"][0]["kind"] == "model_call"
    sdk.post(f"/responses/{last.response.id}/approvals", body={"approve": False}, cast_to=object)


# ---------------------------------------------------------------- openai-node

def node(server, job: dict[str, Any]) -> dict[str, Any]:
    result = run_helper(server.url + "/v1", ALICE, job)
    for event in result["events"]:
        assert event["type"] in STANDARD_EVENT_TYPES, event
    numbers = [event["sequence_number"] for event in result["events"]]
    assert numbers == sorted(set(numbers)), numbers
    return result


@pytest.mark.npm
def test_node_helper_text_turn(server, openai_node):
    answer = f"Node reads it {nonce()}."
    result = node(server, {"create": {"model": MODEL, "input": uscript({"say": answer, "chunks": 4}), **STANDARD}})
    assert result["error"] is None
    assert result["final"]["status"] == "completed" and result["final"]["output_text"] == answer
    assert result["final"]["shown_text"] == answer


@pytest.mark.npm
def test_node_helper_tool_call_turn(server, openai_node):
    result = node(server, {"create": {"model": MODEL, "input": uscript(
        {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}, {"bad_arguments": "hub_search"},
        {"say": "Tools done."}), **STANDARD}})
    assert result["error"] is None
    calls = [item for item in result["final"]["output"] if item["type"] == "mcp_call"]
    assert [call["status"] for call in calls] == ["completed", "failed"]
    assert calls[1]["error"]["type"] == "mcp_tool_execution_error"
    assert result["final"]["output_text"] == "Tools done."


@pytest.mark.npm
def test_node_helper_failed_turn(server, openai_node):
    result = node(server, {"create": {"model": MODEL, "input": uscript({"error": 500, "times": 9}, {"say": nonce()}),
                                      **STANDARD}})
    assert result["error"] is None
    assert result["events"][-1]["type"] == "response.failed"
    assert result["final"]["status"] == "failed"
    assert result["final"]["error"]["code"] == "server_error"


@pytest.mark.npm
def test_node_helper_cancelled_turn(server, openai_node):
    result = node(server, {"create": {"model": MODEL, "input": slow_answer(f"Node cut {nonce()}."), **STANDARD},
                           "cancel_after_delta": True})
    assert result["error"] is None
    assert result["events"][-1]["type"] == "response.failed" and result["events"][-1]["status"] == "cancelled"
    assert result["final"]["status"] == "cancelled"
    message = [e["item"] for e in result["events"] if e["type"] == "response.output_item.done"
               and e["item"]["type"] == "message"]
    assert [item["status"] for item in message] == ["incomplete"]


@pytest.mark.npm
def test_node_helper_retried_attempt(server, openai_node):
    answer = f"Node after a drop {nonce()}."
    result = node(server, {"create": {"model": MODEL, "input": uscript(
        {"fault": "drop", "after_chunks": 1}, {"say": answer, "chunks": 4}), **STANDARD}})
    assert result["error"] is None
    assert result["final"]["status"] == "completed" and result["final"]["output_text"] == answer
    assert [item["type"] for item in result["final"]["output"]] == ["reasoning", "message"]


@pytest.mark.npm
def test_node_helper_resumes_a_standard_stream(server, openai_node, alice):
    answer = f"Node resumed {nonce()}."
    created = alice.post("/v1/responses", json={"input": uscript({"say": answer}), "background": True,
                                                **STANDARD}).json()
    poll_until(alice, created["id"], ("completed",))
    result = node(server, {"response_id": created["id"], "starting_after": 3})
    assert result["error"] is None
    assert result["events"] and all(e["sequence_number"] > 3 for e in result["events"])
    assert result["final"]["output_text"] == answer


@pytest.mark.npm
def test_node_helper_refuses_extension_events_without_the_option(server, openai_node):
    # Why the option exists: extension events stay in the default stream, and openai-node's accumulator refuses
    # any event type it does not know.
    result = run_helper(server.url + "/v1", ALICE, {"create": {"model": MODEL, "input": uscript({"say": "hi"})}})
    assert result["error"] is not None and "Unhandled response stream event" in result["error"]
    assert '"type":"response.llm_call"' in result["error"]  # the first extension event of every turn


@pytest.mark.npm
def test_concurrent_helpers_do_not_interfere(server, sdk, openai_node):
    """A Python and a Node helper follow their own turns at once (each stream filters its own events)."""
    answers = [f"Parallel {nonce()} one.", f"Parallel {nonce()} two."]
    results: dict[str, Any] = {}

    def run_node() -> None:
        results["node"] = node(server, {"create": {"model": MODEL, "input": uscript({"say": answers[1],
                                                                                    "chunks": 5}), **STANDARD}})

    worker = threading.Thread(target=run_node)
    worker.start()
    _, final = python_stream(sdk.responses.stream(model=MODEL, input=uscript({"say": answers[0], "chunks": 5}),
                                                  extra_body=STANDARD))
    worker.join(60)
    assert final.output_text == answers[0]
    assert results["node"]["final"]["output_text"] == answers[1]


def _approved_and_completed(alice, answer: str) -> str:
    """A standard-stream response that paused at its cap, was approved with a raised cap, and completed."""
    created = alice.post("/v1/responses", json={"input": uscript({"say": answer}), "background": True,
                                                "max_cost_usd": 0.0001, **STANDARD}).json()
    poll_until(alice, created["id"], ("incomplete",))
    assert alice.post(f"/v1/responses/{created['id']}/approvals",
                      json={"approve": True, "new_max_cost_usd": 1.0}).status_code == 200
    poll_until(alice, created["id"], ("completed",))
    return created["id"]


def test_python_helper_replays_a_resumed_pause_to_the_end(sdk, alice):
    answer = f"Approved {nonce()}."
    response_id = _approved_and_completed(alice, answer)
    events, final = python_stream(sdk.responses.stream(response_id=response_id))
    types = [e.type for e in events]
    assert "response.incomplete" in types and types[-1] == "response.completed"
    assert final.output_text == answer


@pytest.mark.npm
def test_node_helper_replays_a_resumed_pause_to_the_end(server, openai_node, alice):
    answer = f"Node approved {nonce()}."
    response_id = _approved_and_completed(alice, answer)
    result = node(server, {"response_id": response_id})
    assert result["error"] is None
    types = [e["type"] for e in result["events"]]
    assert "response.incomplete" in types and types[-1] == "response.completed"
    assert result["final"]["output_text"] == answer
