"""Small pieces of text shared by the run display and the one-shot views. Server text is always wrapped in
``Text`` (never parsed as rich markup): a tool's output may contain brackets."""

from __future__ import annotations

import json
import time
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from ml_intern_cli.models import Artifact, PendingApproval, PlanStep, Response

ARGUMENTS_WIDTH = 80
VALUE_WIDTH = 32


def usd(amount: float | None) -> str:
    if amount is None:
        return "unknown"
    return f"${amount:.4f}" if 0 < abs(amount) < 0.01 else f"${amount:.2f}"


def seconds(duration: float) -> str:
    if duration < 60:
        return f"{duration:.1f}s"
    minutes, rest = divmod(int(duration), 60)
    return f"{minutes}m{rest:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def arguments_summary(arguments: str | None) -> str:
    """``key=value`` pairs of a tool call's JSON arguments, cut to one line."""
    if not arguments:
        return ""
    try:
        parsed: Any = json.loads(arguments)
    except ValueError:
        return shorten(arguments, ARGUMENTS_WIDTH)
    if not isinstance(parsed, dict):
        return shorten(json.dumps(parsed), ARGUMENTS_WIDTH)
    pairs = []
    for key, value in parsed.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        pairs.append(f"{key}={shorten(shown, VALUE_WIDTH)}")
    return shorten(" ".join(pairs), ARGUMENTS_WIDTH)


def artifact_line(artifact: Artifact) -> Text:
    url = Text(artifact.url, style=f"link {artifact.url}")
    return Text.assemble(("↗ ", "cyan"), (f"{artifact.type} ", "bold"), (f"{artifact.name}  ", ""), url)


PLAN_MARKS = {"completed": ("✓", "green"), "in_progress": ("▶", "bold yellow"), "pending": ("○", "dim")}


def plan_checklist(plan: list[PlanStep]) -> Text:
    lines = Text("Plan", style="bold")
    for step in plan:
        mark, style = PLAN_MARKS.get(step.status, ("?", ""))
        lines.append("\n  ")
        lines.append(f"{mark} ", style=style)
        lines.append(step.title, style="dim" if step.status == "completed" else "")
    return lines


def pending_approval_panel(response: Response) -> RenderableType:
    """What a pause waits for: the actions, their estimates and the budget."""
    pending = response.pending_approval or PendingApproval()
    budget = pending.budget
    lines: list[RenderableType] = [Text(f"⏸ {response.id} is paused for approval", style="bold yellow")]
    for action in pending.actions:
        what = "next model call" if action.kind == "model_call" else f"tool {action.tool or '?'}"
        line = Text(f"  • {what}: estimate {usd(action.estimate_usd)}")
        if action.kind == "tool_call" and action.arguments:
            line.append(f" ({arguments_summary(action.arguments)})", style="dim")
        if action.reason:
            line.append(f" — {action.reason}", style="dim")
        lines.append(line)
    cap_line = Text(f"  Budget: spent {usd(budget.spent_usd)} of a {usd(budget.max_cost_usd)} cap")
    if budget.reserved_usd:
        cap_line.append(f", {usd(budget.reserved_usd)} reserved")
    if budget.required_max_cost_usd is not None:
        cap_line.append(f"; needs a cap of at least {usd(budget.required_max_cost_usd)}", style="bold")
    lines.append(cap_line)
    return Group(*lines)


def local_time(epoch: int | None) -> str:
    if epoch is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))
