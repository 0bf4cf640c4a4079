"""The MCP front door over the in-memory fake service, through the real transport (uvicorn on loopback) and the
MCP SDK's own client, in both protocol eras (2026-07-28 stateless and the legacy initialize handshake)."""

from __future__ import annotations

import json

import httpx
import pytest

from agent.settings import Settings
from mcp_server.app import transport_security
from mcp_server.progress import ProgressReporter, stop_on_news
from mcp_server.server import INSTRUCTIONS
from tests.mcp.conftest import FakeServer, mcp_client

ALICE = "hf_emu_alice"
BOB = "hf_emu_bob"
TOOLS = {"submit_task", "get_response", "approve", "cancel", "list_artifacts"}
MODES = ["auto", "legacy"]


def script(steps: list[dict]) -> str:
    return "do the thing\n```fake-script\n" + json.dumps(steps) + "\n```"


async def submit(client, steps: list[dict] | None = None, **kwargs) -> dict:
    args = {"input": script(steps) if steps is not None else "hello"} | kwargs
    result = await client.call_tool("submit_task", args)
    assert not result.is_error, result.content
    return result.structured_content


async def poll_until_settled(client, response_id: str, since: int, *, rounds: int = 20) -> tuple[dict, str]:
    text = ""
    for _ in range(rounds):
        result = await client.call_tool("get_response", {"response_id": response_id, "since_sequence": since,
                                                         "wait_seconds": 5})
        assert not result.is_error, result.content
        snap = result.structured_content
        assert snap["output_text"] is None
        text += snap["new_output_text"]
        assert snap["last_sequence"] >= since
        since = snap["last_sequence"]
        if snap["status"] not in ("queued", "in_progress"):
            return snap, text
    raise AssertionError("the response never settled")


# ------------------------------------------------------------------------------------------ discovery


@pytest.mark.parametrize("mode", MODES)
async def test_lists_five_tools_with_schemas_and_annotations(fake_server: FakeServer, mode: str) -> None:
    async with mcp_client(fake_server.url, mode=mode) as client:
        assert "get_response" in (client.instructions or "") and "approve" in client.instructions
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.output_schema and tool.output_schema["type"] == "object", tool.name
        assert tool.annotations is not None and tool.annotations.destructive_hint is False
    submit_props = tools["submit_task"].input_schema["properties"]
    assert tools["submit_task"].input_schema["required"] == ["input"]
    assert submit_props["input"]["maxLength"] == 100_000
    assert submit_props["instructions"]["maxLength"] == 20_000
    assert submit_props["instructions"]["type"] == ["string", "null"]
    assert {k: submit_props["max_cost_usd"][k] for k in ("exclusiveMinimum", "maximum", "type")} == {
        "exclusiveMinimum": 0, "maximum": 500, "type": ["number", "null"]}
    assert submit_props["idempotency_key"]["maxLength"] == 255
    assert submit_props["wait_seconds"]["maximum"] == 50 and submit_props["wait_seconds"]["default"] == 5
    get_props = tools["get_response"].input_schema["properties"]
    assert get_props["wait_seconds"]["maximum"] == 50 and get_props["wait_seconds"]["default"] == 25
    assert "since_sequence" in get_props
    assert tools["get_response"].annotations.read_only_hint is True
    assert tools["get_response"].annotations.idempotent_hint is True
    assert tools["list_artifacts"].annotations.read_only_hint is True
    assert tools["cancel"].annotations.idempotent_hint is True
    assert tools["submit_task"].annotations.open_world_hint is True
    assert tools["submit_task"].annotations.read_only_hint is False
    snapshot_props = tools["get_response"].output_schema["properties"]
    for name in ("submit_task", "approve", "cancel"):  # the same result type, published once
        assert "get_response" in tools[name].output_schema["description"], name
    for key in ("response_id", "session_id", "status", "output_text", "new_output_text", "tool_calls",
                "artifacts", "pending_approval", "last_sequence", "next_step"):
        assert key in snapshot_props
    assert set(tools["list_artifacts"].output_schema["properties"]) >= {"artifacts", "count"}


# ------------------------------------------------------------------------------------------ the turn


@pytest.mark.parametrize("mode", MODES)
async def test_quick_question_completes_in_one_call(fake_server: FakeServer, mode: str) -> None:
    async with mcp_client(fake_server.url, mode=mode) as client:
        snap = await submit(client, None)
    assert snap["status"] == "completed"
    assert snap["output_text"] == "echo: hello"
    assert snap["response_id"].startswith("resp_") and snap["session_id"]
    assert snap["last_sequence"] > 0 and "Done" in snap["next_step"]


@pytest.mark.parametrize("mode", MODES)
async def test_submit_then_poll_with_since_sequence(fake_server: FakeServer, mode: str) -> None:
    steps = [{"call": "hub_search", "arguments": {"search": "bge"}, "delay_ms": 200},
             {"say": "first part. ", "chunks": 3, "delay_ms": 50},
             {"call": "dataset_inspect", "delay_ms": 200},
             {"say": "second part.", "chunks": 4, "delay_ms": 50}]
    async with mcp_client(fake_server.url, mode=mode) as client:
        snap = await submit(client, steps, wait_seconds=0)
        assert snap["status"] in ("queued", "in_progress")
        assert "get_response" in snap["next_step"]
        final, text = await poll_until_settled(client, snap["response_id"], snap["last_sequence"])
        assert final["status"] == "completed"
        assert text == "first part. second part."
        # A poll with nothing new returns nothing new, immediately (the response is settled).
        again = (await client.call_tool("get_response", {"response_id": snap["response_id"],
                                                         "since_sequence": final["last_sequence"]})).structured_content
        assert again["new_output_text"] == "" and again["tool_calls"] == []
        assert again["last_sequence"] == final["last_sequence"]
        # Without since_sequence: the whole answer and every tool call.
        full = (await client.call_tool("get_response", {"response_id": snap["response_id"]})).structured_content
        assert full["output_text"] == "first part. second part." and full["new_output_text"] is None
        assert [c["name"] for c in full["tool_calls"]] == ["hub_search", "dataset_inspect"]
        assert full["tool_calls"][0]["arguments_preview"] == '{"search": "bge"}'
        assert full["last_sequence"] == final["last_sequence"]


@pytest.mark.parametrize("mode", MODES)
async def test_progress_notifications_during_a_wait(fake_server: FakeServer, mode: str) -> None:
    steps = [{"until_subscribed": True}, {"call": "hub_search", "delay_ms": 300}, {"log": "job abc RUNNING"},
             {"say": "streamed answer text", "chunks": 10, "delay_ms": 100}]
    messages: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append((progress, message))

    async with mcp_client(fake_server.url, mode=mode) as client:
        snap = await submit(client, steps, wait_seconds=0)
        result = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 20},
                                        progress_callback=on_progress)
    assert not result.is_error
    texts = [m for _, m in messages]
    assert any(m and m.startswith("waiting for") for m in texts)
    assert "tool hub_search started" in texts and "tool hub_search completed" in texts
    assert "log: job abc RUNNING" in texts
    assert any(m and m.startswith("streaming answer") for m in texts)
    progress = [p for p, _ in messages]
    assert progress == sorted(progress) and len(set(progress)) == len(progress)


async def test_no_progress_token_no_notifications_but_same_result(fake_server: FakeServer) -> None:
    async with mcp_client(fake_server.url) as client:
        snap = await submit(client, [{"say": "ok", "delay_ms": 100}], wait_seconds=0)
        result = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 10})
    assert result.structured_content["status"] == "completed"
    assert result.structured_content["output_text"] == "ok"


async def test_wait_is_bounded(fake_server: FakeServer) -> None:
    import time

    async with mcp_client(fake_server.url) as client:
        snap = await submit(client, [{"sleep_ms": 3000}, {"say": "late"}], wait_seconds=0)
        started = time.monotonic()
        result = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 1})
        assert time.monotonic() - started < 2.5
        assert result.structured_content["status"] == "in_progress"
        bad = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 51})
        assert bad.is_error
        await client.call_tool("cancel", {"response_id": snap["response_id"]})


@pytest.mark.parametrize("mode", MODES)
async def test_cancel_is_idempotent(fake_server: FakeServer, mode: str) -> None:
    async with mcp_client(fake_server.url, mode=mode) as client:
        snap = await submit(client, [{"sleep_ms": 10_000}, {"say": "never"}], wait_seconds=0)
        first = await client.call_tool("cancel", {"response_id": snap["response_id"]})
        assert not first.is_error and first.structured_content["status"] == "cancelled"
        second = await client.call_tool("cancel", {"response_id": snap["response_id"]})
        assert not second.is_error and second.structured_content["status"] == "cancelled"
        assert second.structured_content["last_sequence"] == first.structured_content["last_sequence"]


async def test_approval_pause_and_approve(fake_server: FakeServer) -> None:
    steps = [{"approval": {"tool": "hf_jobs_run", "estimated_cost_usd": 9.0}}, {"say": "trained"}]
    async with mcp_client(fake_server.url) as client:
        snap = await submit(client, steps, wait_seconds=5)
        assert snap["status"] == "incomplete"
        assert snap["incomplete_details"] == {"reason": "approval_required"}
        assert snap["pending_approval"]["actions"][0]["tool"] == "hf_jobs_run"
        assert "approve(" in snap["next_step"]
        resumed = await client.call_tool("approve", {"response_id": snap["response_id"], "approve": True,
                                                     "new_max_cost_usd": 20})
        assert not resumed.is_error, resumed.content
        assert resumed.structured_content["status"] in ("in_progress", "completed")
        final, _ = await poll_until_settled(client, snap["response_id"], resumed.structured_content["last_sequence"])
        assert final["status"] == "completed"
        again = await client.call_tool("approve", {"response_id": snap["response_id"], "approve": True})
        assert again.is_error and "no_pending_approval:" in again.content[0].text


async def test_artifacts_by_response_and_session(fake_server: FakeServer) -> None:
    job = {"type": "hf_job", "id": "job1", "url": "https://huggingface.co/jobs/alice/job1"}
    repo = {"type": "model", "repo_id": "alice/m", "url": "https://huggingface.co/alice/m"}
    async with mcp_client(fake_server.url) as client:
        snap = await submit(client, [{"artifact": job}, {"artifact": job}, {"artifact": repo}, {"say": "ok"}])
        assert snap["status"] == "completed"
        assert [a["type"] for a in snap["artifacts"]] == ["hf_job", "model"]
        by_response = (await client.call_tool("list_artifacts", {"response_id": snap["response_id"]}))
        assert by_response.structured_content["count"] == 2
        follow = await submit(client, [{"artifact": repo}, {"say": "again"}],
                              previous_response_id=snap["response_id"])
        assert follow["session_id"] == snap["session_id"]
        by_session = await client.call_tool("list_artifacts", {"session_id": snap["session_id"]})
        assert by_session.structured_content["count"] == 2
        assert {a["url"] for a in by_session.structured_content["artifacts"]} == {job["url"], repo["url"]}
        neither = await client.call_tool("list_artifacts", {})
        assert neither.is_error and "missing_required_parameter" in neither.content[0].text


async def test_busy_session_is_a_tool_error_with_the_http_code(fake_server: FakeServer) -> None:
    async with mcp_client(fake_server.url) as client:
        snap = await submit(client, [{"sleep_ms": 5000}], wait_seconds=0)
        busy = await client.call_tool("submit_task", {"input": "more", "previous_response_id": snap["response_id"],
                                                      "wait_seconds": 0})
        assert busy.is_error and "session_busy:" in busy.content[0].text
        await client.call_tool("cancel", {"response_id": snap["response_id"]})
        unknown_model = await client.call_tool("submit_task", {"input": "x", "model": "unknown/model"})
        assert unknown_model.is_error and "model_not_found:" in unknown_model.content[0].text


async def test_input_bounds_are_enforced_before_the_service(fake_server: FakeServer) -> None:
    async with mcp_client(fake_server.url) as client:
        too_long = await client.call_tool("submit_task", {"input": "x" * 100_001})
        assert too_long.is_error
        bad_cost = await client.call_tool("submit_task", {"input": "x", "max_cost_usd": 0})
        assert bad_cost.is_error
        bad_id = await client.call_tool("get_response", {"response_id": "not-an-id"})
        assert bad_id.is_error


# ------------------------------------------------------------------------------------------ identity


async def test_other_accounts_responses_read_as_not_found(fake_server: FakeServer) -> None:
    async with mcp_client(fake_server.url, ALICE) as alice:
        snap = await submit(alice, [{"say": "secret", "delay_ms": 10}])
    async with mcp_client(fake_server.url, BOB) as bob:
        for name, args in [("get_response", {}), ("cancel", {}), ("list_artifacts", {}),
                           ("approve", {"approve": True})]:
            result = await bob.call_tool(name, {"response_id": snap["response_id"], **args})
            assert result.is_error, name
            assert "response_not_found:" in result.content[0].text, name
        chained = await bob.call_tool("submit_task", {"input": "x", "previous_response_id": snap["response_id"]})
        assert chained.is_error and "response_not_found:" in chained.content[0].text
        session = await bob.call_tool("list_artifacts", {"session_id": snap["session_id"]})
        assert session.is_error and "session_not_found:" in session.content[0].text


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer hf_nope"}, {"authorization": "Basic abc"}])
def test_http_401_without_a_valid_token(fake_server: FakeServer, headers: dict) -> None:
    calls = fake_server.service.auth_calls
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    reply = httpx.post(fake_server.url, json=body, headers={"accept": "application/json, text/event-stream",
                                                            **headers})
    assert reply.status_code == 401
    challenge = reply.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="huggingface", error="invalid_token", error_description="')
    assert f'resource_metadata="{fake_server.base_url}/.well-known/oauth-protected-resource/mcp"' in challenge
    # A JSON-RPC error (what MCP clients read), carrying the same error object as /v1 in its data.
    refusal = reply.json()
    assert refusal["jsonrpc"] == "2.0" and refusal["id"] is None
    error = refusal["error"]
    assert error["code"] == -32600 and error["message"].startswith(f"{error['data']['code']}: ")
    assert error["data"]["status"] == 401 and error["data"]["type"] == "authentication_error"
    assert error["data"]["code"] in ("missing_token", "invalid_token")
    assert fake_server.service.auth_calls == calls + 1


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT", "OPTIONS"])
def test_only_post_is_served_405_otherwise(fake_server: FakeServer, method: str) -> None:
    # Stateless: nothing is ever sent on a GET stream and there is no session to DELETE. A GET used to hold an
    # empty SSE stream open for the host's whole session.
    calls = fake_server.service.auth_calls
    reply = httpx.request(method, fake_server.url, headers={"authorization": f"Bearer {ALICE}",
                                                            "accept": "text/event-stream"}, timeout=5)
    assert reply.status_code == 405 and reply.headers["allow"] == "POST"
    assert reply.json()["error"]["data"]["code"] == "method_not_allowed"
    assert fake_server.service.auth_calls == calls  # refused before any token check


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("token,code", [(None, "missing_token"), ("hf_nope", "invalid_token")])
async def test_sdk_client_sees_why_it_was_refused(fake_server: FakeServer, mode: str, token: str | None,
                                                 code: str) -> None:
    from mcp import MCPError

    with pytest.raises(BaseException) as info:
        async with mcp_client(fake_server.url, token, mode=mode) as client:
            await client.list_tools()
    errors = [leaf for leaf in _leaves(info.value) if isinstance(leaf, MCPError)]
    assert errors, info.value
    # Not the SDK's stand-in "Server returned an error response": the server's own reason.
    assert str(errors[0]).startswith(f"{code}: "), errors[0]
    assert errors[0].error.data["status"] == 401


def test_exact_path_no_redirect(fake_server: FakeServer) -> None:
    headers = {"authorization": f"Bearer {ALICE}", "accept": "application/json, text/event-stream"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "1"}}}
    reply = httpx.post(fake_server.url, json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    assert "ml-intern" in reply.text


def test_foreign_host_header_is_refused(fake_server: FakeServer) -> None:
    calls = fake_server.service.auth_calls
    headers = {"authorization": f"Bearer {ALICE}", "accept": "application/json, text/event-stream",
               "host": "evil.example.com"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    reply = httpx.post(fake_server.url, json=body, headers=headers)
    assert reply.status_code == 421
    assert reply.json()["error"]["message"].startswith("host_not_allowed: Host 'evil.example.com' is not allowed")
    origin = httpx.post(fake_server.url, json=body, headers={"authorization": f"Bearer {ALICE}",
                                                             "origin": "https://evil.example.com"})
    assert origin.status_code == 403 and origin.json()["error"]["data"]["code"] == "origin_not_allowed"
    # DNS-rebinding protection comes first: no token check for a foreign host (without a token: still 421).
    assert httpx.post(fake_server.url, json=body, headers={"host": "evil.example.com"}).status_code == 421
    assert fake_server.service.auth_calls == calls


# ------------------------------------------------------------------------------------------ units


def test_transport_security_from_settings() -> None:
    default = transport_security(Settings(database_url="sqlite://"))
    assert default.enable_dns_rebinding_protection and "127.0.0.1:*" in default.allowed_hosts
    custom = transport_security(Settings(database_url="sqlite://", mcp_allowed_hosts=("mcp.example.com",),
                                         mcp_allowed_origins=("https://chat.example.com",)))
    assert custom.allowed_hosts == ["mcp.example.com"] and custom.allowed_origins == ["https://chat.example.com"]
    assert not transport_security(Settings(database_url="sqlite://", mcp_allowed_hosts=("*",))) \
        .enable_dns_rebinding_protection


async def test_progress_reporter_throttles_deltas_and_keeps_job_states() -> None:
    now = [0.0]
    sent: list[tuple[float, str | None]] = []

    async def send(progress, total, message):
        sent.append((progress, message))

    reporter = ProgressReporter(send, clock=lambda: now[0])
    for i in range(10):
        now[0] = 5 + i * 0.1
        await reporter.on_event({"type": "response.output_text.delta", "delta": "ab"})
    assert [m for _, m in sent] == ["streaming answer (2 chars)"]
    now[0] = 7.0
    await reporter.on_event({"type": "response.output_text.delta", "delta": "ab"})
    assert sent[-1][1] == "streaming answer (22 chars)"
    await reporter.on_event({"type": "response.tool_log", "text": "x\njob 123 SCHEDULING\n"})
    await reporter.on_event({"type": "response.tool_log", "text": "job 123 RUNNING"})
    await reporter.on_event({"type": "response.tool_log", "text": "epoch 1"})  # throttled
    assert [m for _, m in sent][-2:] == ["log: job 123 SCHEDULING", "log: job 123 RUNNING"]
    await reporter.on_event({"type": "response.artifact.created",
                             "artifact": {"type": "hf_job", "url": "https://hf.co/jobs/a/1"}})
    assert sent[-1][1] == "artifact hf_job: https://hf.co/jobs/a/1"
    await reporter.tick("in_progress")
    assert sent[-1][1].startswith("artifact")
    now[0] = 30.0
    await reporter.tick("in_progress")
    assert sent[-1][1] == "still working (in_progress)"
    await reporter.on_event({"type": "response.plan.updated", "plan": [
        {"title": "Inspect data", "status": "completed"}, {"title": "Train", "status": "in_progress"},
        {"title": "Report", "status": "pending"}]})
    assert sent[-1][1] == "plan: 1/3 done, now: Train"
    assert [p for p, _ in sent] == list(range(1, len(sent) + 1))


def test_stop_conditions() -> None:
    assert stop_on_news({"type": "response.completed"})
    assert stop_on_news({"type": "response.incomplete"})
    assert stop_on_news({"type": "response.artifact.created"})
    assert stop_on_news({"type": "response.output_item.done", "item": {"type": "message"}})
    assert not stop_on_news({"type": "response.output_item.done", "item": {"type": "mcp_call"}})
    assert not stop_on_news({"type": "response.output_text.delta"})
    assert "since_sequence" in INSTRUCTIONS
