"""``sandbox_create`` and ``sandbox_delete``: the session's one sandbox Space, made once and reused by later turns.

Money: a sandbox on paid hardware is charged its estimate (an hour of use plus the idle time before it sleeps, at
the flavor's price) the moment it exists, in the same commit as its ``space`` artifact; waking a sleeping paid
sandbox starts a new billing period and is charged again (rebuilding one whose build failed is not: it never ran).
A flavor without a known price cannot be estimated and waits for the caller's approval. cpu-basic is free.
"""

from __future__ import annotations

import asyncio
import re

from pydantic import BaseModel, Field, field_validator

from agent.tools.base import Tool, ToolContext, ToolFailure
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.repos.collection import SessionCollections
from agent.tools.repos.write_support import require_repo_write, resolve_namespace
from agent.tools.sandbox import space
from agent.tools.sandbox.client import SandboxClient

FREE_FLAVOR = "cpu-basic"
USE_SECONDS = 3600  # the use a paid sandbox is charged for, on top of its idle time before it sleeps
PACKAGE = r"^[A-Za-z0-9][A-Za-z0-9._\-\[\],<>=!~+]{0,119}$"
INSTALL_TIMEOUT_SECONDS = 900


class CreateArgs(BaseModel):
    hardware: str = Field(FREE_FLAVOR, pattern=r"^[a-z0-9][a-z0-9\-]{1,40}$",
                          description="Flavor as for jobs (hf_job_hardware); cpu-basic is free, others bill.")
    packages: list[str] = Field(default_factory=list, max_length=30,
                                description="pip requirements to preinstall, e.g. [\"trl\", \"datasets>=3\"].")

    @field_validator("packages")
    @classmethod
    def _requirements(cls, value: list[str]) -> list[str]:
        for package in value:
            if not re.match(PACKAGE, package):
                raise ValueError(f"invalid package {package[:120]!r}: a pip requirement like 'trl' or 'torch>=2.5'")
        return value


class SandboxCreate(Tool[CreateArgs]):
    name = "sandbox_create"
    description = ("Start (or reuse) this session's private dev sandbox: a Docker Space of the user's to write, run "
                   "and debug code with sandbox_exec/read/write/edit before paying for a job. Waits until it runs.")
    Arguments = CreateArgs

    charges_actual = True  # charged when the Space exists, with its artifact

    def __init__(self, collections: SessionCollections, hardware: HardwareCatalog) -> None:
        self.collections = collections
        self.hardware = hardware
        # One create at a time per session in this process: parallel calls in one batch make one Space, charged once
        # (the second finds the first's artifact). session id -> [lock, calls using it]; dropped at zero.
        self._locks: dict[str, list] = {}

    def timeout_seconds(self, args: CreateArgs) -> float:
        return 1800 + INSTALL_TIMEOUT_SECONDS  # building waits up to settings.sandbox_start_timeout_seconds

    async def estimate_cost_usd(self, args: CreateArgs, ctx: ToolContext) -> float | None:
        if args.hardware == FREE_FLAVOR:
            return 0.0
        await self.hardware.flavors(ctx)
        return self.hardware.estimate_usd(ctx.settings.hub_url, args.hardware,
                                          USE_SECONDS + ctx.settings.sandbox_sleep_seconds)

    async def _charge(self, args: CreateArgs, ctx: ToolContext) -> float:
        estimate = await self.estimate_cost_usd(args, ctx)
        if estimate and ctx.charge is not None:
            ctx.charge(estimate, tool=self.name)  # committed with the artifact recorded next
        return estimate or 0.0

    async def run(self, args: CreateArgs, ctx: ToolContext) -> str:
        require_repo_write(ctx)
        entry = self._locks.setdefault(ctx.session_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                return await self._create_or_reuse(args, ctx)
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(ctx.session_id, None)

    async def _create_or_reuse(self, args: CreateArgs, ctx: ToolContext) -> str:
        existing = await space.session_sandbox(ctx)
        if existing is not None:
            state = await space.runtime(ctx, existing)
            if state is not None:
                return await self._reuse(args, ctx, existing, state)
        if args.hardware != FREE_FLAVOR:
            flavors, _live = await self.hardware.flavors(ctx)
            if args.hardware not in flavors:
                raise ToolFailure(f"unknown hardware '{args.hardware}'. Available: {', '.join(sorted(flavors))}.")
        space_id = f"{resolve_namespace(ctx, None)}/{space.sandbox_name(ctx.session_id)}"
        await space.create_space(ctx, space_id, args.hardware,
                                 None if args.hardware == FREE_FLAVOR else ctx.settings.sandbox_sleep_seconds)
        charged = await self._charge(args, ctx)
        await ctx.record_artifact(space.sandbox_artifact(ctx, space_id))
        warning = await self.collections.add(ctx, "space", space_id)
        await space.upload_template(ctx, space_id, args.packages)
        await space.wait_until_running(ctx, space_id)
        return "\n".join([f"Sandbox running: {space_id} ({args.hardware}, private)",
                          f"url: {space.sandbox_artifact(ctx, space_id).url}",
                          f"charged: {charged:.4f} USD (estimate)" if charged else "cost: free hardware",
                          "Paths are relative to its workspace (the default working directory). Files are lost "
                          "when the sandbox sleeps or restarts: push what matters to the Hub.",
                          *([warning] if warning else [])])

    async def _reuse(self, args: CreateArgs, ctx: ToolContext, space_id: str, state: dict) -> str:
        notes = [f"Reusing this session's sandbox: {space_id}"]
        hardware = (state.get("hardware") or {}).get("requested") or FREE_FLAVOR
        if hardware != args.hardware:
            notes.append(f"note: it runs on {hardware}, not {args.hardware}; sandbox_delete it first to change.")
        stage = str(state.get("stage"))
        rebuilt = stage in space.FAILED or stage == space.NO_APP
        if rebuilt:
            # A failed build (or a crash before the template was uploaded): build again, with these packages. Not
            # charged again: the first estimate's hour of use was not used by a Space that did not run.
            await space.upload_template(ctx, space_id, args.packages)
            notes.append(f"It was {stage}: rebuilt from the template"
                         + (f" with {', '.join(args.packages)}." if args.packages else "."))
        elif stage in space.ASLEEP:
            await space.restart(ctx, space_id)
            if hardware != FREE_FLAVOR:
                charged = await self._charge(args.model_copy(update={"hardware": hardware}), ctx)
                await ctx.record_artifact(space.sandbox_artifact(ctx, space_id))
                notes.append(f"charged: {charged:.4f} USD (estimate): waking paid hardware starts a new period")
            notes.append(f"It was {stage} and restarted: its workspace is empty again.")
        await space.wait_until_running(ctx, space_id)
        if args.packages and not rebuilt:
            result = await SandboxClient(ctx, space_id).exec(
                "pip install --user " + " ".join(f"'{p}'" for p in args.packages), INSTALL_TIMEOUT_SECONDS, None,
                ctx.log)
            notes.append(f"pip install: exit code {result.exit_code}" + (" (timed out)" if result.timed_out else ""))
        return "\n".join(notes)


class DeleteArgs(BaseModel):
    pass


class SandboxDelete(Tool[DeleteArgs]):
    name = "sandbox_delete"
    description = "Delete this session's sandbox Space (its files are lost). Only when the user is done with it."
    Arguments = DeleteArgs

    async def run(self, args: DeleteArgs, ctx: ToolContext) -> str:
        require_repo_write(ctx)
        space_id = await space.require_sandbox(ctx)
        if await space.delete_space(ctx, space_id):
            return f"Deleted the sandbox {space_id}."
        return f"The sandbox {space_id} was already deleted."
