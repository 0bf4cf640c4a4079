"""``plan``: the agent's working plan, shown to the caller as it changes (``response.plan.updated``, ``plan`` on
the response). Free, instant, and the model's own memory of where a long task stands."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from agent.tools.base import Tool, ToolContext, ToolFailure

MAX_STEPS = 20
StepStatus = Literal["pending", "in_progress", "completed", "skipped"]


class PlanStep(BaseModel):
    title: str = Field(..., min_length=1, max_length=200, description="What this step does, in a few words.")
    status: StepStatus = "pending"


class PlanArgs(BaseModel):
    steps: list[PlanStep] = Field(..., min_length=1, max_length=MAX_STEPS,
                                  description="The whole plan, every time (it replaces the previous one).")

    @model_validator(mode="after")
    def _one_at_a_time(self) -> "PlanArgs":
        if sum(step.status == "in_progress" for step in self.steps) > 1:
            raise ValueError("at most one step may be in_progress")
        return self


class PlanTool(Tool[PlanArgs]):
    name = "plan"
    description = ("Write or update your plan for a multi-step task (research, script, job, report): the whole list "
                   "each time, marking steps completed as you go and at most one in_progress. The user follows it "
                   "live. Skip it for quick questions.")
    Arguments = PlanArgs

    async def run(self, args: PlanArgs, ctx: ToolContext) -> str:
        if ctx.update_plan is None:
            raise ToolFailure("Plans are not shown in this context; go on without one.")
        steps = [step.model_dump() for step in args.steps]
        await ctx.update_plan(steps)
        done = sum(step.status in ("completed", "skipped") for step in args.steps)
        current = next((s.title for s in args.steps if s.status == "in_progress"), None)
        following = next((s.title for s in args.steps if s.status == "pending"), None)
        return (f"Plan updated: {done}/{len(steps)} steps done."
                + (f" Now: {current}." if current else "") + (f" Next: {following}." if following else ""))
