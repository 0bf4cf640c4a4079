"""The cap a budget pause asks for: the smallest one (whole cents) under which the pending actions run."""

from __future__ import annotations

import pytest

from agent.budget import Budget


@pytest.mark.parametrize("budget,estimate,required", [
    (Budget(cap_usd=1.0, spent_usd=0.2), 0.5, None),             # fits: approving is enough
    (Budget(cap_usd=1.0, spent_usd=0.2), 0.8, None),             # exactly the remaining budget still fits
    (Budget(cap_usd=1.0, spent_usd=0.2), 2.4, 2.6),
    (Budget(cap_usd=1.0, spent_usd=0.2, reserved_usd=0.3), 0.6, 1.1),
    (Budget(cap_usd=0.000001, spent_usd=0.0), 0.0031, 0.01),     # rounded up to a cent
    (Budget(cap_usd=1.0, spent_usd=1.0), 0.0, 1.01),             # spend at the cap: the cap must exceed it
    (Budget(cap_usd=1.0, spent_usd=1.2), 0.05, 1.25),
])
def test_cap_covering(budget: Budget, estimate: float, required: float | None) -> None:
    assert budget.cap_covering(estimate) == required
    if required is not None:
        raised = Budget(cap_usd=required, spent_usd=budget.spent_usd, reserved_usd=budget.reserved_usd)
        assert raised.spent_usd < raised.cap_usd and estimate <= raised.remaining_usd  # the gate's own test


def test_pause_context_carries_it() -> None:
    context = Budget(cap_usd=1.0, spent_usd=0.5).context(2.0)
    assert context["required_max_cost_usd"] == 2.0 and context["remaining_usd"] == 0.5
