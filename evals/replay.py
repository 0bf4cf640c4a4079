"""Re-scoring saved traces without calling anything: the checks read the events, responses and artifacts the
trace holds, and the Hub lookups it recorded. By default the current task definitions are applied (so a changed
check can be tried on old runs); ``as_run`` applies the definitions the traces were run with."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evals import report
from evals.hf_urls import hf_host_set
from evals.lookups import TraceLookups
from evals.scoring import UnitResult, score
from evals.tasks import Task, load_tasks
from evals.trace import load_all


async def rescore(run_dir: Path, *, tasks_dirs: list[Path] | None = None,
                  as_run: bool = False) -> tuple[list[UnitResult], list[str]]:
    """The units of a run dir re-scored; also the lookups the checks wanted but the traces had not recorded."""
    traces = load_all(run_dir / "traces")
    if not traces:
        raise FileNotFoundError(f"no traces in {run_dir / 'traces'}")
    current = {} if as_run else {task.id: task for task in load_tasks(tasks_dirs)}
    results, missing = [], []
    for trace in traces:
        task = current.get(trace.task_id) or Task.model_validate(trace.task)
        lookups = TraceLookups(dict(trace.lookups), None, hf_host_set(trace.hub_url))
        results.append(await score(trace, task.render(trace.variables), lookups, digest=task.digest,
                                   task_changed=task.digest != trace.task_digest))
        missing += [f"{trace.file_name}: {key}" for key in lookups.missing]
    return results, missing


async def replay(run_dir: Path, out_dir: Path, *, tasks_dirs: list[Path] | None = None,
                 as_run: bool = False) -> tuple[dict[str, Any], Path, list[str]]:
    results, missing = await rescore(run_dir, tasks_dirs=tasks_dirs, as_run=as_run)
    try:
        meta = dict(report.load(run_dir)["run"])
    except FileNotFoundError:
        meta = {"run_id": run_dir.name, "label": run_dir.name, "base_url": "?", "scripted": False, "repeat": 1,
                "concurrency": 1, "started_at": "?", "wall_seconds": 0.0, "tasks": {}}
    meta["replayed_at"] = datetime.fromtimestamp(time.time(), timezone.utc).isoformat(timespec="seconds")
    meta["replay"] = {"as_run": as_run, "unrecorded_lookups": len(missing)}
    meta["label"] = f"{meta['label']} (replayed)"
    # The definitions applied, which comparisons check (a changed task is flagged there).
    meta["tasks"] = {r.task_id: {**meta.get("tasks", {}).get(r.task_id, {}), "version": r.task_version,
                                 "digest": r.task_digest, "family": r.family} for r in results}
    data = report.build(meta, results)
    return data, report.write(data, out_dir), missing
