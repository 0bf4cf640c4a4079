"""The agent loop seen through /v1: server-side tool calls, malformed arguments, retries, failures and bounds."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_settings, run_server
from tests.integration.helpers import acting, all_events, chat_requests, create, nonce, settle, uscript

PARALLEL = [{"call": "hub_search", "arguments": {"search": "whisper", "limit": 3}},
            {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}]


def test_parallel_tool_calls_become_mcp_call_items_then_the_answer(alice, emulator):
    body = create(alice, uscript({"say": "Looking.", "calls": PARALLEL}, {"say": "Use BAAI/bge-m3."}))
    assert body["status"] == "completed"
    # The default model thinks before each model answer: a reasoning item leads each step.
    kinds = [item["type"] for item in body["output"]]
    assert kinds == ["reasoning", "message", "mcp_call", "mcp_call", "reasoning", "message"]
    search, details = body["output"][2], body["output"][3]
    assert search["name"] == "hub_search" and json.loads(search["arguments"]) == PARALLEL[0]["arguments"]
    assert details["name"] == "hub_repo_details" and json.loads(details["arguments"]) == PARALLEL[1]["arguments"]
    for item in (search, details):
        assert item["status"] == "completed" and item["error"] is None
        assert item["server_label"] == "ml-intern" and item["id"].startswith("mcp_")
        assert 0 < len(item["output"].encode()) <= 4096
    assert "openai/whisper" in search["output"]
    assert '"id": "BAAI/bge-m3"' in details["output"]
    assert body["output"][-1]["content"][0]["text"] == "Use BAAI/bge-m3."
    assert body["output_text"] == "Looking.Use BAAI/bge-m3."

    first, second = chat_requests(emulator, body["session_id"])
    for request in (first, second):
        # Sent as the caller (the emulator rewrites the bearer to the account name), attributed to the session.
        assert request["headers"]["authorization"] == "Bearer alice"
        assert request["account"] == "alice"
        assert request["headers"]["x-hf-session-id"] == body["session_id"]
        assert request["json"]["stream"] is True
        assert request["json"]["stream_options"] == {"include_usage": True}
        offered = {tool["function"]["name"] for tool in request["json"]["tools"]}
        assert {"hub_search", "hub_repo_details"} <= offered
    tool_messages = [m for m in second["json"]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0_0", "call_0_1"]
    assert tool_messages[0]["content"] == search["output"]
    assert tool_messages[1]["content"] == details["output"]
    assistant = [m for m in second["json"]["messages"] if m["role"] == "assistant"][-1]
    assert [c["function"]["name"] for c in assistant["tool_calls"]] == ["hub_search", "hub_repo_details"]


def test_tool_output_is_bounded_to_4kb_and_streamed_in_full_as_tool_log(alice):
    body = create(alice, uscript({"call": "hub_search", "arguments": {"limit": 50}}, {"say": "Listed."}))
    assert body["status"] == "completed"
    item = acting(body["output"])[0]
    assert item["type"] == "mcp_call" and item["status"] == "completed"
    assert len(item["output"].encode()) <= 4096
    logs = [e for e in all_events(alice, body["id"]) if e["type"] == "response.tool_log"]
    full = "".join(e["text"] for e in logs if e["item_id"] == item["id"])
    assert len(full.encode()) > 4096
    # The head and the tail (where a log's outcome is), with a marker saying how much is left out between.
    head, omitted, tail = re.fullmatch(r"(.*)\n…\[(\d+) bytes omitted; the full output streamed as "
                                       r"response.tool_log\]…\n(.*)", item["output"], re.S).groups()
    assert head and tail and full.startswith(head) and full.endswith(tail)
    assert int(omitted) == len(full.encode()) - len(head.encode()) - len(tail.encode())


def test_malformed_arguments_fail_the_item_and_the_turn_goes_on(alice, emulator):
    body = create(alice, uscript({"bad_arguments": "hub_search"}, {"say": "Recovered."}))
    assert body["status"] == "completed"
    item = acting(body["output"])[0]
    assert item["type"] == "mcp_call" and item["name"] == "hub_search"
    assert item["status"] == "failed" and item["output"] is None
    # The spec's object form: the tool's result, as the model read it.
    assert item["error"]["type"] == "mcp_tool_execution_error"
    [block] = item["error"]["content"]
    assert block["type"] == "text" and "JSON" in block["text"]
    assert body["output"][-1]["content"][0]["text"] == "Recovered."
    # The model was told what went wrong, so it can fix its call.
    second = chat_requests(emulator, body["session_id"])[1]
    [tool_message] = [m for m in second["json"]["messages"] if m["role"] == "tool"]
    assert "JSON" in tool_message["content"]


def test_unknown_tool_fails_the_item_and_the_turn_completes(alice):
    body = create(alice, uscript({"call": "no_such_tool", "arguments": {}}, {"say": "Fine."}))
    assert body["status"] == "completed"
    item = acting(body["output"])[0]
    assert item["name"] == "no_such_tool" and item["status"] == "failed"
    # It never reached a tool: an MCP protocol error, JSON-RPC "Invalid params" as an MCP server answers.
    error = item["error"]
    assert error["type"] == "mcp_protocol_error" and error["code"] == -32602
    assert "Unknown tool" in error["message"] and "hub_search" in error["message"]
    assert body["output_text"] == "Fine."


def test_rate_limited_model_calls_are_retried(alice):
    body = create(alice, uscript({"error": 429, "times": 2}, {"say": f"After retries {nonce()}."}))
    assert body["status"] == "completed"
    assert body["output_text"].startswith("After retries")
    calls = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    assert [(c["attempt"], c["status"]) for c in calls] == [(1, "error"), (2, "error"), (3, "ok")]
    assert all(c["error_code"] == "model_rate_limited" and c["will_retry"] for c in calls[:2])
    # The failed attempts streamed nothing, so the answer is one clean message.
    assert [item["type"] for item in body["output"]] == ["reasoning", "message"]
    assert "error" not in calls[0] and "error" not in calls[-1]  # extension events carry no top-level error


def test_persistent_provider_errors_fail_the_run_not_the_request(alice):
    reply = alice.post("/v1/responses", json={"input": uscript({"error": 500, "times": 10}, {"say": nonce()})})
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["type"]) == ("server_error", "model_provider_error")
    assert "500" in body["error"]["message"]
    assert body["completed_at"] is None  # set only on a completed response
    calls = [e for e in all_events(alice, body["id"]) if e["type"] == "response.llm_call"]
    assert len(calls) == 4 and calls[-1]["will_retry"] is False
    assert all(c["status"] == "error" for c in calls)


def test_repeating_the_same_call_ends_the_turn(alice, emulator):
    same = {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}
    body = create(alice, uscript(*[same] * 6, {"say": "never reached"}))
    assert body["status"] == "failed"
    assert (body["error"]["code"], body["error"]["type"]) == ("server_error", "repetition_detected")
    calls = [item for item in body["output"] if item["type"] == "mcp_call"]
    assert len(calls) == 6
    # From the third identical result on, the model is warned.
    requests = chat_requests(emulator, body["session_id"])
    assert len(requests) == 6
    tool_messages = [m for m in requests[-1]["json"]["messages"] if m["role"] == "tool"]
    assert "Do not repeat it" not in tool_messages[1]["content"]
    assert "Do not repeat it" in tool_messages[2]["content"]


@pytest.fixture(scope="module")
def bounded_server(emulator, tmp_path_factory):
    path = tmp_path_factory.mktemp("bounded") / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}", max_iterations=3), path) as handle:
        yield handle


def test_iteration_bound_fails_the_turn(bounded_server):
    steps = [{"call": "hub_search", "arguments": {"search": f"q{i}", "limit": 1}} for i in range(5)]
    with bounded_server.client() as client:
        reply = client.post("/v1/responses", json={"input": uscript(*steps, {"say": "never"})})
        assert reply.status_code == 200
        body = reply.json()
        assert body["status"] == "failed"
        assert (body["error"]["code"], body["error"]["type"]) == ("server_error", "max_iterations_exceeded")
        assert "3" in body["error"]["message"]
        assert len([item for item in body["output"] if item["type"] == "mcp_call"]) == 3
        # The bound is not a dead end: a chained turn runs.
        follow = client.post("/v1/responses", json={"input": "Summarise.", "previous_response_id": body["id"]})
        assert follow.status_code == 200 and follow.json()["status"] == "completed"


def test_a_turn_within_the_bound_completes(bounded_server):
    with bounded_server.client() as client:
        steps = [{"call": "hub_search", "arguments": {"search": f"q{i}", "limit": 1}} for i in range(2)]
        body = client.post("/v1/responses", json={"input": uscript(*steps, {"say": "Done in three."})}).json()
        assert body["status"] == "completed" and body["output_text"] == "Done in three."
        assert settle(client, body["id"])["status"] == "completed"
