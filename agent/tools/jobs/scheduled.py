"""Scheduled HF Jobs (cron or preset): create, list, get, delete, suspend, resume — as the caller."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from agent.tools.base import Tool, ToolContext, ToolFailure, truncate
from agent.tools.jobs.launch import SESSION_LABEL, JobLauncher, JobLaunchArgs, UvJobArgs, is_url, session_label, uv_command
from agent.hub_ids import JobId, Namespace
from agent.tools.repos.write_support import call_hub, resolve_namespace

PRESETS = ("@annually", "@yearly", "@monthly", "@weekly", "@daily", "@hourly")
_CRON_FIELD = r"[\d*,/\-]+"
CRON = re.compile(rf"^{_CRON_FIELD}(\s+{_CRON_FIELD}){{4}}$")


class ScheduledCreateArgs(JobLaunchArgs):
    schedule: str = Field(..., max_length=100,
                          description="A preset (@hourly, @daily, @weekly, @monthly, @yearly) or a 5-field CRON "
                                      "expression, e.g. '0 9 * * 1' (09:00 UTC every Monday).")
    image: str | None = Field(None, max_length=300, pattern=r"^\S+$",
                              description="Docker image for a command job (default python:3.12), or the uv image.")
    command: list[str] | None = Field(None, min_length=1, max_length=200,
                                      description="Run this command (Docker job). Give either command or script.")
    script: str | None = Field(None, min_length=1, max_length=64_000,
                               description="Or run this Python script with uv: inline source or a URL.")
    script_args: list[str] = Field(default_factory=list, max_length=100)
    dependencies: list[str] = Field(default_factory=list, max_length=50)
    python: str | None = Field(None, pattern=r"^3\.\d{1,2}$")
    suspend: bool = Field(False, description="Create it paused.")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        value = value.strip()
        if value not in PRESETS and not CRON.match(value):
            raise ValueError("use a preset (@hourly, @daily, ...) or a 5-field CRON expression")
        return value

    @model_validator(mode="after")
    def _one_workload(self) -> "ScheduledCreateArgs":
        if (self.command is None) == (self.script is None):
            raise ValueError("give exactly one of command (Docker job) or script (uv job)")
        return self

    def workload(self) -> tuple[str, list[str], dict[str, str]]:
        """(image, command, extra env)."""
        if self.command is not None:
            return self.image or "python:3.12", list(self.command), {}
        uv = UvJobArgs(script=self.script or "", script_args=self.script_args, dependencies=self.dependencies,
                       python=self.python, **({"image": self.image} if self.image else {}))
        command, env = uv_command(uv)
        return uv.image, command, env


class HfScheduledJobCreate(Tool[ScheduledCreateArgs]):
    name = "hf_scheduled_job_create"
    description = ("Create a scheduled job that runs a command or a uv Python script on a CRON schedule or preset, as "
                   "the user and billed on every run. Only when the user asked for recurring runs.")
    Arguments = ScheduledCreateArgs

    def __init__(self, launcher: JobLauncher) -> None:
        self.launcher = launcher

    def estimate_cost_usd(self, args: ScheduledCreateArgs, ctx: ToolContext) -> float | None:
        """Recurring spend has no bound: always ask for approval."""
        return None

    async def run(self, args: ScheduledCreateArgs, ctx: ToolContext) -> str:
        namespace, env, secrets, notes = await self.launcher.prepare(args, ctx)
        image, command, extra_env = args.workload()
        env.update(extra_env)
        api = ctx.hf_api()
        name = args.name or ("scheduled-uv-script" if args.script and not is_url(args.script) else None)
        sched = await call_hub(
            "creating the scheduled job", api.create_scheduled_job, image=image, command=command,
            schedule=args.schedule, suspend=args.suspend, env=env, secrets=secrets or None, flavor=args.flavor,
            timeout=args.timeout_seconds, name=name, labels={SESSION_LABEL: session_label(ctx.session_id)},
            namespace=namespace, token=ctx.identity.secret())
        per_run = await self.launcher.estimate(args, ctx)
        out = _summary(sched)
        out["secrets"] = sorted(secrets)
        if per_run is not None:
            out["max_cost_per_run_usd"] = round(per_run, 4)
        if notes:
            out["notes"] = notes
        return truncate(json.dumps(out, indent=1, default=str))


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _summary(sched: Any) -> dict[str, Any]:
    spec = sched.job_spec
    command = " ".join(spec.command or [])
    out: dict[str, Any] = {
        "id": sched.id, "schedule": sched.schedule, "suspended": bool(sched.suspend),
        "next_run_at": _iso(sched.status.next_job_run_at) if sched.status else None,
        "last_job_id": sched.status.last_job.id if sched.status and sched.status.last_job else None,
        "flavor": spec.flavor, "image": spec.docker_image or spec.space_id,
        "command": command if len(command) <= 200 else command[:200] + "…",
        "created_at": _iso(sched.created_at), "owner": sched.owner.name,
    }
    return {k: v for k, v in out.items() if v is not None}


class ScheduledManageArgs(BaseModel):
    action: Literal["list", "get", "delete", "suspend", "resume"]
    scheduled_job_id: JobId | None = Field(None, description="Required for get, delete, suspend and resume.")
    namespace: Namespace | None = Field(None, description="An organization; default: your user.")


class HfScheduledJobManage(Tool[ScheduledManageArgs]):
    name = "hf_scheduled_job_manage"
    description = "List scheduled jobs, or get / delete / suspend / resume one by id."
    Arguments = ScheduledManageArgs

    async def run(self, args: ScheduledManageArgs, ctx: ToolContext) -> str:
        namespace = resolve_namespace(ctx, args.namespace)
        api = ctx.hf_api()
        token = ctx.identity.secret()
        if args.action == "list":
            items = await call_hub("listing scheduled jobs", api.list_scheduled_jobs, namespace=namespace, token=token)
            if not items:
                return f"No scheduled jobs in {namespace}."
            return truncate(json.dumps({"namespace": namespace, "scheduled_jobs": [_summary(s) for s in items]},
                                       indent=1, default=str))
        if not args.scheduled_job_id:
            raise ToolFailure(f"scheduled_job_id is required for action={args.action}.")
        ref = {"scheduled_job_id": args.scheduled_job_id, "namespace": namespace, "token": token}
        action = f"{args.action} scheduled job {args.scheduled_job_id}"
        if args.action == "delete":
            await call_hub(action, api.delete_scheduled_job, **ref)
            return f"Scheduled job {args.scheduled_job_id} deleted (jobs it already started keep running)."
        if args.action == "suspend":
            await call_hub(action, api.suspend_scheduled_job, **ref)
        elif args.action == "resume":
            await call_hub(action, api.resume_scheduled_job, **ref)
        sched = await call_hub(action, api.inspect_scheduled_job, **ref)
        return truncate(json.dumps(_summary(sched), indent=1, default=str))
