"""The Jobs tools against the emulator, through huggingface_hub and the product's HF-only httpx client."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from agent.tools.base import ToolFailure
from agent.tools.jobs.launch import SCRIPT_ENV, DockerJobArgs, HfJobRun, HfJobRunUv, UvJobArgs
from agent.tools.jobs.monitor import (HardwareArgs, HfJobCancel, HfJobHardware, HfJobInspect, HfJobList, HfJobLogs,
                                      HfJobMetrics, HfJobWait, JobListArgs, JobLogsArgs, JobRef, JobWaitArgs)
from tests.emulator import EmulatorHandle, run_emulator
from tests.jobs.context import tool_context

SCRIPT = """# /// script
# dependencies = ["transformers"]
# ///
print("training")
"""


def fast_wait() -> HfJobWait:
    return HfJobWait(poll_seconds=0.05, idle_seconds=5.0)


def job_posts(emulator: EmulatorHandle, namespace: str = "alice") -> list[dict]:
    return [r for r in emulator.state.recorded(f"/api/jobs/{namespace}") if r["method"] == "POST"
            and r["path"] == f"/api/jobs/{namespace}"]


def job_id_of(output: str) -> str:
    return output.splitlines()[0].split(": ", 1)[1]


async def test_uv_run_records_job_artifact_at_once_without_uploading(hub, emulator, launcher):
    async with tool_context(hub) as (ctx, rec):
        args = UvJobArgs(script=SCRIPT, script_args=["--epochs", "1"], dependencies=["trl"], python="3.12",
                         env={"EMULATOR_JOB_SECONDS": "30"}, timeout_seconds=1800)
        output = await HfJobRunUv(launcher).run(args, ctx)
        job_id = job_id_of(output)
        # Recorded the moment the job exists, while it is still scheduling/running.
        jobs = rec.of_type("hf_job")
        assert [a.id for a in jobs] == [job_id]
        assert jobs[0].url == f"{hub}/jobs/alice/{job_id}"
        assert emulator.state.compute.jobs[job_id].stage() in ("SCHEDULING", "RUNNING")
        assert "hf_job_wait" in output and "estimated cost at most $0.01" in output
        # The script travelled inside the spec: nothing uploaded (no bucket, no commit), explicit namespace path.
        body = job_posts(emulator)[-1]["json"]
        assert body["command"][:2] == ["/bin/sh", "-c"] and body["command"][-2:] == ["--epochs", "1"]
        assert "--with trl --python 3.12" in body["command"][2]
        assert base64.b64decode(body["environment"][SCRIPT_ENV]).decode() == SCRIPT
        assert body["timeoutSeconds"] == 1800 and body["flavor"] == "cpu-basic"
        assert not [r for r in emulator.state.recorded() if "bucket" in r["path"] or "/commit/" in r["path"]
                    and "jobs-artifacts" in r["path"]]
        cancelled = await HfJobCancel().run(JobRef(job_id=job_id), ctx)
        assert "CANCELED" in cancelled
        assert emulator.state.compute.jobs[job_id].stage() == "CANCELED"
        again = await HfJobCancel().run(JobRef(job_id=job_id), ctx)
        assert "already finished (CANCELED)" in again


async def test_wait_streams_clean_log_lines_and_resumes_where_it_stopped(hub, launcher):
    async with tool_context(hub) as (ctx, rec):
        out = await HfJobRun(launcher).run(DockerJobArgs(command=["python", "train.py"],
                                                         env={"EMULATOR_JOB_SECONDS": "0.6"}), ctx)
        job_id = job_id_of(out)
        waiter = fast_wait()
        result = await waiter.run(JobWaitArgs(job_id=job_id, max_wait_seconds=60), ctx)
        assert result.startswith(f"Job {job_id}: COMPLETED")
        assert "{'eval_loss': 0.4101, 'eval_accuracy': 0.8625, 'epoch': 1.0}" in result
        # Streamed to the caller as they came, with progress noise removed.
        assert "Training complete." in rec.logs
        assert "Map: 100%|██████████| 1000/1000 [00:00<00:00, 5012.40 examples/s]" in rec.logs
        assert not [line for line in rec.logs if "\r" in line or " 10%|" in line or " 50%|" in line
                    or line.startswith("===== Job started")]
        streamed = len(rec.logs)
        # A second wait on a finished job returns its tail but streams nothing twice.
        again = await waiter.run(JobWaitArgs(job_id=job_id, max_wait_seconds=60, tail_lines=2), ctx)
        assert len(rec.logs) == streamed
        assert again.endswith("{'eval_loss': 0.4101, 'eval_accuracy': 0.8625, 'epoch': 1.0}\nTraining complete.")


async def test_wait_is_bounded_and_a_later_wait_continues(hub, launcher, emulator):
    async with tool_context(hub) as (ctx, rec):
        out = await HfJobRun(launcher).run(DockerJobArgs(command=["python", "long.py"], env={
            "EMULATOR_JOB_SECONDS": "3", "EMULATOR_JOB_LOG_LINES": "60"}), ctx)
        job_id = job_id_of(out)
        waiter = fast_wait()
        first = await waiter.run(JobWaitArgs.model_construct(job_id=job_id, namespace=None, max_wait_seconds=1,
                                                            tail_lines=50), ctx)
        assert f"Job {job_id}: RUNNING" in first and "call hf_job_wait again" in first
        first_logged = list(rec.logs)
        assert first_logged and emulator.state.compute.jobs[job_id].stage() == "RUNNING"
        second = await waiter.run(JobWaitArgs(job_id=job_id, max_wait_seconds=60), ctx)
        assert "COMPLETED" in second.splitlines()[0]
        # No line streamed twice across the two waits; the final tail is bounded to 50 lines.
        assert rec.logs[: len(first_logged)] == first_logged
        assert len(rec.logs) == len(set(rec.logs))
        assert "step 60/60" in rec.logs
        tail = second.split("--- last 50 log lines ---\n", 1)[1].splitlines()
        assert len(tail) == 50 and tail[-1] == "Training complete."


async def test_error_result_is_reported_with_its_traceback(hub, launcher):
    async with tool_context(hub) as (ctx, _rec):
        out = await HfJobRunUv(launcher).run(UvJobArgs(script="raise SystemExit(1)", env={
            "EMULATOR_JOB_SECONDS": "0.3", "EMULATOR_JOB_RESULT": "ERROR"}), ctx)
        result = await fast_wait().run(JobWaitArgs(job_id=job_id_of(out)), ctx)
        assert result.startswith(f"Job {job_id_of(out)}: ERROR (Job failed with exit code: 1)")
        assert "RuntimeError: emulated failure" in result and "The job failed" in result


async def test_timeout_ends_the_job_in_error(hub, launcher):
    async with tool_context(hub) as (ctx, _rec):
        args = DockerJobArgs.model_construct(**{**DockerJobArgs(command=["sleep", "9"]).model_dump(),
                                                "env": {"EMULATOR_JOB_SECONDS": "120"}, "timeout_seconds": 1})
        out = await HfJobRun(launcher).run(args, ctx)
        result = await fast_wait().run(JobWaitArgs(job_id=job_id_of(out)), ctx)
        assert "ERROR (Job timeout)" in result


async def test_no_credits_is_a_billing_failure(hub, launcher, emulator):
    async with tool_context(hub, token="hf_emu_bob") as (ctx, rec):
        with pytest.raises(ToolFailure) as info:
            await HfJobRun(launcher).run(DockerJobArgs(command=["echo", "hi"]), ctx)
        assert str(info.value).startswith("billing: ")
        assert "settings/billing" in str(info.value)
        assert rec.of_type("hf_job") == []
        assert job_posts(emulator, "bob")[-1]["account"] == "bob"


async def test_read_token_and_foreign_namespace_are_refused_before_any_call(hub, launcher, emulator):
    emulator.state.clear_requests()
    async with tool_context(hub, token="hf_emu_erin_read") as (ctx, _rec):
        with pytest.raises(ToolFailure, match="^permission: .*job.write"):
            await HfJobRun(launcher).run(DockerJobArgs(command=["echo"]), ctx)
    async with tool_context(hub) as (ctx, _rec):
        with pytest.raises(ToolFailure, match="^permission: .*'bob'"):
            await HfJobRun(launcher).run(DockerJobArgs(command=["echo"], namespace="bob"), ctx)
    assert not [r for r in emulator.state.recorded("/api/jobs") if r["method"] == "POST"]


async def test_org_namespace_job(hub, launcher):
    async with tool_context(hub) as (ctx, rec):
        out = await HfJobRun(launcher).run(DockerJobArgs(command=["echo"], namespace="acme",
                                                         env={"EMULATOR_JOB_SECONDS": "0.1"}), ctx)
        job_id = job_id_of(out)
        assert rec.of_type("hf_job")[0].url == f"{hub}/jobs/acme/{job_id}"
        info = json.loads(await HfJobInspect().run(JobRef(job_id=job_id, namespace="acme"), ctx))
        assert info["id"] == job_id and info["url"].endswith(f"/jobs/acme/{job_id}")


async def test_token_is_a_secret_only_when_asked_and_never_echoed(hub, launcher, emulator):
    token = "hf_emu_alice"
    async with tool_context(hub, token=token) as (ctx, rec):
        plain = await HfJobRunUv(launcher).run(UvJobArgs(script=SCRIPT, env={"EMULATOR_JOB_SECONDS": "0.2"}), ctx)
        assert "secrets" not in job_posts(emulator)[-1]["json"]
        with_token = await HfJobRunUv(launcher).run(UvJobArgs(
            script=SCRIPT, hf_token=True, secrets={"WANDB_API_KEY": "wandb-secret-value"},
            env={"EMULATOR_JOB_SECONDS": "0.2"}), ctx)
        body = job_posts(emulator)[-1]["json"]
        assert body["secrets"] == {"HF_TOKEN": token, "WANDB_API_KEY": "wandb-secret-value"}
        assert token not in json.dumps(body["environment"]) and token not in " ".join(body["command"])
        job_id = job_id_of(with_token)
        outputs = [plain, with_token,
                   await HfJobInspect().run(JobRef(job_id=job_id), ctx),
                   await fast_wait().run(JobWaitArgs(job_id=job_id), ctx),
                   await HfJobLogs().run(JobLogsArgs(job_id=job_id), ctx),
                   await HfJobList().run(JobListArgs(this_session_only=True), ctx)]
        for text in outputs + rec.logs + [a.model_dump_json() for a in rec.artifacts]:
            assert token not in text and "wandb-secret-value" not in text
        inspected = json.loads(outputs[2])
        assert inspected["secrets"] == ["HF_TOKEN", "WANDB_API_KEY"]
        assert inspected["env"][SCRIPT_ENV].startswith("<inline script")
        assert "secrets: HF_TOKEN, WANDB_API_KEY" in with_token
        # The Hub never returns secret values either.
        served = emulator.state.compute.jobs[job_id].payload()
        assert served["secrets"] == {"HF_TOKEN": None, "WANDB_API_KEY": None}
    with pytest.raises(ValueError, match="hf_token=true"):
        UvJobArgs(script=SCRIPT, secrets={"HF_TOKEN": "x"})


async def test_logs_metrics_and_list(hub, launcher):
    async with tool_context(hub) as (ctx, _rec):
        run = HfJobRun(launcher)
        done = job_id_of(await run.run(DockerJobArgs(command=["echo"], env={"EMULATOR_JOB_SECONDS": "0.2"}), ctx))
        live = job_id_of(await run.run(DockerJobArgs(command=["echo"], flavor="a10g-small",
                                                     env={"EMULATOR_JOB_SECONDS": "30"}), ctx))
        await fast_wait().run(JobWaitArgs(job_id=done), ctx)
        logs = await HfJobLogs().run(JobLogsArgs(job_id=done, tail_lines=3), ctx)
        assert logs.startswith(f"Job {done}: COMPLETED") and logs.endswith("Training complete.")
        assert "--- last 3 log lines ---" in logs
        # Metrics exist while a job runs.
        for _ in range(100):
            if "RUNNING" in await HfJobInspect().run(JobRef(job_id=live), ctx):
                break
            await asyncio.sleep(0.05)
        metrics = json.loads(await HfJobMetrics().run(JobRef(job_id=live), ctx))
        assert metrics["cpu_usage_pct"] > 0 and metrics["gpus"][0]["utilization_pct"] == 87
        assert "only while it runs" in await HfJobMetrics().run(JobRef(job_id=done), ctx)
        listed = json.loads(await HfJobList().run(JobListArgs(status="RUNNING", this_session_only=True), ctx))
        assert [j["id"] for j in listed["jobs"]] == [live]
        everything = json.loads(await HfJobList().run(JobListArgs(this_session_only=True), ctx))
        assert {j["id"] for j in everything["jobs"]} == {done, live}
        await HfJobCancel().run(JobRef(job_id=live), ctx)
        with pytest.raises(ToolFailure, match="^not found"):
            await HfJobInspect().run(JobRef(job_id="000000000000000000000000"), ctx)


async def test_hardware_catalog_and_cost_estimates(launcher, hardware):
    with run_emulator() as emu:
        hub = emu.url
        emu.state.compute.hardware_prices["a10g-large"] = 2.0  # the live price differs from the static 1.50
        tool = HfJobRun(launcher)
        async with tool_context(hub) as (ctx, _rec):
            # The estimate refreshes the live catalog first: flavor $/h × timeout.
            assert hardware.cached(hub)[1] is False
            assert hardware.estimate_usd(hub, "a10g-large", 7200) == pytest.approx(3.0)  # static until fetched
            two_hours = DockerJobArgs(command=["x"], flavor="a10g-large", timeout_seconds=7200)
            assert await tool.estimate_cost_usd(two_hours, ctx) == pytest.approx(4.0, rel=1e-3)
            assert hardware.cached(hub)[1] is True
            listing = json.loads(await HfJobHardware(hardware).run(HardwareArgs(kind="gpu"), ctx))
            assert listing["source"] == "live Hub catalog"
            assert all("accelerator" in f for f in listing["flavors"])
            a100 = next(f for f in listing["flavors"] if f["name"] == "a100-large")
            assert a100["usd_per_hour"] == pytest.approx(2.5, rel=1e-3)
            one_hour = DockerJobArgs(command=["x"], timeout_seconds=3600)
            assert await tool.estimate_cost_usd(one_hour, ctx) == pytest.approx(0.01, rel=1e-2)
            unknown = DockerJobArgs(command=["x"], flavor="quantum-9000")
            assert await tool.estimate_cost_usd(unknown, ctx) is None
            with pytest.raises(ToolFailure, match="Unknown hardware flavor 'quantum-9000'.*cpu-basic"):
                await tool.run(unknown, ctx)


async def test_budget_gate_reads_the_estimates(hub):
    from agent.budget import estimate_tool_call
    from agent.llm import ToolCall
    from agent.tools.compute import compute_tools

    tools = {t.name: t for t in compute_tools()}
    async with tool_context(hub) as (ctx, _rec):
        def call(name: str, **arguments) -> ToolCall:
            return ToolCall(id="call_1", name=name, arguments=json.dumps(arguments))

        assert await estimate_tool_call(tools["hf_job_run_uv"], call(
            "hf_job_run_uv", script="print(1)", flavor="a100-large", timeout_seconds=5400), ctx) == (
            True, pytest.approx(3.75, rel=1e-3))
        assert await estimate_tool_call(tools["hf_scheduled_job_create"], call(
            "hf_scheduled_job_create", schedule="@daily", command=["echo"]), ctx) == (True, None)
        assert await estimate_tool_call(tools["trackio_dashboard"], call("trackio_dashboard", project="p"),
                                        ctx) == (True, 0.0)
        assert await estimate_tool_call(tools["hf_job_wait"], call("hf_job_wait", job_id="abcdef123456"),
                                        ctx) == (False, 0.0)


async def test_abandoning_a_wait_leaves_the_job_running(hub, launcher, emulator):
    async with tool_context(hub) as (ctx, rec):
        job_id = job_id_of(await HfJobRun(launcher).run(DockerJobArgs(command=["train"], env={
            "EMULATOR_JOB_SECONDS": "30"}), ctx))
        wait = asyncio.ensure_future(fast_wait().run(JobWaitArgs(job_id=job_id), ctx))
        for _ in range(200):
            if rec.logs:
                break
            await asyncio.sleep(0.02)
        wait.cancel()  # what cancelling the turn does to a running tool call
        with pytest.raises(asyncio.CancelledError):
            await wait
        assert emulator.state.compute.jobs[job_id].stage() == "RUNNING"
        assert not [r for r in emulator.state.recorded(f"/api/jobs/alice/{job_id}/cancel")]
        await HfJobCancel().run(JobRef(job_id=job_id), ctx)
