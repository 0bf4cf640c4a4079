"""``ml-intern-eval``: run the suite against a deployment, replay saved traces, compare runs, list the tasks."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

import click

from evals import compare as comparing
from evals.replay import replay as replaying
from evals.runner import (DEFAULT_DATASETS_SERVER_URL, DEFAULT_HUB_URL, DEFAULT_ROUTER_URL, RunConfig, new_run_id,
                          run_suite)
from evals.tasks import TaskFileError, load_tasks
from ml_intern_cli.client import check_base_url  # the client's own rule for a deployment URL (a pure helper)
from ml_intern_cli.exit_codes import CliError

TASKS_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log every unit and reconnect.")
def main(verbose: bool) -> None:
    """Evaluate the ML Intern agent on ML tasks, against any deployment (docs/evals.md)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


@main.command()
@click.option("--base-url", envvar="ML_INTERN_BASE_URL", default="http://127.0.0.1:8000", show_default=True,
              help="The deployment (or ML_INTERN_BASE_URL).")
@click.option("--model", "models", multiple=True, help="A model id to evaluate (repeatable). Default: the "
              "deployment's default model.")
@click.option("--tasks", "patterns", multiple=True, help="Task ids, tags or families to run (globs; repeatable or "
              "comma-separated). Default: all.")
@click.option("--tasks-dir", "tasks_dirs", multiple=True, type=TASKS_DIR, help="Folders of task files "
              "(default: the built-in suite).")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1, 100))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="The run's folder "
              "(default: evals-runs/<run id>).")
@click.option("--label", help="A name for the run in reports and comparisons.")
@click.option("--hub-url", default=DEFAULT_HUB_URL, show_default=True, help="The Hub the checks ask.")
@click.option("--datasets-server-url", default=DEFAULT_DATASETS_SERVER_URL, show_default=True)
@click.option("--router-url", default=DEFAULT_ROUTER_URL, show_default=True, help="For the judge.")
@click.option("--judge-model", help="Grade each answer with this model and the task's rubric (reported apart).")
@click.option("--wall-clock", type=click.FloatRange(1, 24 * 3600), help="Seconds per task, overriding the tasks'.")
@click.option("--scripted", is_flag=True, help="Send each turn's emulator_script (offline, against the emulator).")
def run(base_url: str, models: tuple[str, ...], patterns: tuple[str, ...], tasks_dirs: tuple[Path, ...],
        concurrency: int, repeat: int, out: Path | None, label: str | None, hub_url: str, datasets_server_url: str,
        router_url: str, judge_model: str | None, wall_clock: float | None, scripted: bool) -> None:
    """Run tasks against a deployment, with the token from HF_TOKEN; save traces and the report."""
    token = os.environ.get("HF_TOKEN", "").strip()
    if not token:
        raise click.UsageError("Set HF_TOKEN to a Hugging Face user token (the runs are billed to its account).")
    try:
        base_url, warning = check_base_url(base_url)  # the same rule as the ml-intern client's
    except CliError as exc:
        raise click.UsageError(exc.message) from None
    if warning:
        click.echo(warning, err=True)
    try:
        tasks = load_tasks(list(tasks_dirs) or None, list(patterns))
    except TaskFileError as exc:
        raise click.UsageError(str(exc)) from None
    run_id = new_run_id()
    out = out or Path("evals-runs") / run_id
    config = RunConfig(base_url=base_url, token=token, tasks=tasks, out_dir=out, models=list(models) or [None],
                       concurrency=concurrency, repeat=repeat, hub_url=hub_url, datasets_server_url=datasets_server_url,
                       router_url=router_url, judge_model=judge_model, scripted=scripted, wall_clock_seconds=wall_clock,
                       run_id=run_id, label=label)
    click.echo(f"Running {len(tasks)} task(s) × {len(config.models)} model(s) × {repeat} against {base_url} "
               f"into {out}", err=True)
    data, path = asyncio.run(run_suite(config))
    _summary(data, path)


def _summary(data: dict, path: Path) -> None:
    for model, s in data["models"].items():
        click.echo(f"{model}: {s['passed']}/{s['runs']} passed ({s['pass_rate']:.0%}), "
                   f"${s['cost_usd_per_run']:.4f} per task, {s['model_calls_per_run']:.1f} model calls, "
                   f"{s['tool_calls_per_run']:.1f} tool calls, {s['wall_seconds_per_run']:.1f} s")
    click.echo(f"Report: {path} (and {path.with_suffix('.json')})")


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Default: RUN_DIR/replay.")
@click.option("--tasks-dir", "tasks_dirs", multiple=True, type=TASKS_DIR)
@click.option("--as-run", is_flag=True, help="Score with the task definitions saved in the traces.")
def replay(run_dir: Path, out: Path | None, tasks_dirs: tuple[Path, ...], as_run: bool) -> None:
    """Re-score a run's saved traces offline (no request is made)."""
    data, path, missing = asyncio.run(replaying(run_dir, out or run_dir / "replay", tasks_dirs=list(tasks_dirs) or None,
                                                as_run=as_run))
    if missing:
        click.echo(f"{len(missing)} lookup(s) were not recorded in the traces; those checks are undecided:", err=True)
        for key in missing[:20]:
            click.echo(f"  {key}", err=True)
    _summary(data, path)


@main.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("evals-runs/comparison"),
              show_default=True)
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 when a task's pass rate dropped from the first arm "
              "to the second (two arms only), e.g. in CI after a prompt change.")
def compare(run_dirs: tuple[Path, ...], out: Path, fail_on_regression: bool) -> None:
    """Compare runs (or the models of one run): table, regressions, pass rate against cost per task (SVG)."""
    path = comparing.write(list(run_dirs), out)
    click.echo(path.read_text(encoding="utf-8"))
    click.echo(f"Written: {path}, {out / 'comparison.svg'}, {out / 'comparison.json'}", err=True)
    regressions = json.loads((out / "comparison.json").read_text(encoding="utf-8"))["regressions"]
    if fail_on_regression and regressions:
        raise SystemExit(1)


@main.command(name="list")
@click.option("--tasks-dir", "tasks_dirs", multiple=True, type=TASKS_DIR)
def list_tasks(tasks_dirs: tuple[Path, ...]) -> None:
    """The tasks: id, version, family, turns, budget, checks."""
    for task in load_tasks(list(tasks_dirs) or None):
        checks = sorted({check.type for turn in task.turns for check in turn.all_checks()})
        click.echo(f"{task.id} v{task.version} [{task.family}] {len(task.turns)} turn(s), "
                   f"${task.budget.max_cost_usd:g} cap, {task.wall_clock_seconds:.0f} s: {', '.join(checks)}")
