"""No id the model writes can steer a request to another Hub route: every tool and code-mode helper that puts a
name into a URL checks it against the Hub's grammar (agent/hub_ids.py) and builds the path with encoded segments.
``hf_repo_details("../../api/whoami-v2?")`` used to reach /api/whoami-v2 with the caller's token."""

from __future__ import annotations

import json

import pytest

from agent import hub_ids
from agent.hub_ids import InvalidHubName, hub_path
from agent.tools.base import ToolFailure
from agent.tools.code_mode import HubQuery
from agent.tools.datasets.inspect import DatasetInspect
from agent.tools.research.docs import DocsFetch
from agent.tools.research.hub import HubRepoDetails
from agent.tools.jobs.monitor import HfJobInspect
from agent.tools.repos.write import HubCommitFiles
from tests.tools.context import call

# Traversal and injection attempts: raw and encoded dots, query and fragment injection, other hosts, backslashes.
ATTACKS = [
    "../../api/whoami-v2?", "../../api/whoami-v2#", "..", "../..", "Qwen/..", "Qwen/../../api/whoami-v2",
    "%2e%2e/%2e%2e/api/whoami-v2", "..%2F..%2Fapi%2Fwhoami-v2", "Qwen/Qwen3-0.6B?expand=x", "Qwen/Qwen3-0.6B#x",
    "https://evil.example/api", "//evil.example/x", "Qwen\\..\\..\\api", "a/b/c", "Qwen/Qwen3-0.6B/../../x",
    "a--b", "a..b", ".hidden", "name-", " Qwen/Qwen3-0.6B/..", "\u0430lice", "x" * 97, "a\x00b",
]
# Values of the wrong type reach helpers from scripts too.
WRONG_TYPES = [123, ["Qwen/Qwen3-0.6B"], {"id": "x"}, 1.5]


def hub_requests(emu) -> list[str]:
    return [r["path"] for r in emu.state.recorded()]


# ---------------------------------------------------------------- the grammar itself

@pytest.mark.parametrize("rid", ["gpt2", "Qwen/Qwen3-0.6B", "distilbert-base-uncased", "a_b/c.d-e", "_x/y_",
                                 "HuggingFaceH4/ultrachat_200k", "a" * 96 + "/" + "b" * 96, "1/2"])
def test_real_repo_ids_are_accepted(rid):
    assert hub_ids.repo_id(rid) == rid


@pytest.mark.parametrize("bad", ATTACKS + WRONG_TYPES + ["", "/", "a/", "/a", "repo.git", "a/repo.git"])
def test_everything_else_is_refused_with_a_clear_message(bad):
    with pytest.raises(InvalidHubName) as raised:
        hub_ids.repo_id(bad)
    assert "repo id" in str(raised.value)


def test_paths_encode_every_segment_and_refuse_dot_segments():
    assert hub_path("api", "models", "Qwen", "Qwen3-0.6B") == "/api/models/Qwen/Qwen3-0.6B"
    assert hub_path("api", "a?b#c/d%e\\f") == "/api/a%3Fb%23c%2Fd%25e%5Cf"
    for segment in ("..", ".", ""):
        with pytest.raises(InvalidHubName):
            hub_path("api", segment)
    assert hub_ids.repo_api_path("dataset", "a/b", "discussions", "3") == "/api/datasets/a/b/discussions/3"
    with pytest.raises(InvalidHubName):
        hub_ids.repo_api_path("user", "a/b")


@pytest.mark.parametrize("path", ["../x", "a/../../x", "a//b", "./a", "a/.", "a\\b", "/abs", "", "a\x00", "a/\n"])
def test_repo_file_paths_stay_inside_the_repo(path):
    with pytest.raises(InvalidHubName):
        hub_ids.repo_file_path(path)
    assert hub_ids.repo_file_path("src/train.py") == "src/train.py"


# ---------------------------------------------------------------- code-mode helpers

HELPER_CALLS = [
    "hf_repo_details(repo_id=X)", "hf_repo_details(repo_ids=[X])", "hf_repo_discussions('model', X)",
    "hf_repo_discussion_details('model', X, 1)", "hf_repo_likers(X, 'model')", "hf_user_graph(username=X)",
    "hf_org_members(X)", "hf_user_likes(username=X)", "hf_profile_summary(handle=X)",
    "hf_recent_activity(entity=X)", "hf_collections_search(owner=X)", "hf_collection_items(X)",
]


@pytest.fixture
def tool(runner) -> HubQuery:
    return HubQuery(runner)


@pytest.mark.parametrize("attack", ATTACKS + WRONG_TYPES, ids=repr)
async def test_helpers_refuse_traversal_before_any_request(tool, ctx, emu, attack):
    lines = [f"X = {attack!r}", "out = []"]
    lines += [f"r = await {helper}\nout.append([r['ok'], r['error']])" for helper in HELPER_CALLS]
    out = json.loads(await call(tool, ctx, code="\n".join(lines + ["out"]), max_calls=50))
    for helper, (ok, error) in zip(HELPER_CALLS, out["result"]):
        assert ok is False and error, (helper, attack)
        assert "Unexpected" not in error and "Traceback" not in error
    assert out["calls_used"] == 0
    assert hub_requests(emu) == []  # nothing left the process: no whoami, no other route


async def test_the_reported_traversal_no_longer_reaches_whoami(tool, ctx, emu):
    out = json.loads(await call(tool, ctx, code='r = await hf_repo_details("../../api/whoami-v2?")\nr'))
    assert out["result"]["ok"] is False and "invalid repo id" in out["result"]["error"]
    assert "alice@" not in json.dumps(out) and hub_requests(emu) == []


async def test_helpers_still_reach_real_ids(tool, ctx, emu):
    out = json.loads(await call(tool, ctx, code="""
a = await hf_repo_details(repo_id="Qwen/Qwen3-0.6B", fields=["repo_id"])
b = await hf_user_graph(username="alice", limit=1)
[a["ok"], a["items"], b["ok"]]"""))
    assert out["result"] == [True, [{"repo_id": "Qwen/Qwen3-0.6B"}], True]
    assert hub_requests(emu) == ["/api/models/Qwen/Qwen3-0.6B", "/api/users/alice/followers"]


async def test_wrong_query_value_types_are_the_scripts_error(tool, ctx, emu):
    out = json.loads(await call(tool, ctx, code="""
r = await hf_models_search(author={"name": "Qwen"})
[r["ok"], r["error"]]"""))
    assert out["result"][0] is False and "author must be a string" in out["result"][1]
    assert hub_requests(emu) == []


# ---------------------------------------------------------------- tools

@pytest.mark.parametrize("attack", ATTACKS, ids=repr)
async def test_tools_refuse_bad_ids_as_argument_errors(ctx, emu, attack):
    commit = {"commit_message": "m", "files": [{"path": "a.txt", "content": "x"}]}
    for tool, arguments in ((HubRepoDetails(), {"repo_id": attack}), (DatasetInspect(), {"dataset": attack}),
                            (HfJobInspect(), {"job_id": attack}),
                            (HubCommitFiles(collections=None), {"repo_id": attack, **commit})):
        with pytest.raises(ToolFailure, match=f"Invalid arguments for {tool.name}") as raised:
            await call(tool, ctx, **arguments)
        assert "unexpectedly" not in str(raised.value)
    assert hub_requests(emu) == []


@pytest.mark.parametrize("path", ["../x", "a/../../x", "a//b", "./a", "a\\..\\x", "/etc/passwd", "a/\n"])
async def test_commit_paths_stay_inside_the_repo(ctx, emu, path):
    for arguments in ({"files": [{"path": path, "content": "x"}]}, {"delete_paths": [path]}):
        with pytest.raises(ToolFailure, match="Invalid arguments for hub_commit_files"):
            await call(HubCommitFiles(collections=None), ctx, repo_id="alice/x", commit_message="m", **arguments)
    assert hub_requests(emu) == []


@pytest.mark.parametrize("url", [
    "/docs/%2e%2e/%2e%2e/api/whoami-v2", "/docs/trl/%2e%2e/%2e%2e/api/whoami-v2", "/docs/trl/%2E%2E/x",
    "/docs/trl/..%2F..%2Fapi%2Fwhoami-v2", "/docs/trl/%252e%252e/x", "/docs/trl\\..\\..\\api\\whoami-v2",
    "/docs/trl/x%3F.md", "/docs/trl/x%23y", "https://huggingface.co/docs/%2e%2e/api/whoami-v2",
    "https://huggingface.co/docs/trl/..%2f..%2f..%2fapi%2fwhoami-v2", "/docs/", "/docs/./trl",
    "docs/trl/%00", "//evil.example/docs/trl/x", "https://evil.example/docs/trl/x",
])
async def test_docs_fetch_refuses_encoded_traversal_before_any_request(ctx, emu, url):
    with pytest.raises(ToolFailure, match="Refused"):
        await call(DocsFetch(), ctx, url=url)
    assert hub_requests(emu) == []


async def test_docs_fetch_still_fetches_pages_with_a_query_or_fragment(ctx, emu):
    text = await call(DocsFetch(), ctx, url="https://huggingface.co/docs/trl/sft_trainer?x=1#dataset-format")
    assert text.startswith(f"Source: {emu.url}/docs/trl/sft_trainer\n")


async def test_dataset_viewer_names_stay_query_parameters(ctx, emu):
    # config and split go to datasets-server as query parameters: an attack string cannot change the path.
    for name in ("../../api/whoami-v2?x=1#", "%2e%2e/rows"):
        with pytest.raises(ToolFailure, match="No config"):
            await call(DatasetInspect(), ctx, dataset="stanfordnlp/imdb", config=name)
    assert set(hub_requests(emu)) == {"/is-valid", "/splits"}
