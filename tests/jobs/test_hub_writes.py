"""Repo creation and commits, the session collection (incl. repos pushed by jobs), and trackio dashboards."""

from __future__ import annotations

import json

import httpx
import pytest
from huggingface_hub import HfApi

from agent.tools.base import ToolFailure
from agent.tools.repos.collection import (SessionCollectionArgs, SessionCollections, SessionCollectionTool,
                                    collection_title, recover_collection_artifacts)
from agent.tools.jobs.launch import HfJobRunUv, UvJobArgs
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.jobs.monitor import HfJobWait, JobWaitArgs
from agent.tools.repos.write import CommitFilesArgs, CreateRepoArgs, FileArg, HubCommitFiles, HubCreateRepo
from agent.tools.jobs.trackio import TrackioArgs, TrackioDashboard
from tests.emulator import EmulatorHandle
from tests.jobs.context import tool_context


def unique(prefix: str, ctx) -> str:
    return f"{prefix}-{ctx.response_id[-8:]}"


def items_of(emulator: EmulatorHandle, slug: str) -> list[tuple[str, str]]:
    return [(i["type"], i["id"]) for i in emulator.state.compute.collections[slug].items]


async def test_create_and_commit_record_artifacts_and_fill_the_private_collection(hub, emulator, collections):
    async with tool_context(hub) as (ctx, rec):
        repo_id = f"alice/{unique('imdb-model', ctx)}"
        out = await HubCreateRepo(collections, HardwareCatalog()).run(CreateRepoArgs(repo_id=repo_id), ctx)
        assert f"url: {hub}/{repo_id}" in out
        card = "---\nlicense: mit\ntags: [text-classification]\n---\n# IMDb model\n"
        committed = await HubCommitFiles(collections).run(CommitFilesArgs(
            repo_id=repo_id, commit_message="Add card", files=[FileArg(path="README.md", content=card),
                                                               FileArg(path="src/train.py", content="print(1)\n")]),
            ctx)
        assert "2 file(s) written" in committed and f"{hub}/{repo_id}/commit/" in committed
        files = emulator.state.compute.repo_files[("model", repo_id)]
        assert files["README.md"].decode() == card and files["src/train.py"] == b"print(1)\n"
        # Artifacts: the model (once), then the collection it was added to.
        assert [a.type for a in rec.artifacts] == ["model", "collection"]
        model = rec.of_type("model")[0]
        assert (model.repo_id, model.url) == (repo_id, f"{hub}/{repo_id}")
        slug = rec.of_type("collection")[0].slug
        col = emulator.state.compute.collections[slug]
        assert col.private and col.namespace == "alice" and col.title == collection_title(ctx.session_id)
        assert items_of(emulator, slug) == [("model", repo_id)]
        # Deleting works through the same commit tool.
        await HubCommitFiles(collections).run(CommitFilesArgs(repo_id=repo_id, commit_message="rm",
                                                              delete_paths=["src/"]), ctx)
        assert "src/train.py" not in emulator.state.compute.repo_files[("model", repo_id)]


async def test_commit_needs_an_existing_repo_and_valid_card(hub, collections):
    async with tool_context(hub) as (ctx, _rec):
        repo_id = f"alice/{unique('notes', ctx)}"
        args = CommitFilesArgs(repo_id=repo_id, kind="dataset", commit_message="init",
                               files=[FileArg(path="notes.md", content="hi")])
        with pytest.raises(ToolFailure, match="^not found: dataset .* hub_create_repo"):
            await HubCommitFiles(collections).run(args, ctx)
        out = await HubCommitFiles(collections).run(args.model_copy(update={"create_if_missing": True}), ctx)
        assert f"url: {hub}/datasets/{repo_id}" in out
        bad = CommitFilesArgs(repo_id=repo_id, kind="dataset", commit_message="card",
                              files=[FileArg(path="README.md", content="---\nlicense: [unclosed\n---\n")])
        with pytest.raises(ToolFailure, match="Invalid metadata in README.md"):
            await HubCommitFiles(collections).run(bad, ctx)
        with pytest.raises(ToolFailure, match="^permission: .*'bob'"):
            await HubCreateRepo(collections, HardwareCatalog()).run(CreateRepoArgs(repo_id="bob/stolen"), ctx)
        with pytest.raises(ValueError):
            FileArg(path="../etc/passwd", content="x")


async def test_collection_is_found_again_after_a_restart(hub, emulator):
    session_id = "sess_restart_" + "0" * 20
    async with tool_context(hub, session_id=session_id) as (ctx, _rec):
        first = await SessionCollections().ensure(ctx)
        # A new process (fresh cache) finds the same collection by its deterministic title instead of creating one.
        assert await SessionCollections().ensure(ctx) == first
        assert sum(1 for c in emulator.state.compute.collections.values()
                   if c.title == collection_title(session_id)) == 1
        # Another user's session with the same id does not see it.
    async with tool_context(hub, token="hf_emu_bob", session_id=session_id) as (ctx, _rec):
        assert await recover_collection_artifacts(ctx) == []


async def test_repo_pushed_by_a_job_is_recovered_from_the_collection(hub, emulator, launcher, collections):
    async with tool_context(hub) as (ctx, rec):
        repo_id = f"alice/{unique('job-model', ctx)}"
        script = f"# pushes the model\nimport os  # EMULATOR_JOB_CREATES_REPO={repo_id}\n"
        out = await HfJobRunUv(launcher).run(UvJobArgs(script=script, hf_token=True,
                                                       env={"EMULATOR_JOB_SECONDS": "0.3"}), ctx)
        job_id = out.splitlines()[0].split(": ", 1)[1]
        # No in-process event for the pushed repo...
        assert rec.of_type("model") == []
        result = await HfJobWait(poll_seconds=0.05).run(JobWaitArgs(job_id=job_id), ctx)
        assert "COMPLETED" in result.splitlines()[0] and f"Pushed model to {hub}/{repo_id}" in result
        # ...it is recovered at turn end from the session collection (even by a fresh process).
        recovered = await recover_collection_artifacts(ctx)
        assert recovered[0].type == "collection" and recovered[0].slug == rec.of_type("collection")[0].slug
        assert [(a.type, a.repo_id, a.url) for a in recovered[1:]] == [("model", repo_id, f"{hub}/{repo_id}")]
        shown = json.loads(await SessionCollectionTool(collections).run(SessionCollectionArgs(), ctx))
        assert shown["items"] == [{"type": "model", "repo_id": repo_id, "url": f"{hub}/{repo_id}"}]


async def test_job_without_the_token_cannot_push(hub, launcher):
    async with tool_context(hub) as (ctx, _rec):
        repo_id = f"alice/{unique('no-token', ctx)}"
        out = await HfJobRunUv(launcher).run(UvJobArgs(script=f"# EMULATOR_JOB_CREATES_REPO={repo_id}\n",
                                                       env={"EMULATOR_JOB_SECONDS": "0.2"}), ctx)
        result = await HfJobWait(poll_seconds=0.05).run(JobWaitArgs(job_id=out.splitlines()[0].split(": ")[1]), ctx)
        assert "ERROR" in result.splitlines()[0] and "401" in result
        assert [a.type for a in await recover_collection_artifacts(ctx)] == ["collection"]


async def test_collection_add_action_records_an_existing_repo(hub, collections):
    async with tool_context(hub) as (ctx, rec):
        repo_id = f"alice/{unique('manual', ctx)}"
        HfApi(endpoint=hub, token="hf_emu_alice").create_repo(repo_id, repo_type="dataset")
        out = json.loads(await SessionCollectionTool(collections).run(
            SessionCollectionArgs(action="add", repo_id=repo_id, kind="dataset"), ctx))
        assert out["items"] == [{"type": "dataset", "repo_id": repo_id, "url": f"{hub}/datasets/{repo_id}"}]
        assert rec.of_type("dataset")[0].repo_id == repo_id
        with pytest.raises(ToolFailure, match="^not found"):
            await SessionCollectionTool(collections).run(
                SessionCollectionArgs(action="add", repo_id="alice/does-not-exist", kind="model"), ctx)


async def test_trackio_dashboard_is_seeded_recorded_and_recovered(hub, emulator, collections):
    async with tool_context(hub) as (ctx, rec):
        project = unique("imdb", ctx)
        tool = TrackioDashboard(collections)
        assert tool.estimate_cost_usd(TrackioArgs(project=project), ctx) == 0.0
        out = await tool.run(TrackioArgs(project=project), ctx)
        space_id = f"alice/trackio-{project.lower()}"
        assert f"trackio dashboard created: {space_id}" in out
        assert f"TRACKIO_SPACE_ID={space_id} TRACKIO_PROJECT={project}" in out
        files = emulator.state.compute.repo_files[("space", space_id)]
        assert files["app.py"] == b"import trackio\n\ntrackio.show()\n"
        assert b"sdk: gradio" in files["README.md"] and b"trackio" in files["requirements.txt"]
        dash = rec.of_type("trackio_dashboard")[0]
        assert (dash.space_id, dash.project, dash.url) == (space_id, project, f"{hub}/spaces/{space_id}")
        assert dash.model_dump()["embed_url"].startswith(f"https://alice-trackio-{project.lower()}.hf.space/")
        assert rec.of_type("space") == []
        recovered = await recover_collection_artifacts(ctx)
        assert [(a.type, a.space_id, a.project) for a in recovered[1:]] == [("trackio_dashboard", space_id, project)]
        again = await tool.run(TrackioArgs(project=project), ctx)
        assert "trackio dashboard reused" in again
        assert len([c for c in emulator.state.compute.commits if c["repo_id"] == space_id]) == 1


async def test_paid_space_hardware_is_estimated_created_and_billed_to_the_caller(hub, emulator, collections):
    tool = HubCreateRepo(collections, HardwareCatalog())
    async with tool_context(hub) as (ctx, _rec):
        free = CreateRepoArgs(repo_id=f"alice/{unique('free-demo', ctx)}", kind="space")
        assert await tool.estimate_cost_usd(free, ctx) == 0.0
        never_sleeps = CreateRepoArgs(repo_id=f"alice/{unique('gpu-demo', ctx)}", kind="space",
                                      space_hardware="t4-small")
        assert await tool.estimate_cost_usd(never_sleeps, ctx) is None  # unbounded: needs an approval
        repo_id = f"alice/{unique('gpu-demo', ctx)}"
        paid = CreateRepoArgs(repo_id=repo_id, kind="space", space_hardware="t4-small", space_sleep_time_seconds=3600)
        hardware = httpx.get(f"{hub}/api/jobs/hardware").json()
        per_hour = next(h for h in hardware if h["name"] == "t4-small")["unitCostUSD"] * 60
        assert await tool.estimate_cost_usd(paid, ctx) == pytest.approx(per_hour * 2, abs=1e-6)
        await tool.run(paid, ctx)
        runtime = emulator.state.catalog.get("spaces", repo_id)["runtime"]
        assert runtime["hardware"]["requested"] == "t4-small" and runtime["gcTimeout"] == 3600
        with pytest.raises(ToolFailure, match="Unknown hardware flavor 'h200-imaginary'"):
            await tool.run(CreateRepoArgs(repo_id=f"alice/{unique('x', ctx)}", kind="space",
                                          space_hardware="h200-imaginary", space_sleep_time_seconds=600), ctx)
    with pytest.raises(ValueError, match="Spaces only"):
        CreateRepoArgs(repo_id="alice/m", kind="model", space_hardware="t4-small")
    async with tool_context(hub, token="hf_emu_bob") as (ctx, _rec):  # bob has no credits: a billing error
        with pytest.raises(ToolFailure, match="(?i)credits"):
            await tool.run(CreateRepoArgs(repo_id=f"bob/{unique('gpu', ctx)}", kind="space",
                                          space_hardware="t4-small", space_sleep_time_seconds=600), ctx)
