"""What the MCP server advertises and how it words refusals, on the real app against the emulator, through the
MCP SDK's own client: capabilities, a compact tools/list, the server instructions, argument errors, since_sequence
past the end, idempotent submits, budget pauses that name the amount needed, runs as resources, heartbeats."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mcp_server import resources as mcp_resources
from tests.conftest import ALICE, BOB, ServerHandle, make_settings, run_server, script
from tests.mcp.conftest import mcp_client

ERIN = "hf_emu_erin_read"
MODES = ["auto", "legacy"]


def text_of(result) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def settle(client, response_id: str, since: int = -1, *, rounds: int = 30) -> dict:
    snap: dict = {}
    for _ in range(rounds):
        result = await client.call_tool("get_response", {"response_id": response_id, "wait_seconds": 10})
        assert not result.is_error, text_of(result)
        snap = result.structured_content
        if snap["status"] not in ("queued", "in_progress"):
            return snap
    raise AssertionError(f"{response_id} did not settle: {snap}")


# ------------------------------------------------------------------------------------------ discovery


@pytest.mark.parametrize("mode", MODES)
async def test_capabilities_advertise_only_what_exists(mcp_url_any: str, mode: str) -> None:
    async with mcp_client(mcp_url_any, mode=mode) as client:
        capabilities = client.server_capabilities
        tools = await client.list_tools()
        assert tools.tools
    # No prompts exist, the tool list never changes, resources cannot be subscribed to: none is advertised
    # (the 2026-07-28 discover used to claim listChanged and subscribe everywhere, and prompts in both eras).
    assert capabilities.prompts is None and capabilities.logging is None and capabilities.completions is None
    assert capabilities.tools is not None and not capabilities.tools.list_changed
    assert capabilities.resources is not None
    assert not capabilities.resources.subscribe and not capabilities.resources.list_changed


def test_tools_list_is_compact(mcp_url_any: str) -> None:
    headers = {"authorization": f"Bearer {ALICE}", "accept": "application/json, text/event-stream"}
    reply = httpx.post(mcp_url_any, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers,
                       timeout=30)
    assert reply.status_code == 200, reply.text
    data = next(line for line in reply.text.splitlines() if line.startswith("data:"))
    listing = json.loads(data.removeprefix("data:"))["result"]
    size = len(json.dumps(listing, separators=(",", ":")))
    assert size < 16_000, size  # 33 KB when four tools each repeated the 6 KB snapshot schema
    tools = {tool["name"]: tool for tool in listing["tools"]}
    snapshot = tools["get_response"]["outputSchema"]
    assert "next_step" in snapshot["properties"] and snapshot["properties"]["last_sequence"]["description"]
    for name in ("submit_task", "approve", "cancel"):
        assert "get_response" in tools[name]["outputSchema"]["description"], name
    for tool in tools.values():
        assert tool["inputSchema"]["additionalProperties"] is False
        assert "title" not in json.dumps(tool["inputSchema"]).replace('"title":', "")  # no per-field titles


async def test_instructions_fit_in_2000_characters_essentials_first(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        instructions = client.instructions or ""
    # Claude Code keeps the first 2,048 characters.
    assert 500 < len(instructions) < 2000, len(instructions)
    head = instructions[:1000]
    for essential in ("submit_task", "get_response", "since_sequence", "last_sequence", "approve"):
        assert essential in head, essential
    assert "required_max_cost_usd" in instructions and "new_max_cost_usd" in instructions


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize("arguments,expected", [
    ({"response_id": "resp_" + "0" * 32, "wait_seconds": 99},
     "invalid_value: wait_seconds: Input should be less than or equal to 50"),
    ({"response_id": "nope"}, "invalid_value: response_id: String should match pattern"),
    ({"wait_seconds": 1}, "missing_required_parameter: response_id: this parameter is required"),
    ({"response_id": "resp_" + "0" * 32, "since_sequenc": 3},
     "unknown_parameter: since_sequenc: not a parameter of get_response"),
])
async def test_schema_violations_read_like_every_other_tool_error(mcp_url_any: str, arguments: dict,
                                                                  expected: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        result = await client.call_tool("get_response", arguments)
    text = text_of(result)
    assert result.is_error and text.startswith(f"Error executing tool get_response: {expected}"), text
    assert "pydantic" not in text and "validation error" not in text and "\n" not in text


async def test_submit_task_arguments_checked_by_the_request_model_read_the_same(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        result = await client.call_tool("submit_task", {"input": "x", "metadata": {"k": "v" * 600}})
    text = text_of(result)
    assert result.is_error and "invalid_value: metadata.k: String should have at most 512 characters" in text, text
    assert "pydantic" not in text


async def test_since_sequence_past_the_end_is_refused(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        done = (await client.call_tool("submit_task", {"input": script({"say": "Short."}),
                                                       "wait_seconds": 20})).structured_content
        assert done["status"] == "completed"
        last = done["last_sequence"]
        beyond = await client.call_tool("get_response", {"response_id": done["response_id"],
                                                         "since_sequence": 1_000_000, "wait_seconds": 0})
        assert beyond.is_error, beyond.structured_content
        assert (f"invalid_value: since_sequence: 1000000 is past the last event of {done['response_id']}; pass the "
                f"last_sequence of the latest snapshot (now {last})") in text_of(beyond)
        just_past = await client.call_tool("get_response", {"response_id": done["response_id"],
                                                            "since_sequence": last + 1, "wait_seconds": 0})
        assert just_past.is_error
        at_end = await client.call_tool("get_response", {"response_id": done["response_id"],
                                                         "since_sequence": last, "wait_seconds": 0})
        assert not at_end.is_error and at_end.structured_content["last_sequence"] == last
        assert at_end.structured_content["new_output_text"] == ""


# ------------------------------------------------------------------------------------------ submit, approve


async def test_submit_task_idempotency_key(mcp_url_any: str, server: ServerHandle) -> None:
    key = f"mcp-{uuid.uuid4()}"
    task = script({"say": "Once."})
    async with mcp_client(mcp_url_any) as client:
        first = (await client.call_tool("submit_task", {"input": task, "idempotency_key": key,
                                                        "wait_seconds": 0})).structured_content
        again = (await client.call_tool("submit_task", {"input": task, "idempotency_key": key,
                                                        "wait_seconds": 0})).structured_content
        other = (await client.call_tool("submit_task", {"input": task, "idempotency_key": f"{key}-2",
                                                        "wait_seconds": 0})).structured_content
        await settle(client, first["response_id"])
        await settle(client, other["response_id"])
    assert again["response_id"] == first["response_id"] and other["response_id"] != first["response_id"]
    # The same keys as the HTTP API's Idempotency-Key header (per account).
    with server.client(ALICE) as http:
        v1 = http.post("/v1/responses", json={"input": task, "background": True}, headers={"Idempotency-Key": key})
        assert v1.status_code == 200 and v1.json()["id"] == first["response_id"]
    async with mcp_client(mcp_url_any, BOB) as bob:
        theirs = (await bob.call_tool("submit_task", {"input": task, "idempotency_key": key,
                                                      "wait_seconds": 20})).structured_content
    assert theirs["response_id"] != first["response_id"]


async def test_budget_pause_names_the_cap_needed_and_approving_below_it_pauses_again(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        paused = (await client.call_tool("submit_task", {
            "input": script({"say": "Paid answer."}), "max_cost_usd": 0.000001,
            "wait_seconds": 20})).structured_content
        assert paused["status"] == "incomplete", paused
        required = paused["pending_approval"]["budget"]["required_max_cost_usd"]
        assert required is not None and required > 0.000001 and round(required, 2) == required
        assert f"at least {required:.2f} USD" in paused["next_step"], paused["next_step"]
        assert "pauses again at once" in paused["next_step"]
        assert f"new_max_cost_usd={required:.2f}" in paused["next_step"]

        # Approved without raising the cap: the seed's rule re-pauses at once, as announced.
        again = (await client.call_tool("approve", {"response_id": paused["response_id"],
                                                    "approve": True})).structured_content
        if again["status"] == "in_progress":
            again = await settle(client, paused["response_id"])
        assert again["status"] == "incomplete" and again["incomplete_details"]["reason"] == "approval_required"
        assert again["pending_approval"]["budget"]["required_max_cost_usd"] == required

        # Exactly the amount named is enough.
        resumed = (await client.call_tool("approve", {"response_id": paused["response_id"], "approve": True,
                                                      "new_max_cost_usd": required})).structured_content
        final = resumed if resumed["status"] == "completed" else await settle(client, paused["response_id"])
        assert final["status"] == "completed" and final["output_text"] == "Paid answer.", final


async def test_approve_tool_description_says_the_cap_must_be_raised(mcp_url_any: str) -> None:
    async with mcp_client(mcp_url_any) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    description = tools["approve"].description or ""
    assert "required_max_cost_usd" in description and "pauses again at once" in description


# ------------------------------------------------------------------------------------------ resources


async def test_runs_are_resources_listed_per_caller(mcp_url_any: str) -> None:
    marker = uuid.uuid4().hex[:8]
    async with mcp_client(mcp_url_any) as alice:
        done = (await alice.call_tool("submit_task", {"input": script({"say": "Resource body."},
                                                                      prompt=f"Task {marker}."),
                                                      "wait_seconds": 20})).structured_content
        uri = f"ml-intern://responses/{done['response_id']}"
        listed = {resource.uri: resource for resource in (await alice.list_resources()).resources}
        assert uri in listed, list(listed)
        resource = listed[uri]
        assert resource.name == done["response_id"] and resource.mime_type == "application/json"
        assert resource.title.startswith(f"Task {marker}.") and "[completed]" in resource.title
        read = await alice.read_resource(uri)
        [content] = read.contents
        snapshot = json.loads(content.text)
        assert content.mime_type == "application/json" and content.uri == uri
        assert snapshot["response_id"] == done["response_id"] and snapshot["output_text"] == "Resource body."
        templates = (await alice.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["ml-intern://responses/{response_id}"]
    async with mcp_client(mcp_url_any, BOB) as bob:
        assert uri not in {resource.uri for resource in (await bob.list_resources()).resources}
        with pytest.raises(Exception) as refused:
            await bob.read_resource(uri)
        # Another account's run reads exactly like an unknown one.
        assert f"response_not_found: No response found with id '{done['response_id']}'" in str(refused.value)
        with pytest.raises(Exception) as foreign:
            await bob.read_resource("https://example.com/x")
        assert "resource_not_found" in str(foreign.value)


async def test_resource_list_pages_newest_first(mcp_url_any: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mcp_resources, "PAGE_SIZE", 2)  # the server runs in this process
    async with mcp_client(mcp_url_any, ERIN) as erin:
        ids = []
        for n in range(3):
            snap = (await erin.call_tool("submit_task", {"input": script({"say": f"n{n}"}),
                                                         "wait_seconds": 20})).structured_content
            ids.append(snap["response_id"])
        first = await erin.list_resources()
        assert len(first.resources) == 3 and first.next_cursor and first.resources[0].uri.startswith("ui://")
        second = await erin.list_resources(cursor=first.next_cursor)
        # The run viewer's MCP App (a ui:// document) heads the first page; the runs follow.
        listed = [r.name for r in first.resources + second.resources if r.uri.startswith("ml-intern://")]
        while second.next_cursor:
            second = await erin.list_resources(cursor=second.next_cursor)
            listed += [r.name for r in second.resources]
        assert listed[:3] == ids[::-1], listed
        with pytest.raises(Exception) as bad:
            await erin.list_resources(cursor="not-a-cursor")
        assert "invalid_cursor" in str(bad.value)


# ------------------------------------------------------------------------------------------ heartbeat


@pytest.fixture(scope="module")
def heartbeat_server(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    path: Path = tmp_path_factory.mktemp("heartbeat") / "db.sqlite"
    settings = make_settings(emulator, f"sqlite:///{path}", mcp_progress_heartbeat_seconds=1.0)
    with run_server(settings, path) as handle:
        yield handle


async def test_heartbeat_every_interval_of_quiet(heartbeat_server: ServerHandle) -> None:
    # 4 s without an event (the stream's own keep-alive tick comes after 5 s here): "still working" every ~1 s.
    url = f"{heartbeat_server.url}/mcp"
    received: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        received.append((time.monotonic(), message))

    async with mcp_client(url) as client:
        snap = (await client.call_tool("submit_task", {
            "input": script({"say": "tick tock", "chunks": 2, "delay_ms": 4000}),
            "wait_seconds": 0})).structured_content
        result = await client.call_tool("get_response", {"response_id": snap["response_id"], "wait_seconds": 12},
                                        progress_callback=on_progress)
    assert not result.is_error, text_of(result)
    beats = [at for at, message in received if message and message.startswith("still working")]
    assert len(beats) >= 2, received
    gaps = [later - earlier for (earlier, _), (later, _) in zip(received, received[1:])]
    assert max(gaps) < 1.9, (gaps, received)
