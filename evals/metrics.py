"""Figures read from a run's event log: model calls, tokens, cost, tool calls, durations. Every dollar is carried
by a ``response.llm_call`` or ``response.action_cost`` event, so these sums are the run's spend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field


class Metrics(BaseModel):
    model_calls: int = 0            # response.llm_call events (retried attempts and sub-agent calls included)
    model_call_errors: int = 0      # of which status "error"
    input_tokens: int = 0
    output_tokens: int = 0          # reasoning included
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    llm_cost_usd: float = 0.0
    action_cost_usd: float = 0.0    # jobs, paid Spaces (response.action_cost)
    tool_calls: int = 0             # mcp_call output items
    tool_errors: int = 0            # of which ended other than completed
    tools: dict[str, int] = Field(default_factory=dict)
    approvals_requested: int = 0    # response.approval_required events
    model_seconds: float = 0.0      # sum of the model calls' duration_ms
    events: int = 0
    wall_seconds: float = 0.0       # measured by the runner: submit to settled, approvals included

    @property
    def cost_usd(self) -> float:
        return self.llm_cost_usd + self.action_cost_usd

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def summary(self) -> dict[str, Any]:
        return {**self.model_dump(), "cost_usd": round(self.cost_usd, 6), "tokens": self.tokens}

    def __add__(self, other: Metrics) -> Metrics:
        tools = Counter(self.tools)
        tools.update(other.tools)
        values = {name: getattr(self, name) + getattr(other, name) for name in Metrics.model_fields
                  if name != "tools"}
        return Metrics(**values, tools=dict(tools))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def from_events(events: Iterable[dict[str, Any]], wall_seconds: float = 0.0) -> Metrics:
    m = Metrics(wall_seconds=wall_seconds)
    tools: Counter[str] = Counter()
    calls: dict[str, dict[str, Any]] = {}
    for event in events:
        m.events += 1
        kind = event.get("type")
        if kind == "response.llm_call":
            m.model_calls += 1
            m.model_call_errors += event.get("status") == "error"
            m.input_tokens += int(_number(event.get("input_tokens")))
            m.output_tokens += int(_number(event.get("output_tokens")))
            m.reasoning_tokens += int(_number(event.get("reasoning_tokens")))
            m.cached_tokens += int(_number(event.get("cached_tokens")))
            m.llm_cost_usd += _number(event.get("cost_usd"))
            m.model_seconds += _number(event.get("duration_ms")) / 1000
        elif kind == "response.action_cost":
            m.action_cost_usd += _number(event.get("cost_usd"))
        elif kind == "response.approval_required":
            m.approvals_requested += 1
        elif kind in ("response.output_item.added", "response.output_item.done"):
            item = event.get("item") or {}
            if item.get("type") == "mcp_call":
                if item.get("id") not in calls:
                    tools[str(item.get("name"))] += 1
                calls[item.get("id")] = item
    m.tool_calls = len(calls)
    m.tool_errors = sum(1 for item in calls.values() if item.get("status") != "completed" or item.get("error"))
    m.tools = dict(tools)
    return m
