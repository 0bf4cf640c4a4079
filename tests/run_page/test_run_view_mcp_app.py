"""The run viewer as an MCP App: the ``ui://`` resource, the tools' ``_meta.ui.resourceUri``, and the app itself
rendered the way an MCP Apps host renders it — a sandboxed iframe holding the resource's HTML (under its own CSP),
talking JSON-RPC over postMessage to a minimal host page whose ``tools/call`` goes to the real server through the
MCP SDK's client. So the app's bridge calls (get_response with since_sequence, approve, cancel) are the real JS
against the real server and emulator."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from playwright.async_api import Page, async_playwright, expect

from agent import run_view
from tests.conftest import ALICE, ServerHandle, script
from tests.mcp.conftest import mcp_client
from tests.run_page.browser import LAUNCH_ARGS, chromium_executable

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def mcp_url(server: ServerHandle) -> str:
    return f"{server.url}/mcp"


async def test_app_resource_is_listed_and_linked_from_the_tools(mcp_url: str) -> None:
    async with mcp_client(mcp_url) as client:
        assert EXTENSION_ID in (client.server_capabilities.extensions or {})
        listed = {resource.uri: resource for resource in (await client.list_resources()).resources}
        app = listed[run_view.APP_URI]
        assert app.mime_type == APP_MIME_TYPE == "text/html;profile=mcp-app"
        [content] = (await client.read_resource(run_view.APP_URI)).contents
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        # Hosts without Apps support read the same results as before: text + structured content, no UI in them.
        done = await client.call_tool("submit_task", {"input": script({"say": "Plain result."}), "wait_seconds": 20})
    assert content.mime_type == APP_MIME_TYPE and content.uri == run_view.APP_URI
    assert content.text.startswith("<!doctype html>") and "MLInternViewer" in content.text
    assert ALICE not in content.text
    assert content.meta == {"ui": {"csp": {}, "prefersBorder": True}}
    for name in ("submit_task", "get_response"):
        assert tools[name].meta == {"ui": {"resourceUri": run_view.APP_URI}}, name
    for name in ("approve", "cancel", "list_artifacts"):
        assert not (tools[name].meta or {}).get("ui"), name
    assert done.structured_content["output_text"] == "Plain result."
    assert json.loads(done.content[0].text)["output_text"] == "Plain result."


# The host: renders the app in a sandboxed iframe (scripts only, an opaque origin), answers ui/initialize, hands it
# the tool's input and result once it is initialized, and forwards its tools/call to the server (window.mcpCall,
# bound to the MCP SDK client). Every call the app makes is recorded in window.__calls.
HOST = """<!doctype html><html><body><iframe id="app" sandbox="allow-scripts" style="width:1000px;height:1400px"></iframe>
<script>
const frame = document.getElementById('app');
window.__calls = [];
const send = (message) => frame.contentWindow.postMessage(message, '*');
window.addEventListener('message', async (event) => {
  if (event.source !== frame.contentWindow) return;
  const m = event.data;
  if (m.method === 'ui/initialize') {
    send({jsonrpc: '2.0', id: m.id, result: {protocolVersion: '2026-01-26', hostInfo: {name: 'test-host', version: '1'},
          hostCapabilities: {serverTools: {}, openLinks: {}}, hostContext: {theme: 'light', displayMode: 'inline'}}});
  } else if (m.method === 'ui/notifications/initialized') {
    send({jsonrpc: '2.0', method: 'ui/notifications/tool-input', params: {arguments: window.TOOL_INPUT}});
    send({jsonrpc: '2.0', method: 'ui/notifications/tool-result', params: window.TOOL_RESULT});
  } else if (m.method === 'tools/call') {
    window.__calls.push({name: m.params.name, arguments: m.params.arguments});
    const result = await window.mcpCall(m.params.name, JSON.stringify(m.params.arguments));
    send({jsonrpc: '2.0', id: m.id, result: result});
  } else if (m.id !== undefined && m.method) {
    send({jsonrpc: '2.0', id: m.id, result: {}});
  }
});
</script></body></html>"""


@contextlib.asynccontextmanager
async def hosted(mcp_url: str, tmp_path) -> AsyncIterator[tuple[Page, Any]]:
    """A browser page that will host the app, and the MCP client its tools/call goes through (both entered and
    left in the test's own task, as the MCP client's task group requires)."""
    executable = chromium_executable()
    async with mcp_client(mcp_url) as client, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        page = await browser.new_page(viewport={"width": 1040, "height": 1500})
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

        async def mcp_call(name: str, arguments: str) -> dict[str, Any]:
            result = await client.call_tool(name, json.loads(arguments))
            return result.model_dump(mode="json", by_alias=True, exclude_none=True)

        await page.expose_function("mcpCall", mcp_call)
        try:
            yield page, client
            assert not errors, errors
        finally:
            await page.screenshot(path=str(tmp_path / "host.png"), full_page=True)
            await browser.close()


async def open_app(page: Page, client: Any, tool: str, arguments: dict[str, Any]) -> Any:
    """What a host does for a tool linked to a UI: read the resource, call the tool, render the app with both."""
    [content] = (await client.read_resource(run_view.APP_URI)).contents
    result = await client.call_tool(tool, arguments)
    await page.set_content(HOST)
    await page.evaluate("([input, result]) => { window.TOOL_INPUT = input; window.TOOL_RESULT = result; }",
                        [arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True)])
    await page.evaluate("html => { document.getElementById('app').srcdoc = html; }", content.text)
    return page.frame_locator("#app")


async def calls(page: Page) -> list[dict[str, Any]]:
    return await page.evaluate("window.__calls")


async def test_app_follows_a_run_with_get_response_since_sequence(mcp_url: str, tmp_path) -> None:
    async with hosted(mcp_url, tmp_path) as (page, client):
        await _app_follows_a_run_with_get_response_since_sequence(page, client)


async def _app_follows_a_run_with_get_response_since_sequence(page: Page, client: Any) -> None:
    text = " ".join(f"Chunk {n:02d} streamed." for n in range(16))
    app = await open_app(page, client, "submit_task", {
        "input": script({"say": "Searching.", "calls": [{"call": "hub_search", "arguments": {"search": "bge"}}]},
                        {"say": text, "chunks": 16, "delay_ms": 150}),
        "wait_seconds": 0})
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "completed")
    answer = await app.locator("#answer").inner_text()
    assert answer.count("Chunk 00 streamed.") == 1 and answer.count("Chunk 15 streamed.") == 1
    assert "Searching." in answer and text in answer
    await expect(app.locator("#timeline li.tool").filter(has_text="hub_search")).to_contain_text("completed")
    polls = [call for call in await calls(page) if call["name"] == "get_response"]
    assert len(polls) >= 2, polls  # it followed the run, not just the first result
    sinces = [call["arguments"]["since_sequence"] for call in polls]
    assert sinces == sorted(sinces) and sinces[0] >= 0 and len(set(sinces)) == len(sinces)
    first = polls[0]["arguments"]["response_id"]
    assert all(call["arguments"]["response_id"] == first for call in polls)
    # A follow-up from the app: submit_task chained to this run, then the view follows the new one.
    await app.get_by_label("Continue this session (same context and budget)").fill(script({"say": "Next turn."}))
    await app.get_by_role("button", name="Send follow-up").click()
    await expect(app.locator("#answer")).to_have_text("Next turn.")
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "completed")
    [follow_up] = [call for call in await calls(page) if call["name"] == "submit_task"]
    assert follow_up["arguments"]["previous_response_id"] == first
    assert await app.locator("#run h1").inner_text() != f"Run {first}"


async def test_app_approves_a_paused_run_by_raising_the_cap(mcp_url: str, tmp_path) -> None:
    async with hosted(mcp_url, tmp_path) as (page, client):
        await _app_approves_a_paused_run_by_raising_the_cap(page, client)


async def _app_approves_a_paused_run_by_raising_the_cap(page: Page, client: Any) -> None:
    app = await open_app(page, client, "submit_task", {"input": script({"say": "Approved answer."}),
                                                       "max_cost_usd": 0.0001, "wait_seconds": 10})
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "incomplete")
    await expect(app.get_by_role("region", name="Approval needed")).to_be_visible()
    await app.get_by_label("New spend cap (USD)").fill("2")
    await app.get_by_role("button", name="Raise cap and approve").click()
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "completed")
    await expect(app.locator("#answer")).to_have_text("Approved answer.")
    [approve] = [call for call in await calls(page) if call["name"] == "approve"]
    assert approve["arguments"] == {"response_id": approve["arguments"]["response_id"], "approve": True,
                                    "new_max_cost_usd": 2}


async def test_app_cancels_a_running_run_opened_from_get_response(mcp_url: str, tmp_path) -> None:
    async with hosted(mcp_url, tmp_path) as (page, client):
        await _app_cancels_a_running_run_opened_from_get_response(page, client)


async def _app_cancels_a_running_run_opened_from_get_response(page: Page, client: Any) -> None:
    started = await client.call_tool("submit_task", {"input": script({"hang_ms": 60_000}, {"say": "never"}),
                                                     "wait_seconds": 0})
    response_id = started.structured_content["response_id"]
    app = await open_app(page, client, "get_response", {"response_id": response_id, "wait_seconds": 0})
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "in_progress")
    await app.get_by_role("button", name="Cancel run").click()
    await expect(app.locator("#run .status")).to_have_attribute("data-status", "cancelled")
    assert [call["arguments"] for call in await calls(page) if call["name"] == "cancel"] == [
        {"response_id": response_id}]
