"""hub_search and hub_repo_details against the emulator, through the real huggingface_hub client."""

from __future__ import annotations

import json

import pytest

from agent.tools.base import ToolFailure
from agent.tools.research.hub import HubRepoDetails, HubSearch
from tests.tools.context import call


def rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()[1:]]


async def test_model_search_filters_sorts_and_reports_more(ctx, emu):
    out = await call(HubSearch(), ctx, kind="model", pipeline_tag="text-generation", author="Qwen", limit=3)
    found = rows(out)
    assert len(found) == 3 and "more exist" in out.splitlines()[0]
    assert all(r["id"].startswith("Qwen/") and r["pipeline_tag"] == "text-generation" for r in found)
    assert [r["downloads"] for r in found] == sorted((r["downloads"] for r in found), reverse=True)
    assert all(r["url"] == f"{emu.url}/{r['id']}" and r["parameters"] > 0 and r["last_modified"] for r in found)
    # The caller's token went with the request, as alice.
    (request,) = emu.state.recorded("/api/models")
    assert request["account"] == "alice" and request["query"]["limit"] == ["4"]


async def test_dataset_and_space_search(ctx, emu):
    out = await call(HubSearch(), ctx, kind="dataset", author="trl-lib", sort="likes", limit=50)
    assert "(all matches)" in out
    assert {r["id"] for r in rows(out)} >= {"trl-lib/Capybara", "trl-lib/ultrafeedback_binarized"}
    spaces = rows(await call(HubSearch(), ctx, kind="space", search="leaderboard", limit=20))
    assert spaces and all(r["url"].startswith(f"{emu.url}/spaces/") and r["sdk"] and r["stage"] for r in spaces)


async def test_space_search_sorts_by_likes_since_spaces_have_no_downloads(ctx, emu):
    out = await call(HubSearch(), ctx, kind="space", search="leaderboard", limit=3)
    assert out.startswith("3 spaces sorted by likes")
    found = rows(out)
    assert found[0]["id"] == "open-llm-leaderboard/open_llm_leaderboard"  # the most liked, not an arbitrary one
    assert [r["likes"] for r in found] == sorted((r["likes"] for r in found), reverse=True)
    (request,) = emu.state.recorded("/api/spaces")
    assert request["query"]["sort"] == ["likes"]


async def test_no_match_is_a_hint_not_an_error(ctx):
    out = await call(HubSearch(), ctx, kind="model", search="definitely-not-a-model-xyz")
    assert out.startswith("No models matched")


async def test_repo_details_model_card_files_params(ctx, emu):
    details = json.loads(await call(HubRepoDetails(), ctx, repo_id="Qwen/Qwen3-0.6B"))
    assert details["url"] == f"{emu.url}/Qwen/Qwen3-0.6B"
    assert details["parameters"] == 751_632_384 and details["card_data"]["license"] == "apache-2.0"
    assert "config.json" in details["files"] and details["downloads"] > 0 and details["likes"] > 0


async def test_repo_details_dataset_and_space(ctx):
    ds = json.loads(await call(HubRepoDetails(), ctx, repo_id="HuggingFaceH4/ultrachat_200k", kind="dataset"))
    assert ds["card_data"]["license"] == "mit" and ds["description"]
    space = json.loads(await call(HubRepoDetails(), ctx, repo_id="mteb/leaderboard", kind="space"))
    assert space["runtime"]["stage"] == "RUNNING" and "BAAI/bge-m3" in space["linked_models"]


async def test_repo_details_missing_repo_says_what_to_try(ctx):
    with pytest.raises(ToolFailure, match="kind=dataset"):
        await call(HubRepoDetails(), ctx, repo_id="HuggingFaceH4/ultrachat_200k")


def test_arguments_are_validated_before_any_call():
    with pytest.raises(ToolFailure, match="limit"):
        HubSearch().parse(json.dumps({"limit": 500}))
    with pytest.raises(ToolFailure, match="repo_id"):
        HubRepoDetails().parse(json.dumps({"repo_id": "a/b/c"}))
