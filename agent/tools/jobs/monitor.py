"""Following and managing HF Jobs: wait (streams logs to the caller), logs, metrics, inspect, list, cancel, hardware.

The wait is bounded (``max_wait_seconds``): one turn can watch a long run through several waits without holding the
model's context, each wait streaming only the lines the previous ones did not. Cancelling a turn abandons the wait;
it never cancels the job.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from agent.tools.base import Tool, ToolContext, ToolFailure, truncate
from agent.tools.jobs.launch import SCRIPT_ENV, SESSION_LABEL, job_url, session_label
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.jobs.logs import StreamRefused, clean_log_line, job_api_url, sse_events
from agent.hub_ids import JobId, Namespace
from agent.tools.repos.write_support import call_hub, resolve_namespace

TERMINAL_STAGES = ("COMPLETED", "ERROR", "CANCELED", "DELETED")
MAX_CURSORS = 512


class JobRef(BaseModel):
    job_id: JobId = Field(..., description="The job id returned by hf_job_run / hf_job_run_uv.")
    namespace: Namespace | None = Field(None, description="The job's namespace if it is an organization; default: "
                                                          "your user.")


async def inspect(ctx: ToolContext, namespace: str, job_id: str) -> Any:
    api = ctx.hf_api()
    return await call_hub(f"reading job {job_id}", api.inspect_job, job_id=job_id, namespace=namespace,
                          token=ctx.identity.secret())


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def job_summary(ctx: ToolContext, job: Any, namespace: str) -> dict[str, Any]:
    env = dict(job.environment or {})
    if SCRIPT_ENV in env:
        env[SCRIPT_ENV] = f"<inline script, {len(env[SCRIPT_ENV])} base64 chars>"
    env = {k: (v if len(str(v)) <= 200 else str(v)[:200] + "…") for k, v in env.items()}
    command = " ".join(job.command or [])
    out: dict[str, Any] = {
        "id": job.id, "url": job_url(ctx.settings.hub_url, namespace, job.id), "stage": job.status.stage,
        "message": job.status.message, "flavor": job.flavor, "image": job.docker_image or job.space_id,
        "command": command if len(command) <= 300 else command[:300] + "…",
        "created_at": _iso(job.created_at), "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
        "env": env, "secrets": sorted((job.secrets or {}).keys()), "labels": job.labels or {},
    }
    if job.durations is not None:
        out["durations_s"] = {"scheduling": job.durations.scheduling_secs, "running": job.durations.running_secs,
                              "total": job.durations.total_secs}
    return {k: v for k, v in out.items() if v not in (None, {}, [])}


class _Pass:
    """One read of the log stream: how many events it saw, its last lines, whether the server ended it."""

    def __init__(self, tail_lines: int) -> None:
        self.events = 0
        self.lines: deque[str] = deque(maxlen=tail_lines)
        self.complete = False

    def __lt__(self, other: "_Pass") -> bool:
        return (self.events, self.complete) < (other.events, other.complete)


class JobWaitArgs(JobRef):
    max_wait_seconds: int = Field(600, ge=5, le=3600,
                                  description="Stop waiting after this long even if the job still runs (call again "
                                              "to keep following; the job is never cancelled by a wait).")
    tail_lines: int = Field(50, ge=1, le=200, description="How many of the last log lines to return.")


class HfJobWait(Tool[JobWaitArgs]):
    name = "hf_job_wait"
    description = ("Follow a job until it finishes (COMPLETED / ERROR / CANCELED) or max_wait_seconds pass, streaming "
                   "its log lines to the user. Returns the stage and the last log lines. If the job is still running, "
                   "call it again: it continues where the previous wait stopped.")
    Arguments = JobWaitArgs

    def __init__(self, poll_seconds: float = 2.0, idle_seconds: float = 30.0) -> None:
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        # (hub, namespace, job id) -> number of log events already streamed to the caller.
        self._cursors: OrderedDict[tuple[str, str, str], int] = OrderedDict()

    def timeout_seconds(self, args: JobWaitArgs) -> float:
        """How long the loop should let this call run (its own bound plus a margin)."""
        return args.max_wait_seconds + 30.0

    async def run(self, args: JobWaitArgs, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        key = (ctx.settings.hub_url, namespace, args.job_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + args.max_wait_seconds
        best = _Pass(args.tail_lines)
        job = await inspect(ctx, namespace, args.job_id)
        while job.status.stage not in TERMINAL_STAGES and loop.time() < deadline:
            best = max(best, await self._bounded_pass(ctx, namespace, args, key, deadline - loop.time()))
            job = await inspect(ctx, namespace, args.job_id)
            if job.status.stage in TERMINAL_STAGES or loop.time() >= deadline:
                break
            # Polling interval between reconnections (the stream closed or went quiet while the job runs).
            await asyncio.sleep(min(self.poll_seconds, max(0.0, deadline - loop.time())))
        if job.status.stage in TERMINAL_STAGES and not best.complete:
            # Already finished, or the stage changed while we were not reading: one last bounded pass.
            best = max(best, await self._bounded_pass(ctx, namespace, args, key, 15.0))
        return self._report(ctx, job, namespace, loop.time() - started, list(best.lines))

    async def _bounded_pass(self, ctx: ToolContext, namespace: str, args: JobWaitArgs, key: tuple[str, str, str],
                            seconds: float) -> "_Pass":
        current = _Pass(args.tail_lines)
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await self._stream_once(ctx, namespace, args, key, current)
        except TimeoutError:
            pass
        return current

    async def _stream_once(self, ctx: ToolContext, namespace: str, args: JobWaitArgs,
                           key: tuple[str, str, str], current: "_Pass") -> None:
        """One pass over the log stream (it replays the history); lines not streamed before go to ``ctx.log``."""
        seen = self._cursors.get(key, 0)
        try:
            async for event in sse_events(ctx, job_api_url(ctx, namespace, args.job_id, "logs"),
                                          idle_timeout=self.idle_seconds):
                current.events += 1
                text = clean_log_line(str(event.get("data", "")))
                if text is not None:
                    current.lines.append(text)
                    if current.events > seen:
                        await ctx.log(text)
                if current.events > seen:
                    seen = current.events
                    self._remember(key, seen)
        except StreamRefused as exc:
            raise exc.failure(f"reading the logs of job {args.job_id}") from None
        except httpx.HTTPError:
            return  # idle or dropped stream: the caller checks the stage and reconnects
        current.complete = True

    def _remember(self, key: tuple[str, str, str], seen: int) -> None:
        self._cursors[key] = seen
        self._cursors.move_to_end(key)
        while len(self._cursors) > MAX_CURSORS:
            self._cursors.popitem(last=False)

    @staticmethod
    def _report(ctx: ToolContext, job: Any, namespace: str, waited: float, tail: list[str]) -> str:
        stage = job.status.stage
        head = [f"Job {job.id}: {stage}" + (f" ({job.status.message})" if job.status.message else ""),
                f"url: {job_url(ctx.settings.hub_url, namespace, job.id)}", f"waited: {waited:.0f} s"]
        if stage not in TERMINAL_STAGES:
            head.append("The job is still running (it keeps running and billing): call hf_job_wait again to keep "
                        "following it, or hf_job_cancel to stop it.")
        elif stage == "ERROR":
            head.append("The job failed: read the log lines below, fix the cause, and relaunch if appropriate.")
        body = "\n".join(tail) if tail else "(no log lines)"
        return truncate("\n".join(head) + f"\n--- last {len(tail)} log lines ---\n" + body,
                        hint="use hf_job_logs with a smaller tail")


class JobLogsArgs(JobRef):
    tail_lines: int = Field(100, ge=1, le=500, description="How many of the last log lines to return.")


class HfJobLogs(Tool[JobLogsArgs]):
    name = "hf_job_logs"
    description = "The current log of a job (last lines, progress-bar noise removed), without waiting for it to end."
    Arguments = JobLogsArgs

    def __init__(self, settle_seconds: float = 3.0) -> None:
        self.settle_seconds = settle_seconds

    async def run(self, args: JobLogsArgs, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        lines: deque[str] = deque(maxlen=args.tail_lines)
        try:
            # The history replays at once; a live job's stream then stays open, so stop when it goes quiet.
            async with asyncio.timeout(30.0):
                async for event in sse_events(ctx, job_api_url(ctx, namespace, args.job_id, "logs"),
                                              idle_timeout=self.settle_seconds):
                    if (text := clean_log_line(str(event.get("data", "")))) is not None:
                        lines.append(text)
        except StreamRefused as exc:
            raise exc.failure(f"reading the logs of job {args.job_id}") from None
        except (httpx.HTTPError, TimeoutError):
            pass
        job = await inspect(ctx, namespace, args.job_id)
        head = f"Job {job.id}: {job.status.stage}" + (f" ({job.status.message})" if job.status.message else "")
        return truncate(head + f"\n--- last {len(lines)} log lines ---\n" + ("\n".join(lines) or "(no log lines)"),
                        hint="ask for fewer tail_lines")


class HfJobMetrics(Tool[JobRef]):
    name = "hf_job_metrics"
    description = "Current resource usage of a running job: CPU, memory, network and GPU utilisation."
    Arguments = JobRef

    async def run(self, args: JobRef, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        sample: dict[str, Any] | None = None
        try:
            async with asyncio.timeout(15.0):
                async for event in sse_events(ctx, job_api_url(ctx, namespace, args.job_id, "metrics"),
                                              idle_timeout=10.0):
                    sample = event
                    break
        except StreamRefused as exc:
            if exc.status not in (406, 500):
                raise exc.failure(f"reading the metrics of job {args.job_id}") from None
        except (httpx.HTTPError, TimeoutError):
            pass
        if sample is None:
            job = await inspect(ctx, namespace, args.job_id)
            return f"No metrics for job {args.job_id}: it is {job.status.stage} (metrics exist only while it runs)."
        return json.dumps(_format_metrics(sample), indent=1)


def _gb(value: Any) -> float | None:
    return round(value / 1e9, 2) if isinstance(value, (int, float)) else None


def _format_metrics(sample: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"cpu_usage_pct": sample.get("cpu_usage_pct"),
                           "memory_used_gb": _gb(sample.get("memory_used_bytes")),
                           "memory_total_gb": _gb(sample.get("memory_total_bytes")),
                           "rx_bps": sample.get("rx_bps"), "tx_bps": sample.get("tx_bps")}
    gpus = sample.get("gpus") or {}
    if isinstance(gpus, dict) and gpus:
        out["gpus"] = [{"id": gid, "utilization_pct": g.get("utilization"),
                        "memory_used_gb": _gb(g.get("memory_used_bytes")),
                        "memory_total_gb": _gb(g.get("memory_total_bytes"))}
                       for gid, g in gpus.items() if isinstance(g, dict)]
    return out


class HfJobInspect(Tool[JobRef]):
    name = "hf_job_inspect"
    description = "Status and details of one job: stage, message, flavor, image, command, timings, env, secret names."
    Arguments = JobRef

    async def run(self, args: JobRef, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        job = await inspect(ctx, namespace, args.job_id)
        return truncate(json.dumps(job_summary(ctx, job, namespace), indent=1, default=str))


class HfJobCancel(Tool[JobRef]):
    name = "hf_job_cancel"
    description = "Cancel a scheduling or running job (it stops billing). Finished jobs are left as they are."
    Arguments = JobRef

    async def run(self, args: JobRef, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        job = await inspect(ctx, namespace, args.job_id)
        if job.status.stage in TERMINAL_STAGES:
            return f"Job {args.job_id} already finished ({job.status.stage}); nothing to cancel."
        api = ctx.hf_api()
        await call_hub(f"cancelling job {args.job_id}", api.cancel_job, job_id=args.job_id, namespace=namespace,
                       token=ctx.identity.secret())
        job = await inspect(ctx, namespace, args.job_id)
        return f"Cancel requested for job {args.job_id}: now {job.status.stage}."


class JobListArgs(BaseModel):
    status: Literal["SCHEDULING", "RUNNING", "COMPLETED", "ERROR", "CANCELED"] | None = Field(
        None, description="Only jobs in this stage.")
    this_session_only: bool = Field(False, description="Only jobs launched from this session.")
    namespace: Namespace | None = Field(None, description="An organization; default: your user.")
    limit: int = Field(20, ge=1, le=100)


class HfJobList(Tool[JobListArgs]):
    name = "hf_job_list"
    description = "List jobs in your namespace (or an organization's), newest first, optionally by stage."
    Arguments = JobListArgs

    async def run(self, args: JobListArgs, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        api = ctx.hf_api()
        labels = {SESSION_LABEL: session_label(ctx.session_id)} if args.this_session_only else None

        def fetch() -> list[Any]:
            out = []
            for job in api.list_jobs(status=args.status, labels=labels, namespace=namespace,
                                     token=ctx.identity.secret()):
                out.append(job)
                if len(out) >= args.limit:
                    break
            return out

        jobs = await call_hub("listing jobs", fetch)
        if not jobs:
            return f"No jobs{' in stage ' + args.status if args.status else ''} in {namespace}."
        rows = [{"id": j.id, "stage": j.status.stage, "flavor": j.flavor, "image": j.docker_image or j.space_id,
                 "created_at": _iso(j.created_at), "url": job_url(ctx.settings.hub_url, namespace, j.id)}
                for j in jobs]
        return truncate(json.dumps({"namespace": namespace, "count": len(rows), "jobs": rows}, indent=1, default=str))


class HardwareArgs(BaseModel):
    kind: Literal["all", "cpu", "gpu"] = Field("all", description="Filter by accelerator.")


class HfJobHardware(Tool[HardwareArgs]):
    name = "hf_job_hardware"
    description = "Hardware flavors available to Jobs with their prices (USD per hour), CPU, RAM and accelerator."
    Arguments = HardwareArgs

    def __init__(self, hardware: HardwareCatalog) -> None:
        self.hardware = hardware

    async def run(self, args: HardwareArgs, ctx: ToolContext) -> str:
        flavors, live = await self.hardware.flavors(ctx)
        rows = [f.summary() for f in sorted(flavors.values(), key=lambda f: f.usd_per_hour)
                if args.kind == "all" or (args.kind == "gpu") == (f.accelerator is not None)]
        source = "live Hub catalog" if live else "static price list (the Hub catalog was unavailable)"
        return truncate(json.dumps({"source": source, "flavors": rows}, indent=1))


__all__ = ["HfJobCancel", "HfJobHardware", "HfJobInspect", "HfJobList", "HfJobLogs", "HfJobMetrics", "HfJobWait",
           "ToolFailure"]
