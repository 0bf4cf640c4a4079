"""Running the eval harness in-process against the session's server and emulator, with the scripted model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.runner import RunConfig, run_suite
from evals.tasks import load_tasks
from tests.conftest import ALICE


def write_tasks(folder: Path, *tasks: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        data = {"version": 1, "title": task["id"], "family": "test", **task}
        (folder / f"{task['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run_eval(server, emulator, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[dict[str, Any], Path]]:
    """``run_eval(tasks_dir=None, patterns=None, **config)`` -> (report data, run folder)."""

    def run(tasks_dir: Path | None = None, patterns: list[str] | None = None, **overrides: Any):
        out = tmp_path_factory.mktemp("run")
        config = RunConfig(base_url=server.url, token=ALICE, tasks=load_tasks([tasks_dir] if tasks_dir else None,
                                                                               patterns),
                           out_dir=out, hub_url=emulator.url, datasets_server_url=emulator.url,
                           router_url=emulator.router_url, scripted=True, concurrency=4)
        for key, value in overrides.items():
            setattr(config, key, value)
        data, _ = asyncio.run(run_suite(config))
        return data, out

    return run


def checks_of(data: dict[str, Any], task_id: str) -> dict[str, dict[str, Any]]:
    """The checks of a task's (single) unit, by type (the last of a type wins)."""
    unit = next(u for u in data["units"] if u["task_id"] == task_id)
    return {check["type"]: check for check in unit["checks"]}


def unit_of(data: dict[str, Any], task_id: str) -> dict[str, Any]:
    return next(u for u in data["units"] if u["task_id"] == task_id)
