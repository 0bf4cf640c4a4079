"""Deciding what to do with a run paused for approval: automatically (``--auto-approve-up-to``), by asking the
person at the terminal, or not at all (the run stays paused)."""

from __future__ import annotations

from pydantic import BaseModel
from rich.console import Console
from rich.prompt import FloatPrompt, Prompt
from rich.text import Text

from ml_intern_cli import formatting as fmt
from ml_intern_cli.models import PendingApproval, Response

MAX_CAP_USD = 500.0  # the server's bound on max_cost_usd


class Decision(BaseModel):
    approve: bool
    new_max_cost_usd: float | None = None
    feedback: str | None = None

    def describe(self) -> str:
        if not self.approve:
            return "Denied" + (f" (feedback: {self.feedback})" if self.feedback else "")
        if self.new_max_cost_usd is not None:
            return f"Approved with the cap raised to {fmt.usd(self.new_max_cost_usd)}"
        return "Approved"


def automatic(response: Response, limit: float) -> Decision | str:
    """Approve when the pause can be cleared by a cap of at most ``limit`` (the cap is then raised to ``limit``,
    so the run goes on unattended up to it); otherwise the reason not to."""
    pending = response.pending_approval or PendingApproval()
    if any(action.estimate_usd is None for action in pending.actions):
        return "A pending action's cost cannot be estimated: --auto-approve-up-to approves only estimated costs."
    required = pending.budget.required_max_cost_usd
    if required is None:
        return Decision(approve=True)
    if required > limit:
        return (f"The pause needs a cap of at least {fmt.usd(required)}, above --auto-approve-up-to "
                f"{fmt.usd(limit)}.")
    return Decision(approve=True, new_max_cost_usd=limit)


def ask(console: Console, response: Response) -> Decision | None:
    """The interactive prompt; None leaves the run paused."""
    pending = response.pending_approval or PendingApproval()
    budget = pending.budget
    required = budget.required_max_cost_usd
    approve_label = f"approve and raise the cap to {fmt.usd(required)}" if required is not None else "approve"
    for key, label in (("a", approve_label), ("r", "raise the cap to another amount"),
                       ("d", "deny (with feedback for the agent)"), ("l", "leave it paused")):
        console.print(Text.assemble(f"  {key}  ", (label, "")), style="bold" if key == "a" else "")
    choice = Prompt.ask("Your choice", console=console, choices=["a", "r", "d", "l"], default="a")
    if choice == "a":
        return Decision(approve=True, new_max_cost_usd=required)
    if choice == "d":
        feedback = Prompt.ask("Feedback for the agent (optional)", console=console, default="")
        return Decision(approve=False, feedback=feedback.strip() or None)
    if choice == "r":
        while True:
            cap = FloatPrompt.ask("New cap in USD", console=console,
                                  default=required if required is not None else budget.max_cost_usd)
            if (cap is not None and budget.spent_usd < cap <= MAX_CAP_USD
                    and (required is None or cap >= required)):
                return Decision(approve=True, new_max_cost_usd=cap)
            floor = max(required or 0.0, budget.spent_usd)
            console.print(f"[red]The cap must be at least {fmt.usd(floor)} (what the pending actions need, above "
                          f"the spend) and at most {fmt.usd(MAX_CAP_USD)}.[/]")
    return None
