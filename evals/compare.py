"""Comparing runs, or the models of one run: a table per arm (a model in a run), the tasks whose pass rate
changed, and a plot of pass rate against cost per task. Written as comparison.md / .json / .svg."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals import report, svg


def arms(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One arm per (run, model); named by the model alone when all come from one run."""
    single = len(reports) == 1
    out = []
    for data in reports:
        for model, summary in data["models"].items():
            name = model if single else f"{data['run']['label']} · {model}"
            tasks = {task: models[model] for task, models in data["tasks"].items() if model in models}
            out.append({"arm": name, "run": data["run"]["run_id"], "model": model, "summary": summary,
                        "tasks": tasks, "digests": {t: v["digest"] for t, v in data["run"]["tasks"].items()}})
    return out


def build(reports: list[dict[str, Any]]) -> dict[str, Any]:
    compared = arms(reports)
    tasks = sorted({task for arm in compared for task in arm["tasks"]})
    changed_definitions = sorted(task for task in tasks
                                 if len({arm["digests"].get(task) for arm in compared if task in arm["tasks"]}) > 1)
    rows = []
    for task in tasks:
        rates = {arm["arm"]: arm["tasks"][task]["pass_rate"] if task in arm["tasks"] else None for arm in compared}
        rows.append({"task": task, "pass_rate": rates,
                     "cost_usd_per_run": {arm["arm"]: arm["tasks"][task]["cost_usd_per_run"]
                                          for arm in compared if task in arm["tasks"]}})
    regressions = []
    if len(compared) == 2:
        base, new = compared[0]["arm"], compared[1]["arm"]
        for row in rows:
            before, after = row["pass_rate"][base], row["pass_rate"][new]
            if before is not None and after is not None and after < before:
                regressions.append({"task": row["task"], "before": before, "after": after})
    return {"arms": [{key: arm[key] for key in ("arm", "run", "model", "summary")} for arm in compared],
            "tasks": rows, "regressions": regressions, "changed_task_definitions": changed_definitions}


def markdown(data: dict[str, Any]) -> str:
    names = [arm["arm"] for arm in data["arms"]]
    lines = ["# Comparison", "", "![pass rate against cost per task](comparison.svg)", "",
             "| arm | runs | pass rate | cost / task | tokens / task | model calls / task | tool calls / task | "
             "wall s / task | judge |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for arm in data["arms"]:
        s = arm["summary"]
        lines.append(f"| {arm['arm']} | {s['runs']} | {s['pass_rate']:.0%} | ${s['cost_usd_per_run']:.4f} | "
                     f"{s['tokens_per_run']:.0f} | {s['model_calls_per_run']:.1f} | {s['tool_calls_per_run']:.1f} | "
                     f"{s['wall_seconds_per_run']:.1f} | {report._judge(s)} |")
    lines += ["", "## Pass rate per task", "", "| task | " + " | ".join(names) + " |",
              "|---|" + "---:|" * len(names)]
    for row in data["tasks"]:
        cells = ["–" if row["pass_rate"][n] is None else f"{row['pass_rate'][n]:.0%}" for n in names]
        lines.append(f"| {row['task']} | " + " | ".join(cells) + " |")
    if len(names) == 2:
        lines += ["", f"## Regressions ({names[1]} against {names[0]})", ""]
        lines += [f"- {r['task']}: {r['before']:.0%} → {r['after']:.0%}" for r in data["regressions"]] or ["None."]
    if data["changed_task_definitions"]:
        lines += ["", "Task definitions differ between the runs (compare with care): "
                  + ", ".join(data["changed_task_definitions"])]
    return "\n".join(lines) + "\n"


def write(run_dirs: list[Path], out: Path) -> Path:
    data = build([report.load(folder) for folder in run_dirs])
    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    points = [(arm["arm"], arm["summary"]["cost_usd_per_run"], arm["summary"]["pass_rate"]) for arm in data["arms"]]
    (out / "comparison.svg").write_text(svg.scatter(points, "Pass rate against cost per task"), encoding="utf-8")
    path = out / "comparison.md"
    path.write_text(markdown(data), encoding="utf-8")
    return path
