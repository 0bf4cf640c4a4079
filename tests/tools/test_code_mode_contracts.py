"""Code-mode contracts: seed 002's signatures, field/where rules, coverage meta and row normalization."""

from __future__ import annotations

import ast
import inspect

import pytest

from agent.tools.code_mode.contracts import REPO_FIELDS
from agent.tools.code_mode.filtering import HelperInputError, apply_where, check_fields, compile_where, project
from agent.tools.code_mode.registry import HELPERS_BY_NAME
from agent.tools.code_mode.rows import repo_row
from agent.tools.code_mode.runtime import coverage_meta

# Verbatim from seed 002 ("Helper signatures (generated from Python)"); long lines kept as the seed prints them.
SEED_SIGNATURES = [
    "hf_collection_items(collection_id: 'str', repo_types: 'list[str] | None' = None, limit: 'int' = 100, count_only: 'bool' = False, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_collections_search(query: 'str | None' = None, owner: 'str | None' = None, limit: 'int' = 20, count_only: 'bool' = False, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_daily_papers(limit: 'int' = 20, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_datasets_search(search: 'str | None' = None, filter: 'str | list[str] | None' = None, author: 'str | None' = None, benchmark: 'str | bool | None' = None, dataset_name: 'str | None' = None, gated: 'bool | None' = None, language_creators: 'str | list[str] | None' = None, language: 'str | list[str] | None' = None, multilinguality: 'str | list[str] | None' = None, size_categories: 'str | list[str] | None' = None, task_categories: 'str | list[str] | None' = None, task_ids: 'str | list[str] | None' = None, sort: 'str | None' = None, limit: 'int' = 100, expand: 'list[str] | None' = None, full: 'bool | None' = None, fields: 'list[str] | None' = None, post_filter: 'dict[str, Any] | None' = None) -> 'dict[str, Any]'",
    "hf_models_search(search: 'str | None' = None, filter: 'str | list[str] | None' = None, author: 'str | None' = None, apps: 'str | list[str] | None' = None, gated: 'bool | None' = None, inference: 'str | None' = None, inference_provider: 'str | list[str] | None' = None, model_name: 'str | None' = None, trained_dataset: 'str | list[str] | None' = None, pipeline_tag: 'str | None' = None, num_params: 'str | None' = None, emissions_thresholds: 'tuple[float, float] | None' = None, sort: 'str | None' = None, limit: 'int' = 100, expand: 'list[str] | None' = None, full: 'bool | None' = None, card_data: 'bool' = False, fetch_config: 'bool' = False, fields: 'list[str] | None' = None, post_filter: 'dict[str, Any] | None' = None) -> 'dict[str, Any]'",
    "hf_org_members(organization: 'str', limit: 'int | None' = None, scan_limit: 'int | None' = None, count_only: 'bool' = False, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_profile_summary(handle: 'str | None' = None, include: 'list[str] | None' = None, likes_limit: 'int' = 10, activity_limit: 'int' = 10) -> 'dict[str, Any]'",
    "hf_recent_activity(feed_type: 'str | None' = None, entity: 'str | None' = None, activity_types: 'list[str] | None' = None, repo_types: 'list[str] | None' = None, limit: 'int | None' = None, max_pages: 'int | None' = None, start_cursor: 'str | None' = None, count_only: 'bool' = False, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_repo_details(repo_id: 'str | None' = None, repo_ids: 'list[str] | None' = None, repo_type: 'str' = 'auto', fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_repo_discussion_details(repo_type: 'str', repo_id: 'str', discussion_num: 'int', fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_repo_discussions(repo_type: 'str', repo_id: 'str', limit: 'int' = 20, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_repo_likers(repo_id: 'str', repo_type: 'str', limit: 'int | None' = None, count_only: 'bool' = False, pro_only: 'bool | None' = None, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_repo_search(search: 'str | None' = None, repo_type: 'str | None' = None, repo_types: 'list[str] | None' = None, filter: 'str | list[str] | None' = None, author: 'str | None' = None, sort: 'str | None' = None, limit: 'int' = 100, fields: 'list[str] | None' = None, post_filter: 'dict[str, Any] | None' = None) -> 'dict[str, Any]'",
    "hf_runtime_capabilities(section: 'str | None' = None) -> 'dict[str, Any]'",
    "hf_spaces_search(search: 'str | None' = None, filter: 'str | list[str] | None' = None, author: 'str | None' = None, datasets: 'str | list[str] | None' = None, models: 'str | list[str] | None' = None, linked: 'bool' = False, sort: 'str | None' = None, limit: 'int' = 100, expand: 'list[str] | None' = None, full: 'bool | None' = None, fields: 'list[str] | None' = None, post_filter: 'dict[str, Any] | None' = None) -> 'dict[str, Any]'",
    "hf_trending(repo_type: 'str' = 'model', limit: 'int' = 20, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_user_graph(username: 'str | None' = None, relation: 'str' = 'followers', limit: 'int | None' = None, scan_limit: 'int | None' = None, count_only: 'bool' = False, pro_only: 'bool | None' = None, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None) -> 'dict[str, Any]'",
    "hf_user_likes(username: 'str | None' = None, repo_types: 'list[str] | None' = None, limit: 'int | None' = None, scan_limit: 'int | None' = None, count_only: 'bool' = False, where: 'dict[str, Any] | None' = None, fields: 'list[str] | None' = None, sort: 'str | None' = None, ranking_window: 'int | None' = None) -> 'dict[str, Any]'",
    "hf_whoami() -> 'dict[str, Any]'",
]


@pytest.mark.parametrize("seed", SEED_SIGNATURES, ids=lambda s: s.split("(")[0])
def test_helper_signatures_match_the_seed(seed):
    name = seed.split("(")[0]
    expected = ast.parse(f"async def {seed.split(' -> ')[0]}: pass").body[0].args
    ours = list(HELPERS_BY_NAME[name].signature.parameters.values())
    names = [a.arg for a in expected.args]
    defaults = [None] * (len(names) - len(expected.defaults)) + [ast.literal_eval(d) for d in expected.defaults]
    annotations = [ast.literal_eval(a.annotation) for a in expected.args]
    assert [p.name for p in ours] == names
    assert [p.annotation for p in ours] == annotations
    assert [None if p.default is inspect.Parameter.empty else p.default for p in ours] == defaults


def test_registry_has_exactly_the_seed_helpers():
    assert set(HELPERS_BY_NAME) == {s.split("(")[0] for s in SEED_SIGNATURES}


ROWS = [{"repo_id": "a/x", "likes": 5, "tags": ["llm", "gguf"], "created_at": "2026-03-01T10:00:00.000Z"},
        {"repo_id": "b/y", "likes": 50, "tags": ["vision"], "created_at": "2025-01-01T00:00:00.000Z"},
        {"repo_id": "c/z", "likes": None, "tags": None, "created_at": None}]


@pytest.mark.parametrize(("where", "ids"), [
    ({"repo_id": "a/x"}, ["a/x"]),
    ({"repo_id": ["a/x", "c/z"]}, ["a/x", "c/z"]),
    ({"tags": "gguf"}, ["a/x"]),
    ({"tags": {"in": ["vision", "audio"]}}, ["b/y"]),
    ({"repo_id": {"contains": "/y"}}, ["b/y"]),
    ({"repo_id": {"icontains": "A/"}}, ["a/x"]),
    ({"likes": {"gte": 5, "lte": 10}}, ["a/x"]),
    ({"created_at": {"gte": "2026-01-01"}}, ["a/x"]),
    ({"created_at": {"lte": "2026-03-01"}}, ["a/x", "b/y"]),
])
def test_where_operators(where, ids):
    allowed = ("repo_id", "likes", "tags", "created_at")
    assert [r["repo_id"] for r in apply_where(ROWS, compile_where(where, allowed))] == ids


@pytest.mark.parametrize(("where", "message"), [
    ({"stars": 1}, "Unknown where field 'stars'"),
    ({"likes": {"gt": 1}}, "Unknown where operator 'gt'"),
    ({"likes": {}}, "has no operator"),
    ({"likes": {"in": 3}}, "must be a list"),
    ([("likes", 1)], "must be a dict"),
])
def test_where_rejections(where, message):
    with pytest.raises(HelperInputError, match=message):
        compile_where(where, ("repo_id", "likes"))


def test_fields_projection_and_rejections():
    fields = check_fields(["likes", "repo_id", "likes"], REPO_FIELDS)
    assert project(ROWS[:1], fields) == [{"likes": 5, "repo_id": "a/x"}]
    assert check_fields(None, REPO_FIELDS) is None
    with pytest.raises(HelperInputError, match=r"Unknown fields \['stars'\]"):
        check_fields(["repo_id", "stars"], REPO_FIELDS)
    with pytest.raises(HelperInputError, match="list of canonical field names"):
        check_fields([1], REPO_FIELDS)


def test_coverage_meta_signals():
    complete = coverage_meta(returned=5, matched=5, applied_limit=10, exact_count=True, more_upstream=False)
    assert complete["complete"] and complete["more_available"] is False and not complete["truncated"]
    cut = coverage_meta(returned=10, matched=11, applied_limit=10, exact_count=False, more_upstream=True)
    assert cut["truncated_by"] == "limit" and cut["more_available"] is True and cut["can_request_more"]
    filtered = coverage_meta(returned=3, matched=3, applied_limit=10, exact_count=False, more_upstream="unknown",
                             scan_limit_hit=True, scan_limit=100)
    assert filtered["more_available"] == "unknown" and filtered["truncated_by"] == "scan_limit"
    assert "scan_limit above 100" in filtered["next_request_hint"]
    capped = coverage_meta(returned=20, matched=20, applied_limit=20, exact_count=False, more_upstream=True,
                           hard_cap=True, page_limit_hit=True, max_pages=2)
    assert capped["truncated_by"] == "multiple"


def test_repo_rows_are_canonical():
    row = repo_row({"id": "o/m", "safetensors": {"total": 7}, "runtime": {"stage": "RUNNING"}, "likes": 1,
                    "cardData": {"short_description": "demo"}}, "space", "https://hub.test")
    assert tuple(row) == REPO_FIELDS
    assert row["num_params"] == 7 and row["runtime_stage"] == "RUNNING" and row["author"] == "o"
    assert row["repo_url"] == "https://hub.test/spaces/o/m" and row["description"] == "demo"
