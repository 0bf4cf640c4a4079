"""The MCP front door on the real app (``responses_api.app.create_app``), uvicorn on a loopback port, against the
Hugging Face emulator and its scripted model, driven by the MCP SDK's own client (and the MCP Inspector CLI)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid

import httpx
import pytest

from tests.conftest import ALICE, BOB, CAROL_NO_INFERENCE, ORG_TOKEN, script
from tests.mcp.conftest import mcp_client


def text_of(result) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def poll(client, response_id: str, since: int, *, timeout: float = 60) -> tuple[dict, str]:
    text = ""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await client.call_tool("get_response", {"response_id": response_id, "since_sequence": since,
                                                         "wait_seconds": 10})
        assert not result.is_error, text_of(result)
        snap = result.structured_content
        text += snap["new_output_text"] or ""
        since = snap["last_sequence"]
        if snap["status"] not in ("queued", "in_progress"):
            return snap, text
    raise AssertionError("the response did not settle")


async def test_lists_tools_with_output_schemas(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        assert "submit_task" in (client.instructions or "")
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"submit_task", "get_response", "approve", "cancel", "list_artifacts"}
    assert all(t.output_schema for t in tools.values())
    assert tools["submit_task"].input_schema["properties"]["input"]["maxLength"] == 100_000


async def test_quick_question_comes_back_completed(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        result = await client.call_tool("submit_task", {"input": script({"say": "Paris."}), "wait_seconds": 20})
    assert not result.is_error, text_of(result)
    snap = result.structured_content
    assert snap["status"] == "completed", snap
    assert snap["output_text"] == "Paris."
    assert snap["usage"]["output_tokens"] > 0


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_submit_poll_completed_with_tool_call_and_progress(mcp_url_any: str, mode: str) -> None:
    task = script({"call": "hub_search", "arguments": {"kind": "model", "search": "bge"}},
                  {"say": "Found BAAI/bge-m3 and more.", "chunks": 8, "delay_ms": 150})
    messages: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message)

    async with mcp_client(mcp_url_any, mode=mode) as client:
        submitted = await client.call_tool("submit_task", {"input": task, "wait_seconds": 0})
        assert not submitted.is_error, text_of(submitted)
        snap = submitted.structured_content
        assert snap["status"] in ("queued", "in_progress")
        waited = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 30},
                                        progress_callback=on_progress)
        assert not waited.is_error, text_of(waited)
        final = waited.structured_content
        if final["status"] != "completed":
            final, _ = await poll(client, snap["response_id"], final["last_sequence"])
        full = (await client.call_tool("get_response", {"response_id": snap["response_id"]})).structured_content
    assert final["status"] == "completed"
    assert full["output_text"] == "Found BAAI/bge-m3 and more."
    assert [c["name"] for c in full["tool_calls"]] == ["hub_search"]
    assert full["tool_calls"][0]["status"] == "completed" and full["tool_calls"][0]["output_preview"]
    assert any(m and m.startswith("waiting for") for m in messages), messages
    assert any(m and "hub_search" in m for m in messages) or any(
        m and m.startswith("streaming answer") for m in messages), messages


async def test_since_sequence_returns_only_new_text(mcp_url_any: str) -> None:
    words = "one two three four five six seven eight"
    async with mcp_client(mcp_url_any) as client:
        submitted = (await client.call_tool("submit_task", {
            "input": script({"say": words, "chunks": 8, "delay_ms": 250}), "wait_seconds": 0})).structured_content
        final, text = await poll(client, submitted["response_id"], submitted["last_sequence"])
        assert final["status"] == "completed"
        assert text == words
        again = (await client.call_tool("get_response", {
            "response_id": submitted["response_id"], "since_sequence": final["last_sequence"]})).structured_content
        assert again["new_output_text"] == "" and again["last_sequence"] == final["last_sequence"]


async def test_text_of_a_failed_model_attempt_is_replaced_not_kept(mcp_url_any: str) -> None:
    # The model's connection drops after 4 of 6 slow chunks; the retry answers whole. A poller that received part
    # of the dropped attempt's text gets the whole snapshot once it is void: its output_text replaces the text.
    answer = f"one two three four five six {uuid.uuid4().hex[:8]}"
    task = script({"fault": "drop", "after_chunks": 4}, {"say": answer, "chunks": 6, "delay_ms": 400})
    async with mcp_client(mcp_url_any) as client:
        snap = (await client.call_tool("submit_task", {"input": task, "wait_seconds": 0})).structured_content
        text, replaced = "", False
        while snap["status"] in ("queued", "in_progress"):
            result = await client.call_tool("get_response", {"response_id": snap["response_id"],
                                                             "since_sequence": snap["last_sequence"],
                                                             "wait_seconds": 1})
            assert not result.is_error, text_of(result)
            snap = result.structured_content
            if snap["output_text"] is not None:
                text, replaced = snap["output_text"], True
            else:
                text += snap["new_output_text"]
    assert snap["status"] == "completed" and text == answer
    # 1-second polls over 1.6 s of text before the drop: some poll returned part of the dropped attempt's text.
    assert replaced


async def test_cancel_running_task_is_idempotent(mcp_url_any: str) -> None:
    long_text = "word " * 200
    async with mcp_client(mcp_url_any) as client:
        snap = (await client.call_tool("submit_task", {
            "input": script({"say": long_text, "chunks": 200, "delay_ms": 100}),
            "wait_seconds": 1})).structured_content
        assert snap["status"] in ("queued", "in_progress")
        first = await client.call_tool("cancel", {"response_id": snap["response_id"]})
        assert not first.is_error, text_of(first)
        assert first.structured_content["status"] == "cancelled", first.structured_content
        second = await client.call_tool("cancel", {"response_id": snap["response_id"]})
        assert not second.is_error and second.structured_content["status"] == "cancelled"


async def test_budget_pause_then_approve_and_deny(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        paused = (await client.call_tool("submit_task", {
            "input": script({"say": "Approved answer."}), "max_cost_usd": 0.000001,
            "wait_seconds": 20})).structured_content
        assert paused["status"] == "incomplete", paused
        assert paused["incomplete_details"] == {"reason": "approval_required"}
        assert paused["pending_approval"]["actions"], paused
        assert "approve(" in paused["next_step"]
        busy = await client.call_tool("submit_task", {"input": "x", "previous_response_id": paused["response_id"]})
        assert busy.is_error and "session_paused:" in text_of(busy)
        resumed = await client.call_tool("approve", {"response_id": paused["response_id"], "approve": True,
                                                     "new_max_cost_usd": 5})
        assert not resumed.is_error, text_of(resumed)
        snap = resumed.structured_content
        if snap["status"] != "completed":
            snap, _ = await poll(client, paused["response_id"], snap["last_sequence"])
        assert snap["status"] == "completed"
        full = (await client.call_tool("get_response", {"response_id": paused["response_id"]})).structured_content
        assert full["output_text"] == "Approved answer." and full["max_cost_usd"] == 5
        again = await client.call_tool("approve", {"response_id": paused["response_id"], "approve": True})
        assert again.is_error and "no_pending_approval:" in text_of(again)

        denied = (await client.call_tool("submit_task", {
            "input": script({"say": "never"}), "max_cost_usd": 0.000001, "wait_seconds": 20})).structured_content
        assert denied["status"] == "incomplete"
        refused = await client.call_tool("approve", {"response_id": denied["response_id"], "approve": False,
                                                     "feedback": "too expensive"})
        assert not refused.is_error, text_of(refused)
        snap = refused.structured_content
        if snap["status"] not in ("failed", "completed", "cancelled"):
            snap, _ = await poll(client, denied["response_id"], snap["last_sequence"])
        assert snap["status"] == "failed" and snap["error"]["code"] == "approval_denied"


async def test_busy_session_error_matches_http(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        snap = (await client.call_tool("submit_task", {
            "input": script({"say": "slow " * 40, "chunks": 40, "delay_ms": 100}),
            "wait_seconds": 0})).structured_content
        busy = await client.call_tool("submit_task", {"input": "and then?",
                                                      "previous_response_id": snap["response_id"]})
        assert busy.is_error and "session_busy:" in text_of(busy)
        unknown = await client.call_tool("submit_task", {"input": "x", "model": "nope/nope"})
        assert unknown.is_error and "model_not_found:" in text_of(unknown)
        await client.call_tool("cancel", {"response_id": snap["response_id"]})


async def test_list_artifacts_of_response_and_session(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        snap = (await client.call_tool("submit_task", {"input": script({"say": "hi"}),
                                                       "wait_seconds": 20})).structured_content
        by_response = await client.call_tool("list_artifacts", {"response_id": snap["response_id"]})
        assert not by_response.is_error and by_response.structured_content["count"] == 0
        by_session = await client.call_tool("list_artifacts", {"session_id": snap["session_id"]})
        assert not by_session.is_error and by_session.structured_content["artifacts"] == []


async def test_account_isolation(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any, ALICE) as alice:
        snap = (await alice.call_tool("submit_task", {"input": script({"say": "alice's secret"}),
                                                      "wait_seconds": 20})).structured_content
    async with mcp_client(mcp_url_any, BOB) as bob:
        for name, extra in [("get_response", {}), ("cancel", {}), ("list_artifacts", {})]:
            result = await bob.call_tool(name, {"response_id": snap["response_id"], **extra})
            assert result.is_error and "response_not_found:" in text_of(result), (name, text_of(result))
            assert "secret" not in text_of(result)
        chained = await bob.call_tool("submit_task", {"input": "x", "previous_response_id": snap["response_id"]})
        assert chained.is_error and "response_not_found:" in text_of(chained)
        session = await bob.call_tool("list_artifacts", {"session_id": snap["session_id"]})
        assert session.is_error and "session_not_found:" in text_of(session)


@pytest.mark.parametrize("token", [None, "hf_not_a_real_token"])
def test_401_before_any_tool_runs(mcp_url_any: str, token: str | None) -> None:
    headers = {"accept": "application/json, text/event-stream"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "submit_task", "arguments": {"input": "x"}}}
    reply = httpx.post(mcp_url_any, json=body, headers=headers, timeout=30)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith('Bearer realm="huggingface", error="invalid_token"')
    assert reply.json()["error"]["data"]["type"] == "authentication_error"


@pytest.mark.parametrize("token,code", [(ORG_TOKEN, "organization_token_not_supported"),
                                        (CAROL_NO_INFERENCE, "inference_provider_permission_required")])
def test_403_tokens_same_as_v1(mcp_url_any: str, token: str, code: str) -> None:
    headers = {"accept": "application/json, text/event-stream", "authorization": f"Bearer {token}"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    reply = httpx.post(mcp_url_any, json=body, headers=headers, timeout=30)
    assert reply.status_code == 403
    assert reply.json()["error"]["data"]["code"] == code
    v1 = httpx.get(mcp_url_any.removesuffix("/mcp") + "/v1/responses/resp_" + "0" * 32,
                   headers={"authorization": f"Bearer {token}"}, timeout=30)
    assert v1.status_code == 403 and v1.json()["error"]["message"] == reply.json()["error"]["data"]["message"]


def _mcp_errors(exc: BaseException) -> list:
    from mcp import MCPError

    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _mcp_errors(inner)]
    return [exc] if isinstance(exc, MCPError) else []


@pytest.mark.parametrize("token,status,code", [
    (None, 401, "missing_token"), ("hf_not_a_real_token", 401, "invalid_token"),
    (ORG_TOKEN, 403, "organization_token_not_supported"),
    (CAROL_NO_INFERENCE, 403, "inference_provider_permission_required")])
async def test_sdk_client_sees_the_reason_for_an_http_refusal(mcp_url_any: str, token: str | None, status: int,
                                                             code: str) -> None:
    with pytest.raises(BaseException) as info:
        async with mcp_client(mcp_url_any, token) as client:
            await client.list_tools()
    [error, *_] = _mcp_errors(info.value) or [info.value]
    assert str(error).startswith(f"{code}: "), repr(error)
    assert error.error.data["status"] == status


async def test_sdk_client_sees_the_reason_for_a_foreign_host(mcp_url_any: str) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {ALICE}", "Host": "evil.example.com"}
    with pytest.raises(BaseException) as info:
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
            async with Client(streamable_http_client(mcp_url_any, http_client=http)) as client:
                await client.list_tools()
    [error, *_] = _mcp_errors(info.value) or [info.value]
    assert str(error).startswith("host_not_allowed: Host 'evil.example.com' is not allowed"), repr(error)


def test_get_and_delete_answer_405_at_once(mcp_url_any: str) -> None:
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {ALICE}"}
    for method in ("GET", "DELETE"):
        # Without the fix a GET held an empty SSE stream open (this read would time out).
        reply = httpx.request(method, mcp_url_any, headers=headers, timeout=5)
        assert reply.status_code == 405 and reply.headers["allow"] == "POST", method


def test_protected_resource_metadata_names_no_authorization_server(mcp_url_any: str) -> None:
    base = mcp_url_any.removesuffix("/mcp")
    challenge = httpx.post(mcp_url_any, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                           headers={"accept": "application/json, text/event-stream"}).headers["www-authenticate"]
    metadata_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0]
    assert metadata_url == f"{base}/.well-known/oauth-protected-resource/mcp"
    for url, resource in [(metadata_url, mcp_url_any), (f"{base}/.well-known/oauth-protected-resource", base)]:
        reply = httpx.get(url, timeout=30)  # public: a host reads it before it has a token
        assert reply.status_code == 200, url
        metadata = reply.json()
        assert metadata["resource"] == resource
        assert metadata["authorization_servers"] == [] and metadata["bearer_methods_supported"] == ["header"]
        assert "Hugging Face user access token" in metadata["resource_name"]


def test_mcp_is_served_at_exactly_mcp(mcp_url: str) -> None:
    headers = {"accept": "application/json, text/event-stream", "authorization": f"Bearer {ALICE}"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    reply = httpx.post(mcp_url, json=body, headers=headers, timeout=30, follow_redirects=False)
    assert reply.status_code == 200, reply.text


@pytest.mark.npm
def test_mcp_inspector_cli_lists_tools(mcp_url_any: str) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx is not installed")
    # "@latest": an unversioned spec runs whatever npx has cached, and Inspector 0.15 (no --header) is common there.
    command = [npx, "-y", "@modelcontextprotocol/inspector@latest", "--cli", mcp_url_any, "--transport", "http",
               "--method", "tools/list", "--header", f"Authorization: Bearer {ALICE}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "npm_config_yes": "true"})
    except subprocess.TimeoutExpired:
        pytest.skip("the MCP Inspector CLI did not finish (npm registry unreachable?)")
    if done.returncode != 0 and ("ENOTFOUND" in done.stderr or "EAI_AGAIN" in done.stderr
                                 or "ECONNREFUSED" in done.stderr and "registry" in done.stderr):
        pytest.skip(f"npm registry unreachable: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr[-2000:]
    listed = json.loads(done.stdout)
    names = {tool["name"] for tool in listed["tools"]}
    assert names == {"submit_task", "get_response", "approve", "cancel", "list_artifacts"}
    assert all("outputSchema" in tool for tool in listed["tools"])


async def test_get_response_shows_the_agents_plan(mcp_url_any: str) -> None:
    plan = [{"title": "Look up", "status": "completed"}, {"title": "Answer", "status": "in_progress"}]
    async with mcp_client(mcp_url_any) as client:
        result = await client.call_tool("submit_task", {
            "input": script({"call": "plan", "arguments": {"steps": plan}}, {"say": "Done."}), "wait_seconds": 20})
    assert not result.is_error, text_of(result)
    assert result.structured_content["plan"] == plan


@pytest.mark.parametrize("raw", [
    b"[" * 5000 + b"]" * 5000,
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "submit_task", "arguments": '
    b'{"input": "x", "metadata": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5003,
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"n": ' + b"1" * 5000 + b"}}",
])
def test_hostile_json_is_a_json_rpc_parse_error(mcp_url_any: str, raw: bytes) -> None:
    # The MCP SDK parses bodies itself (pydantic_core.from_json: depth limit 200): pinned here so an SDK upgrade
    # that turns these into a 500 is noticed.
    headers = {"accept": "application/json, text/event-stream", "authorization": f"Bearer {ALICE}",
               "content-type": "application/json"}
    reply = httpx.post(mcp_url_any, content=raw, headers=headers, timeout=30)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == -32700  # JSON-RPC "Parse error"
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    assert httpx.post(mcp_url_any, json=body, headers=headers, timeout=30).status_code == 200


async def test_deep_but_parseable_arguments_are_a_tool_error(mcp_url_any: str) -> None:
    # Below the parser's own depth limit, nesting reaches the tool's typed arguments: refused there, clearly.
    deep: object = "x"
    for _ in range(150):
        deep = [deep]
    async with mcp_client(mcp_url_any) as client:
        result = await client.call_tool("submit_task", {"input": "x", "metadata": {"k": deep}})
        assert result.is_error and "metadata" in text_of(result)
        assert {tool.name for tool in (await client.list_tools()).tools} >= {"submit_task", "get_response"}
