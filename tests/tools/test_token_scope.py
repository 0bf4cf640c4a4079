"""The caller's token goes only to the configured Hugging Face hosts, whatever a tool is asked to fetch."""

from __future__ import annotations

import httpx
import pytest

from agent.tools.base import ToolFailure
from agent.hub_ids import hub_path
from agent.tools.code_mode.runtime import Budget, ScriptRun
from agent.tools.datasets.inspect import DatasetInspect
from agent.tools.research.docs import DocsFetch, DocsSearch
from agent.tools.research.hub import HubRepoDetails, HubSearch
from agent.tools.research.papers import PaperRead, PaperSearch
from agent.tools.code_mode import HubQuery
from tests.emulator import run_emulator
from tests.tools.context import call, tool_context

HUB = "https://hub.test"
FOREIGN = "https://evil.example"


def mock_hub(seen: list[httpx.Request]):
    """A fake Hub whose answers point elsewhere (a Link page, a redirect) to tempt clients off Hugging Face."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host != "hub.test":
            return httpx.Response(200, json=[{"user": "mallory"}])
        if request.url.path == "/api/users/alice/followers":
            return httpx.Response(200, json=[{"user": "bob"}], headers={"link": f'<{FOREIGN}/page2>; rel="next"'})
        if request.url.path.startswith("/docs/"):
            return httpx.Response(302, headers={"location": f"{FOREIGN}/docs/steal"})
        return httpx.Response(404, json={"error": "nope"})

    return httpx.MockTransport(handler)


async def test_link_pages_off_hugging_face_are_fetched_without_the_token():
    seen: list[httpx.Request] = []
    async with tool_context(HUB, transport=mock_hub(seen)) as (ctx, _):
        run = ScriptRun(http=ctx.http, hub_url=HUB, username="alice", budget=Budget(max_calls=5))
        rows, _more = await run.get_listing(hub_path("api", "users", "alice", "followers"), {}, 10)
    assert [r["user"] for r in rows] == ["bob", "mallory"]
    hub_request, foreign_request = seen
    assert hub_request.headers["authorization"] == "Bearer hf_emu_alice"
    assert "authorization" not in foreign_request.headers


async def test_docs_redirect_off_hugging_face_is_refused_before_following():
    seen: list[httpx.Request] = []
    async with tool_context(HUB, transport=mock_hub(seen)) as (ctx, _):
        with pytest.raises(ToolFailure, match="Refused"):
            await call(DocsFetch(), ctx, url="https://huggingface.co/docs/trl/index")
    assert [str(r.url) for r in seen] == [f"{HUB}/docs/trl/index"]  # never reached evil.example


async def test_every_tool_sends_the_token_to_hugging_face_hosts_only(runner):
    with run_emulator() as hub, run_emulator() as viewer, run_emulator() as foreign:
        # datasets-server on its own host, as in production.
        async with tool_context(hub.url, datasets_server_url=viewer.url) as (ctx, _):
            await call(HubSearch(), ctx, search="qwen", limit=2)
            await call(HubRepoDetails(), ctx, repo_id="BAAI/bge-m3")
            await call(PaperSearch(), ctx, query="lora")
            await call(PaperRead(), ctx, arxiv_id="2106.09685")
            await call(DocsSearch(), ctx, query="chat template")
            await call(DocsFetch(), ctx, url="https://huggingface.co/docs/transformers/chat_templating")
            await call(DatasetInspect(), ctx, dataset="trl-lib/Capybara", rows=1)
            await call(HubQuery(runner), ctx, code="r = await hf_user_graph(limit=5)\nresult = r['ok']")
            for url in (f"{foreign.url}/docs/trl/sft_trainer", f"{foreign.url}/api/whoami-v2"):
                with pytest.raises(ToolFailure, match="Refused"):
                    await call(DocsFetch(), ctx, url=url)

        def logged(handle) -> list[dict]:
            return httpx.get(f"{handle.url}/_emulator/requests").json()["requests"]

        hub_log, viewer_log = logged(hub), logged(viewer)
        assert {r["path"].split("/")[1] for r in hub_log} >= {"api", "papers", "docs"}
        assert {r["path"] for r in viewer_log} >= {"/is-valid", "/splits", "/info", "/rows"}
        # The bearer reached both Hugging Face hosts as alice (huggingface_hub's paper_info/read_paper send
        # no token at all: those endpoints are public)...
        anonymous = {r["path"] for r in hub_log + viewer_log if r["account"] is None}
        assert anonymous == {"/api/papers/2106.09685", "/papers/2106.09685.md"}
        signed = [r for r in hub_log + viewer_log if r["account"] is not None]
        assert signed and all(r["headers"]["authorization"] == "Bearer alice" for r in signed)
        # ...and nothing at all reached the other host.
        assert logged(foreign) == []
