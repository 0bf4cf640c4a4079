"""docs_search and docs_fetch: results, markdown pages, chunking, and the Hugging Face-only fetch rule."""

from __future__ import annotations

import pytest

from agent.tools.research import docs
from agent.tools.base import ToolFailure
from agent.tools.research.docs import DocsFetch, DocsSearch, html_to_text, resolve_doc_url
from tests.emulator import run_emulator
from tests.tools.context import call, tool_context


async def test_search_groups_excerpts_by_page(ctx, emu):
    out = await call(DocsSearch(), ctx, query="GRPO reward functions", product="trl")
    assert f"{emu.url}/docs/trl/grpo_trainer" in out and "### Reward functions" in out
    assert emu.state.recorded("/api/docs/search")[0]["query"] == {"q": ["grpo reward functions"], "product": ["trl"]}
    assert (await call(DocsSearch(), ctx, query="zzzz qqqq")).startswith("No documentation found")


async def test_fetch_canonical_url_is_served_by_the_configured_hub(ctx, emu):
    out = await call(DocsFetch(), ctx, url="https://huggingface.co/docs/trl/dpo_trainer#quick-start")
    assert out.startswith(f"Source: {emu.url}/docs/trl/dpo_trainer") and "## Key parameters" in out
    (request,) = emu.state.recorded("/docs/")
    assert request["headers"]["accept"].startswith("text/markdown")


async def test_fetch_relative_path_and_chunks(ctx, monkeypatch):
    monkeypatch.setattr(docs, "DOC_CHUNK_CHARS", 200)
    first = await call(DocsFetch(), ctx, url="/docs/trl/sft_trainer")
    assert "call docs_fetch with offset=200" in first
    rest = await call(DocsFetch(), ctx, url="/docs/trl/sft_trainer", offset=200)
    assert rest.startswith("Source:") and "offset=400" in rest
    with pytest.raises(ToolFailure, match="past the end"):
        await call(DocsFetch(), ctx, url="/docs/trl/sft_trainer", offset=10**6)


async def test_fetch_unknown_page(ctx):
    with pytest.raises(ToolFailure, match="docs_search"):
        await call(DocsFetch(), ctx, url="https://huggingface.co/docs/trl/nope")


@pytest.mark.parametrize("url", ["https://example.com/docs/trl/sft_trainer", "http://huggingface.co/docs/trl/x",
                                 "https://huggingface.co.evil.com/docs/trl/x", "https://user@huggingface.co/docs/x",
                                 "https://huggingface.co/api/whoami-v2", "/docs/../api/whoami-v2",
                                 "file:///etc/passwd", "javascript:alert(1)"])
def test_only_hugging_face_docs_urls_resolve(url):
    with pytest.raises(ToolFailure, match="only fetches Hugging Face documentation"):
        resolve_doc_url(url, "http://127.0.0.1:9")


async def test_non_hf_url_is_refused_before_any_request(emu):
    with run_emulator() as foreign:  # a live server that is not the configured Hub
        async with tool_context(emu.url) as (ctx, _):
            with pytest.raises(ToolFailure, match="Refused"):
                await call(DocsFetch(), ctx, url=f"{foreign.url}/docs/trl/sft_trainer")
        assert foreign.state.recorded() == []


def test_html_pages_become_readable_text():
    page = ("<html><head><script>x()</script></head><body><nav>menu</nav><h1>Title</h1><p>Hello &amp; bye</p>"
            "<ul><li>one</li></ul><footer>f</footer></body></html>")
    text = html_to_text(page)
    assert text.startswith("# Title") and "Hello & bye" in text and "- one" in text
    assert "menu" not in text and "x()" not in text
