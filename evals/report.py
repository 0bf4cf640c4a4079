"""A run's report: ``report.json`` (every unit's checks and figures, and summaries per model and per task) and
``report.md`` (the same as tables). The figures are sums of the units' event-log metrics."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from evals.scoring import UnitResult

REPORT_SCHEMA = 1
_SUMMED = ("cost_usd", "llm_cost_usd", "action_cost_usd", "tokens", "input_tokens", "output_tokens",
           "reasoning_tokens", "model_calls", "model_call_errors", "tool_calls", "tool_errors", "approvals_requested",
           "wall_seconds", "model_seconds")


def summarize(units: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals and per-run means over some units (their ``metrics``), the pass rate, and the judge's figures apart."""
    runs = len(units)
    passed = sum(1 for u in units if u["passed"])
    out: dict[str, Any] = {"runs": runs, "passed": passed, "pass_rate": round(passed / runs, 4) if runs else 0.0,
                           "cancelled_by_runner": sum(1 for u in units if u["cancelled_by_runner"]),
                           "undecided_checks": sum(1 for u in units for c in u["checks"] if c["passed"] is None)}
    for name in _SUMMED:
        total = sum(u["metrics"][name] for u in units)
        out[f"{name}_total"] = round(total, 6)
        out[f"{name}_per_run"] = round(total / runs, 6) if runs else 0.0
    judged = [u["judge"] for u in units if u.get("judge") and u["judge"].get("score") is not None]
    out["judge"] = {"judged": len(judged),
                    "mean_score": round(sum(j["score"] for j in judged) / len(judged), 3) if judged else None,
                    "pass_rate": round(sum(1 for j in judged if j["passed"]) / len(judged), 4) if judged else None}
    return out


def build(meta: dict[str, Any], results: list[UnitResult]) -> dict[str, Any]:
    units = [r.model_dump(mode="json") for r in results]
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_task: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for unit in units:
        by_model[unit["model"]].append(unit)
        by_task[unit["task_id"]][unit["model"]].append(unit)
    return {"schema_version": REPORT_SCHEMA, "run": meta, "units": units,
            "models": {model: summarize(group) for model, group in by_model.items()},
            "tasks": {task: {model: summarize(group) for model, group in models.items()}
                      for task, models in sorted(by_task.items())}}


def _usd(value: float) -> str:
    return f"${value:.4f}" if value < 1 else f"${value:.2f}"


def _judge(summary: dict[str, Any]) -> str:
    judge = summary["judge"]
    if not judge["judged"]:
        return "–"
    return f"{judge['mean_score']:.1f} ({judge['pass_rate']:.0%} of {judge['judged']})"


def markdown(data: dict[str, Any]) -> str:
    run = data["run"]
    lines = [f"# Eval run {run['label']}", "",
             f"- deployment: {run['base_url']}" + (" (scripted model: the emulator)" if run.get("scripted") else ""),
             f"- started {run['started_at']}, {run['wall_seconds']:.0f} s; repeat {run['repeat']}, "
             f"concurrency {run['concurrency']}; {len(run['tasks'])} task(s)",
             "- a run passes when every automatic check of every turn passes; the judge is reported apart",
             "- figures are sums of each run's event log (`response.llm_call`, `response.action_cost`, tool-call "
             "items); wall time is measured by the runner, approvals included", "",
             "## Models", "",
             "| model | runs | pass rate | cost / task | total cost | tokens / task | model calls / task | "
             "tool calls / task | wall s / task | judge |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for model, s in data["models"].items():
        lines.append(f"| {model} | {s['runs']} | {s['pass_rate']:.0%} ({s['passed']}) | {_usd(s['cost_usd_per_run'])} "
                     f"| {_usd(s['cost_usd_total'])} | {s['tokens_per_run']:.0f} | {s['model_calls_per_run']:.1f} | "
                     f"{s['tool_calls_per_run']:.1f} | {s['wall_seconds_per_run']:.1f} | {_judge(s)} |")
    lines += ["", "## Tasks", "",
              "| task | model | passed | cost | tokens | model calls | tool calls | wall s | failed checks |",
              "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    units = data["units"]
    for task, models in data["tasks"].items():
        for model, s in models.items():
            failed = sorted({c["label"] for u in units if u["task_id"] == task and u["model"] == model
                             for c in u["checks"] if c["passed"] is not True})
            lines.append(f"| {task} | {model} | {s['passed']}/{s['runs']} | {_usd(s['cost_usd_per_run'])} | "
                         f"{s['tokens_per_run']:.0f} | {s['model_calls_per_run']:.1f} | {s['tool_calls_per_run']:.1f} "
                         f"| {s['wall_seconds_per_run']:.1f} | {'; '.join(failed) or '–'} |")
    failures = [u for u in units if not u["passed"]]
    if failures:
        lines += ["", "## Failures", ""]
        for unit in failures:
            lines.append(f"- **{unit['task_id']}** · {unit['model']} · r{unit['repeat']} · status `{unit['status']}`"
                         + (" · cancelled at the wall-clock limit" if unit["cancelled_by_runner"] else "")
                         + f" · trace `traces/{unit['trace_file']}`")
            if unit.get("error"):
                lines.append(f"  - error: {unit['error']}")
            for check in unit["checks"]:
                if check["passed"] is not True:
                    state = "undecided" if check["passed"] is None else "failed"
                    lines.append(f"  - turn {check['turn'] + 1}, {check['label']} ({state}): {check['detail']}")
    judged = [u for u in units if u.get("judge")]
    if judged:
        lines += ["", "## Judge (apart from the automatic checks)", "",
                  "| task | model | repeat | score | passed | reasons |", "|---|---|---:|---:|---|---|"]
        for unit in judged:
            j = unit["judge"]
            reasons = (j.get("reasons") or j.get("error") or "").replace("|", "/").replace("\n", " ")
            lines.append(f"| {unit['task_id']} | {unit['model']} | {unit['repeat']} | {j.get('score') or '–'} | "
                         f"{j.get('passed')} | {reasons} |")
    return "\n".join(lines) + "\n"


def write(data: dict[str, Any], folder: Path, stem: str = "report") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    path = folder / f"{stem}.md"
    path.write_text(markdown(data), encoding="utf-8")
    return path


def load(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))
