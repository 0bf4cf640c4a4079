"""Checks on how the run went: its status, the tools it used, the budget pauses the runner handled."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evals.checks.base import Check, CheckResult, Lookups, TurnView


class StatusCheck(Check):
    """The turn ended with one of these statuses (every turn must end ``completed`` unless it says otherwise)."""

    type: Literal["status"]
    equals: list[str] = Field(default_factory=lambda: ["completed"])

    def describe(self) -> str:
        return self.label or "status " + "|".join(self.equals)

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        detail = turn.status + (f" ({turn.error})" if turn.error else "")
        return self.result(turn, turn.status in self.equals, detail)


class ToolsUsed(Check):
    """The agent called the tools of the family the task is about (``any_of`` / ``all_of``), not ``none_of``, and
    at most ``max_calls`` tool calls in all, not counting the ``uncounted`` ones (the plan is bookkeeping, not a
    lookup)."""

    type: Literal["tools_used"]
    any_of: list[str] = Field(default_factory=list)
    all_of: list[str] = Field(default_factory=list)
    none_of: list[str] = Field(default_factory=list)
    max_calls: int | None = Field(None, ge=0)
    uncounted: list[str] = Field(default_factory=lambda: ["plan"])

    def describe(self) -> str:
        return self.label or "tools used"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        names = [call.get("name") for call in turn.tool_calls]
        problems = []
        if self.any_of and not set(self.any_of) & set(names):
            problems.append("called none of " + ", ".join(self.any_of))
        problems += [f"did not call {name}" for name in self.all_of if name not in names]
        problems += [f"called {name}" for name in self.none_of if name in names]
        counted = [name for name in names if name not in self.uncounted]
        if self.max_calls is not None and len(counted) > self.max_calls:
            problems.append(f"{len(counted)} tool calls, at most {self.max_calls}")
        used = ", ".join(sorted(set(n for n in names if n))) or "none"
        return self.result(turn, not problems, "; ".join(problems) or f"{len(names)} call(s): {used}")


class BudgetPause(Check):
    """The run paused for approval at least ``min_pauses`` times and the runner approved (``approved: true``) or
    denied (``approved: false``) it."""

    type: Literal["budget_pause"]
    min_pauses: int = Field(1, ge=1)
    approved: bool | None = True

    def describe(self) -> str:
        return self.label or "paused for budget approval"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        pauses = sum(1 for e in turn.events if e.get("type") == "response.approval_required")
        decisions = [a["kind"] for a in turn.runner_actions if a.get("kind") in ("approve", "deny")]
        problems = []
        if pauses < self.min_pauses:
            problems.append(f"{pauses} pause(s), expected at least {self.min_pauses}")
        if self.approved is True and "approve" not in decisions:
            problems.append("the runner approved nothing")
        if self.approved is False and "deny" not in decisions:
            problems.append("the runner denied nothing")
        return self.result(turn, not problems,
                           "; ".join(problems) or f"{pauses} pause(s), runner: {', '.join(decisions)}")
