"""hub_query end to end against the emulator: helpers, envelope, contracts, budget and coverage meta."""

from __future__ import annotations

import json

import pytest

from agent.tools.base import ToolFailure
from agent.tools.code_mode import HubQuery
from agent.tools.code_mode.registry import HELPERS
from tests.tools.context import call


@pytest.fixture
def tool(runner) -> HubQuery:
    return HubQuery(runner)


async def query(tool, ctx, code: str, max_calls: int = 20) -> dict:
    return json.loads(await call(tool, ctx, code=code, max_calls=max_calls))


def hub_requests(emu) -> list[dict]:
    return [r for r in emu.state.recorded() if r["path"].startswith("/api/")]


async def test_model_search_envelope_fields_and_coverage(tool, ctx, emu):
    out = await query(tool, ctx, """
resp = await hf_models_search(pipeline_tag="text-generation", author="Qwen", sort="downloads", limit=3,
                              fields=["repo_id", "downloads", "num_params", "repo_url"])
result = {"results": resp["items"], "coverage": resp["meta"], "ok": resp["ok"], "error": resp["error"]}
result""")
    result = out["result"]
    assert result["ok"] is True and result["error"] is None and out["calls_used"] == 1
    assert [set(r) for r in result["results"]] == [{"repo_id", "downloads", "num_params", "repo_url"}] * 3
    assert result["results"][0]["repo_url"] == f"{emu.url}/{result['results'][0]['repo_id']}"
    coverage = result["coverage"]
    assert coverage["limit_boundary_hit"] is True and coverage["more_available"] is True
    assert coverage["budget_used"] == 1 and coverage["budget_remaining"] == 19
    (request,) = hub_requests(emu)
    assert request["query"]["sort"] == ["downloads"] and request["query"]["pipeline_tag"] == ["text-generation"]
    assert "safetensors" in request["query"]["expand"]  # default expand covers the canonical fields


async def test_unknown_field_where_key_or_operator_fails_fast_without_a_hub_call(tool, ctx, emu):
    out = await query(tool, ctx, """
a = await hf_models_search(fields=["repo_id", "nope"])
b = await hf_trending(where={"stars": {"gte": 1}})
c = await hf_user_graph(where={"username": {"startswith": "a"}})
d = await hf_models_search(sort="stars")
result = [a["ok"], a["error"], b["error"], c["error"], d["error"]]
result""")
    ok, *errors = out["result"]
    assert ok is False
    assert "Unknown fields ['nope']" in errors[0] and "Allowed fields" in errors[0]
    assert "Unknown where field 'stars'" in errors[1]
    assert "Unknown where operator 'startswith'" in errors[2]
    assert "Unsupported sort 'stars'" in errors[3]
    assert out["calls_used"] == 0 and hub_requests(emu) == [] and len(out["helper_errors"]) == 4


async def test_max_calls_is_the_whole_budget_counted_on_the_host(tool, ctx, emu):
    out = await query(tool, ctx, """
first = await hf_whoami()
second = await hf_trending(limit=2)
third = await hf_whoami()
result = {"ok": [first["ok"], second["ok"], third["ok"]], "third": third}
result""", max_calls=2)
    assert out["result"]["ok"] == [True, True, False]
    assert "max_calls budget exhausted" in out["result"]["third"]["error"]
    assert out["result"]["third"]["meta"]["budget_exhausted"] is True
    assert out["calls_used"] == 2 and len(hub_requests(emu)) == 2


async def test_budget_counts_calls_made_concurrently(tool, ctx, emu):
    out = await query(tool, ctx, """
calls = [hf_whoami() for i in range(5)]
done = []
for c in calls:
    done.append((await c)["ok"])
result = done
result""", max_calls=3)
    assert sorted(out["result"]) == [False, False, True, True, True]
    assert len(hub_requests(emu)) == 3


async def test_coverage_when_a_limit_is_hit_versus_a_complete_scan(tool, ctx):
    out = await query(tool, ctx, """
partial = await hf_user_graph(relation="followers", limit=100, fields=["username"])
full = await hf_user_graph(relation="followers", limit=1000, fields=["username"])
pro = await hf_user_graph(relation="followers", pro_only=True, count_only=True)
result = {"partial": partial["meta"], "n_partial": len(partial["items"]), "full": full["meta"],
          "n_full": len(full["items"]), "pro": pro["meta"]}
result""")
    r = out["result"]
    assert r["n_partial"] == 100 and r["partial"]["truncated"] is True and r["partial"]["more_available"] is True
    assert r["partial"]["truncated_by"] == "limit" and r["partial"]["limit_boundary_hit"] is True
    assert r["n_full"] == r["full"]["total"] > 100 and r["full"]["complete"] is True  # spans Link-header pages
    assert r["full"]["more_available"] is False and r["full"]["exact_count"] is True
    assert 0 < r["pro"]["count"] < r["n_full"]
    assert out["calls_used"] == 3  # each listing is one call, however many Link pages it follows


async def test_hard_cap_on_trending(tool, ctx):
    out = await query(tool, ctx, """
t = await hf_trending(repo_type="all", limit=50, where={"likes": {"gte": 100}},
                      fields=["repo_id", "repo_type", "trending_rank", "likes"])
result = {"items": t["items"], "meta": t["meta"]}
result""")
    meta, items = out["result"]["meta"], out["result"]["items"]
    assert meta["applied_limit"] == 20 and meta["hard_cap_applied"] is True and meta["truncated_by"] == "hard_cap"
    assert all(i["likes"] >= 100 for i in items)
    assert [i["trending_rank"] for i in items] == sorted(i["trending_rank"] for i in items)


async def test_repo_details_auto_type_and_missing_repos(tool, ctx):
    out = await query(tool, ctx, """
r = await hf_repo_details(repo_ids=["Qwen/Qwen3-0.6B", "HuggingFaceH4/ultrachat_200k", "nobody/nothing"],
                          fields=["repo_id", "repo_type", "num_params"])
result = r
result""")
    env = out["result"]
    assert [(i["repo_id"], i["repo_type"]) for i in env["items"]] == [("Qwen/Qwen3-0.6B", "model"),
                                                                      ("HuggingFaceH4/ultrachat_200k", "dataset")]
    assert env["meta"]["not_found"] == ["nobody/nothing"] and env["meta"]["complete"] is False
    assert out["calls_used"] == 1 + 2 + 3  # auto mode tries model, dataset, space in turn


async def test_search_helpers_push_filters_upstream(tool, ctx, emu):
    out = await query(tool, ctx, """
d = await hf_datasets_search(author="trl-lib", task_categories="text-generation", post_filter={"likes": {"gte": 100}},
                             fields=["repo_id", "likes"])
s = await hf_spaces_search(models="Qwen/Qwen3-32B", fields=["repo_id", "runtime_stage", "sdk"])
x = await hf_repo_search(search="Qwen3", repo_types=["model", "space"], sort="likes", limit=4,
                         fields=["repo_id", "repo_type", "likes"])
result = {"d": d["items"], "s": s["items"], "x": x["items"]}
result""")
    r = out["result"]
    assert r["d"] and all(i["likes"] >= 100 and i["repo_id"].startswith("trl-lib/") for i in r["d"])
    assert r["s"] == [{"repo_id": "Qwen/Qwen3-Demo", "runtime_stage": "RUNNING", "sdk": "gradio"}]
    assert [i["likes"] for i in r["x"]] == sorted((i["likes"] for i in r["x"]), reverse=True)
    assert {i["repo_type"] for i in r["x"]} == {"model", "space"}
    datasets_query = emu.state.recorded("/api/datasets")[0]["query"]
    assert datasets_query["filter"] == ["task_categories:text-generation"] and datasets_query["author"] == ["trl-lib"]


async def test_social_helpers(tool, ctx):
    out = await query(tool, ctx, """
members = await hf_org_members("huggingface", where={"role": "admin"}, fields=["username", "role"])
likers = await hf_repo_likers("Qwen/Qwen3-0.6B", "model", fields=["username"])
me = await hf_profile_summary()
org = await hf_profile_summary(handle="Qwen")
feed = await hf_recent_activity(entity="alice", activity_types=["like"], limit=5, fields=["event_type", "repo_id"])
who = await hf_whoami()
result = {"members": members["items"], "likers": likers["meta"]["total"], "me": me["item"], "org": org["item"],
          "feed": feed["items"], "who": who["item"]}
result""", max_calls=20)
    r = out["result"]
    assert r["members"] and all(m["role"] == "admin" for m in r["members"])
    assert r["likers"] >= 1
    assert r["me"]["handle"] == "alice" and r["me"]["entity_type"] == "user" and r["me"]["followers_count"] > 100
    assert r["org"]["entity_type"] == "organization" and r["org"]["members_count"] == 15
    assert len(r["feed"]) == 5 and {e["event_type"] for e in r["feed"]} == {"like"}
    assert r["who"] == {"username": "alice", "fullname": "Alice Liddell", "is_pro": False}


async def test_user_likes_popularity_ranking_is_bounded_and_reports_it(tool, ctx):
    out = await query(tool, ctx, """
r = await hf_user_likes(username="alice", sort="repo_likes", ranking_window=10, limit=3,
                        fields=["repo_id", "repo_likes"])
result = {"results": r["items"], "coverage": r["meta"]}
result""", max_calls=40)
    items, meta = out["result"]["results"], out["result"]["coverage"]
    assert [i["repo_likes"] for i in items] == sorted((i["repo_likes"] for i in items), reverse=True)
    assert meta["ranking_window"] == 10 and meta["ranking_window_hit"] is True and meta["ranking_complete"] is False
    assert out["calls_used"] == 1 + 10  # the likes listing + one detail call per ranked like


async def test_collections_discussions_and_papers(tool, ctx, emu):
    out = await query(tool, ctx, """
cols = await hf_collections_search(owner="qwen", fields=["collection_id", "title", "owner"])
items = await hf_collection_items(cols["items"][0]["collection_id"], repo_types=["model"],
                                  fields=["repo_id", "repo_type"])
disc = await hf_repo_discussions("model", "Qwen/Qwen3-0.6B", limit=60, fields=["num", "title", "status"])
detail = await hf_repo_discussion_details("model", "Qwen/Qwen3-0.6B", 4)
papers = await hf_daily_papers(limit=3, fields=["paper_id", "title", "rank"])
result = {"cols": cols["items"], "items": items["items"], "n_disc": len(disc["items"]), "disc": disc["meta"],
          "detail": detail["item"], "papers": papers["items"]}
result""", max_calls=20)
    r = out["result"]
    assert {c["owner"] for c in r["cols"]} == {"Qwen"} and r["cols"][0]["title"].startswith("Qwen")
    assert r["items"] and all(i["repo_type"] == "model" and i["repo_id"].startswith("Qwen/") for i in r["items"])
    assert r["n_disc"] == 60 and r["disc"]["pages"] == 2 and r["disc"]["total"] == 60
    assert r["detail"]["num"] == 4 and r["detail"]["comment_count"] >= 1 and r["detail"]["latest_comment_text"]
    assert [p["rank"] for p in r["papers"]] == [1, 2, 3]
    # "qwen" found no collections upstream, so the helper resolved the owner's canonical name and retried.
    owners = [req["query"].get("owner") for req in emu.state.recorded("/api/collections") if "owner" in req["query"]]
    assert owners == [["qwen"], ["Qwen"]]


async def test_runtime_capabilities_needs_no_hub_call(tool, ctx):
    out = await query(tool, ctx, "c = await hf_runtime_capabilities(section='fields')\nresult = c['item']['fields']")
    assert out["calls_used"] == 0 and "repo_id" in out["result"]["repo"]


async def test_script_errors_are_tool_failures_the_model_can_act_on(tool, ctx):
    with pytest.raises(ToolFailure, match="import is not available"):
        await call(tool, ctx, code="import requests\nresult = 1")
    with pytest.raises(ToolFailure, match=r"(?s)IndexError.*calls_used"):
        await call(tool, ctx, code="r = await hf_whoami()\nresult = r['items'][5]")
    with pytest.raises(ToolFailure, match="unexpected keyword argument 'colour'.*Signature: hf_whoami()"):
        await call(tool, ctx, code="result = await hf_whoami(colour='red')")
    with pytest.raises(ToolFailure, match="max_calls"):
        HubQuery().parse(json.dumps({"code": "result = 1", "max_calls": 10_000}))


async def test_large_results_are_truncated_with_a_hint(tool, ctx):
    out = await call(tool, ctx, code="r = await hf_models_search(limit=200)\nresult = r['items']")
    assert "…[truncated:" in out and "fields=[...]" in out


async def test_tool_logs_calls_used(tool, ctx_and_collected):
    ctx, collected = ctx_and_collected
    await call(tool, ctx, code="result = (await hf_whoami())['item']['username']")
    assert collected.logs and collected.logs[0].startswith("hub_query: 1/20 Hub calls")


def test_description_is_generated_from_the_registry():
    description = HubQuery.description
    for spec in HELPERS:
        assert spec.render_signature().split("(")[0] + "(" in description
    assert "limit 100/max 5000" in description and "eq,in,contains,icontains,gte,lte" in description


@pytest.mark.parametrize(("mode", "error"), [("garbage", "body that is not JSON"), ("error", "Hub answered 503")])
async def test_a_hub_fault_is_the_helpers_error_not_the_scripts_crash(tool, ctx, emu, mode, error):
    from tests.emulator.hub_faults import HubFault

    emu.state.hub_faults.set("whoami", HubFault(mode, times=1))  # tests/emulator/hub_faults.py
    out = await query(tool, ctx, """
first = await hf_whoami()
second = await hf_whoami()
[first["ok"], first["error"], second["ok"], second["item"]["username"]]""")
    ok, message, ok_again, username = out["result"]
    assert ok is False and error in message and "/api/whoami-v2" in message
    assert ok_again is True and username == "alice"
