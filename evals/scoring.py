"""Scoring a trace: each turn's automatic checks, the metrics of its events, and (apart) the judge's verdict."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from evals import metrics
from evals.checks import CheckResult, TurnView
from evals.checks.base import final_answer
from evals.lookups import TraceLookups
from evals.tasks import Task
from evals.trace import Trace, TurnTrace


class UnitResult(BaseModel):
    """One task run by one model once: whether every automatic check passed, which did not, and its figures."""

    task_id: str
    task_version: int
    task_digest: str
    family: str
    model: str
    repeat: int
    status: str
    passed: bool
    checks: list[CheckResult]
    metrics: dict[str, Any]
    cancelled_by_runner: bool = False
    error: str | None = None
    trace_file: str
    judge: dict[str, Any] | None = None
    task_changed: bool = Field(False, description="Scored against a definition other than the one that ran.")

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if check.passed is not True]


def turn_view(turn: TurnTrace) -> TurnView:
    response = turn.response
    if response is None:  # the final GET failed: the last snapshot event holds the response
        snapshots = [e["response"] for e in turn.events if isinstance(e.get("response"), dict)]
        response = snapshots[-1] if snapshots else {}
    artifacts = turn.artifacts or response.get("artifacts") or [
        e["artifact"] for e in turn.events if e.get("type") == "response.artifact.created"]
    return TurnView(index=turn.index, status=turn.status, answer=final_answer(response, turn.events),
                    events=turn.events, response=response, artifacts=artifacts,
                    runner_actions=[a.model_dump() for a in turn.actions], error=turn.error)


def trace_metrics(trace: Trace) -> metrics.Metrics:
    total = metrics.Metrics()
    for turn in trace.turns:
        total = total + metrics.from_events(turn.events, turn.wall_seconds)
    return total


async def score(trace: Trace, task: Task, lookups: TraceLookups, *, digest: str | None = None,
                task_changed: bool = False) -> UnitResult:
    """``task`` is the rendered task (placeholders substituted with the trace's variables); ``digest`` that of its
    definition (default: the one the trace ran)."""
    results: list[CheckResult] = []
    for index, spec in enumerate(task.turns):
        checks = spec.all_checks()
        if index >= len(trace.turns):
            results += [CheckResult(type=c.type, label=c.describe(), passed=False, detail="the turn did not run",
                                    turn=index) for c in checks]
            continue
        view = turn_view(trace.turns[index])
        for check in checks:
            results.append(await check.evaluate(view, lookups))
    last = trace.turns[-1] if trace.turns else None
    figures = trace_metrics(trace)
    figures.wall_seconds = trace.wall_seconds
    return UnitResult(
        task_id=trace.task_id, task_version=task.version, task_digest=digest or trace.task_digest, family=task.family,
        model=trace.model, repeat=trace.repeat, status=last.status if last else "not_started",
        passed=bool(results) and all(r.passed is True for r in results), checks=results,
        metrics=figures.summary(), cancelled_by_runner=trace.cancelled_by_runner,
        error=next((t.error for t in trace.turns if t.error), None), trace_file=trace.file_name,
        judge=trace.judge, task_changed=task_changed)
