"""paper_search and paper_read against the emulator's paper endpoints (via huggingface_hub)."""

from __future__ import annotations

import json

import pytest

from agent.tools.research import papers
from agent.tools.base import ToolFailure
from agent.tools.research.papers import PaperRead, PaperSearch, find_section, split_sections
from tests.tools.context import call


async def test_search_by_query(ctx, emu):
    out = await call(PaperSearch(), ctx, query="preference optimization", limit=5)
    found = [json.loads(line) for line in out.splitlines()[1:]]
    assert found[0]["id"] == "2305.18290" and found[0]["url"] == f"{emu.url}/papers/2305.18290"
    assert {"2403.07691", "2402.01306"} <= {p["id"] for p in found}
    assert emu.state.recorded("/api/papers/search")[0]["query"]["q"] == ["preference optimization"]


async def test_daily_papers_feed_and_trending(ctx, emu):
    latest = [json.loads(line) for line in (await call(PaperSearch(), ctx, limit=4)).splitlines()[1:]]
    assert [p["daily"] for p in latest] == sorted((p["daily"] for p in latest), reverse=True)
    out = await call(PaperSearch(), ctx, sort="trending", limit=4)
    trending = [json.loads(line) for line in out.splitlines()[1:]]
    assert [p["upvotes"] for p in trending] == sorted((p["upvotes"] for p in trending), reverse=True)
    day = latest[0]["daily"]
    (only,) = [json.loads(line) for line in (await call(PaperSearch(), ctx, date=day)).splitlines()[1:]]
    assert only["daily"] == day


async def test_read_details_lists_sections_and_links(ctx):
    details = json.loads(await call(PaperRead(), ctx, arxiv_id="2305.18290"))
    assert details["title"].startswith("Direct Preference Optimization")
    assert details["linked_datasets"] == ["Anthropic/hh-rlhf", "trl-lib/tldr"]
    assert any(s.startswith("4 Direct Preference Optimization") for s in details["sections"])


async def test_read_section_by_name_number_and_version_suffix(ctx, emu):
    by_word = await call(PaperRead(), ctx, arxiv_id="2106.09685v2", section="method")
    assert by_word.startswith("## 4 Our Method") and "lora_alpha" not in by_word and "alpha / r" in by_word
    by_number = await call(PaperRead(), ctx, arxiv_id="2402.03300", section="4")
    assert "Group Relative Policy Optimization" in by_number
    assert emu.state.recorded("/papers/2106.09685.md")  # the paper page's markdown, version stripped


async def test_long_section_continues_with_offset(ctx, monkeypatch):
    monkeypatch.setattr(papers, "SECTION_CHARS", 100)
    first = await call(PaperRead(), ctx, arxiv_id="2305.18290", section="Direct Preference Optimization")
    assert "call paper_read with offset=100" in first
    second = await call(PaperRead(), ctx, arxiv_id="2305.18290", section="Direct Preference Optimization", offset=100)
    assert second.split("\n\n", 1)[1][:20] not in first


async def test_missing_paper_and_section_are_actionable(ctx):
    with pytest.raises(ToolFailure, match="paper_search"):
        await call(PaperRead(), ctx, arxiv_id="1111.00000")
    with pytest.raises(ToolFailure, match="Sections: "):
        await call(PaperRead(), ctx, arxiv_id="2305.18290", section="Appendix Z")
    with pytest.raises(ToolFailure, match="arxiv_id"):
        PaperRead().parse(json.dumps({"arxiv_id": "not-an-id"}))


def test_section_matching():
    sections = split_sections("# T\n\nintro\n## Abstract\nA\n## 2 Method\nM\n## 3 Experiments\nE")
    assert [h for h, _ in sections] == ["Preamble", "Abstract", "2 Method", "3 Experiments"]
    assert find_section(sections, "2") == ("2 Method", "M")
    assert find_section(sections, "EXPERIMENTS") == ("3 Experiments", "E")
    assert find_section(sections, "nothing") is None
