"""The per-session budget: auto-approve spending under ``max_cost_usd``, pause for approval beyond it.

Spent = accrued inference + the estimates of approved actions (reserved when an action starts, moved to
spent when it ends). Costs are estimates; authoritative billing is the Hugging Face account's.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from agent import events as ev
from agent.costs import TokenPrice
from agent.llm import ToolCall
from agent.reasoning import reasoning_chars
from agent.tools.base import Tool, ToolContext, ToolFailure

# A model call's output is unknown in advance: budget for this many output tokens.
EXPECTED_OUTPUT_TOKENS = 1_000


class PendingAction(BaseModel):
    """One action waiting for approval: a tool call (with its call id) or the next model call."""

    kind: str                       # "tool_call" | "model_call"
    tool: str | None = None
    call_id: str | None = None
    arguments: str | None = None
    estimate_usd: float | None      # None: the cost cannot be estimated
    reason: str


@dataclass
class Budget:
    cap_usd: float
    spent_usd: float
    reserved_usd: float = 0.0

    @property
    def remaining_usd(self) -> float:
        return max(0.0, round(self.cap_usd - self.spent_usd - self.reserved_usd, 6))

    def context(self, required_max_cost_usd: float | None = None) -> dict[str, float | None]:
        """The budget as a pause shows it. ``required_max_cost_usd``: the smallest cap (whole cents) under which the
        pending actions run when approved; None when the amount is not why the run paused (approving is enough).
        Approving with a lower cap pauses again at once."""
        return {"max_cost_usd": self.cap_usd, "spent_usd": round(self.spent_usd, 6),
                "reserved_usd": round(self.reserved_usd, 6), "remaining_usd": self.remaining_usd,
                "required_max_cost_usd": required_max_cost_usd}

    def cap_covering(self, estimate_usd: float) -> float | None:
        """The smallest cap in whole cents that leaves ``estimate_usd`` within the remaining budget (and above the
        spend so far), or None when the current cap already does."""
        needed = self.spent_usd + self.reserved_usd + estimate_usd
        if self.spent_usd < self.cap_usd and needed <= self.cap_usd:
            return None
        cents = math.ceil(round(needed * 100, 6))
        if cents / 100 <= self.spent_usd:
            cents += 1  # accrued spend reaching the cap pauses too: the cap must exceed it
        return cents / 100


class ApprovalRequired(Exception):
    """Raised by the loop to pause the turn; carries the whole pending batch and the budget context."""

    def __init__(self, actions: list[PendingAction], budget: dict[str, float],
                 calls: list[ToolCall] | None = None) -> None:
        super().__init__("approval required")
        self.actions = actions
        self.budget = budget
        self.calls = calls or []


def estimate_model_call(price: TokenPrice, messages: list[dict[str, Any]]) -> float:
    chars = sum(len(str(m.get("content") or "")) + reasoning_chars(m) for m in messages)
    return price.cost_usd(chars // 4, EXPECTED_OUTPUT_TOKENS)


async def estimate_tool_call(tool: Tool | None, call: ToolCall, ctx: ToolContext) -> tuple[bool, float | None]:
    """(costs money?, estimate). Tools without ``estimate_cost_usd`` are free; None means unknown cost."""
    estimator = getattr(tool, "estimate_cost_usd", None) if tool is not None else None
    if estimator is None:
        return False, 0.0
    try:
        args = tool.parse(call.arguments)
    except ToolFailure:
        return False, 0.0  # the call will fail on its arguments without spending anything
    value = estimator(args, ctx)
    if inspect.isawaitable(value):
        value = await value
    return True, None if value is None else float(value)


@dataclass
class BudgetGate:
    """Decides, before each model call and each batch of tool calls, whether the run may go on unattended.
    The writer owns the cap (the response's ``max_cost_usd``) and the session's spend; the gate adds reservations."""

    writer: Any  # agent.writer.TurnWriter (not imported: the writer does not depend on the budget)
    price: TokenPrice  # the turn's model price, read once from the router catalog when the turn starts
    reserved_usd: float = 0.0
    # Call ids the caller approved explicitly (accepted even when their cost cannot be estimated).
    approved_calls: set[str] = field(default_factory=set)

    @property
    def budget(self) -> Budget:
        return Budget(cap_usd=self.writer.state.max_cost_usd, spent_usd=self.writer.session_spent_usd,
                      reserved_usd=self.reserved_usd)

    def check_model_call(self, messages: list[dict[str, Any]]) -> None:
        budget = self.budget
        estimate = estimate_model_call(self.price, messages)
        if budget.spent_usd >= budget.cap_usd or estimate > budget.remaining_usd:
            reason = ("accrued spend reached the cap" if budget.spent_usd >= budget.cap_usd
                      else "the next model call's estimate exceeds the remaining budget")
            raise ApprovalRequired([PendingAction(kind="model_call", estimate_usd=estimate, reason=reason)],
                                   budget.context(budget.cap_covering(estimate)))

    async def check_tool_calls(self, calls: list[ToolCall], tools: dict[str, Tool],
                               make_context) -> dict[str, float]:
        """The estimates to reserve per call id; raises ApprovalRequired for the whole batch when an action
        cannot be estimated (and was not approved) or the batch exceeds the remaining budget."""
        reservations: dict[str, float] = {}
        pending: list[PendingAction] = []
        total = 0.0
        unknown = False
        for call in calls:
            costly, estimate = await estimate_tool_call(tools.get(call.name), call, make_context(call))
            if not costly:
                continue
            if estimate is None:
                unknown = unknown or call.id not in self.approved_calls
                reason = "the cost of this action cannot be estimated"
            else:
                total += estimate
                reservations[call.id] = estimate
                reason = "the estimate exceeds the remaining budget"
            pending.append(PendingAction(kind="tool_call", tool=call.name, call_id=call.id, arguments=call.arguments,
                                         estimate_usd=estimate, reason=reason))
        budget = self.budget
        if unknown or total > budget.remaining_usd:
            raise ApprovalRequired(pending, budget.context(budget.cap_covering(total)), calls)
        self.reserved_usd += total
        return reservations

    def release(self, estimate: float) -> None:
        self.reserved_usd = max(0.0, self.reserved_usd - estimate)

    def settle(self, call: ToolCall, estimate: float) -> None:
        """An action finished: its reservation becomes spend, recorded as an event the ledger can be audited by."""
        self.reserved_usd = max(0.0, self.reserved_usd - estimate)
        self.writer.charge(ev.ACTION_COST, estimate, tool=call.name, call_id=call.id)
