"""``hub_query``: the code-mode Hub query tool (seed 002)."""

from __future__ import annotations

import json
import time

from pydantic import BaseModel, Field

from agent.tools.base import MAX_TOOL_OUTPUT_CHARS, Tool, ToolContext, ToolFailure, truncate
from agent.tools.code_mode.describe import tool_description
from agent.tools.code_mode.registry import script_functions
from agent.tools.code_mode.runtime import Budget
from agent.tools.code_mode.sandbox import MontyRunner, ScriptRejected, check_script

MAX_CALLS_LIMIT = 200


class HubQueryArgs(BaseModel):
    code: str = Field(..., min_length=1, max_length=20_000,
                      description="Async Monty script awaiting hf_* helpers; ends with a bare `result` line.")
    max_calls: int = Field(20, ge=1, le=MAX_CALLS_LIMIT,
                           description="Budget of Hub requests for the whole script (exposed to it as max_calls).")


class HubQuery(Tool[HubQueryArgs]):
    name = "hub_query"
    description = tool_description()
    Arguments = HubQueryArgs

    def __init__(self, runner: MontyRunner | None = None) -> None:
        # The runner (a pool of interpreter processes) is shared by every call of this tool instance.
        self._runner = runner

    @property
    def runner(self) -> MontyRunner:
        if self._runner is None:
            self._runner = MontyRunner()
        return self._runner

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.aclose()

    async def run(self, args: HubQueryArgs, ctx: ToolContext) -> str:
        try:
            code = check_script(args.code)
        except ScriptRejected as exc:
            raise ToolFailure(f"Script rejected before running: {exc}") from None
        budget = Budget(max_calls=args.max_calls)
        functions = script_functions(http=ctx.http, hub_url=ctx.settings.hub_url, username=ctx.identity.username,
                                     budget=budget)
        started = time.perf_counter()
        outcome = await self.runner.run(code, inputs={"max_calls": args.max_calls}, functions=functions)
        elapsed = time.perf_counter() - started
        await ctx.log(f"hub_query: {budget.used}/{args.max_calls} Hub calls, {elapsed:.2f}s")
        report: dict = {"calls_used": budget.used, "max_calls": args.max_calls}
        if budget.helper_errors:
            report["helper_errors"] = budget.helper_errors[:10]
        if outcome.stdout:
            report["stdout"] = outcome.stdout[-2000:]
        if not outcome.ok:
            detail = json.dumps(report, ensure_ascii=False)
            raise ToolFailure(truncate(f"Script failed ({outcome.error_kind}): {outcome.error}\n{detail}",
                                       limit=6000, hint="fix the script and run it again"))
        body = json.dumps({"result": outcome.value, **report}, ensure_ascii=False, default=str)
        return truncate(body, limit=MAX_TOOL_OUTPUT_CHARS,
                        hint="return fewer rows or fields (fields=[...], lower limit) or aggregate in the script")
