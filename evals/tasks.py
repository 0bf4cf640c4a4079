"""Tasks as data: one YAML file per task under ``evals/tasks/`` (or any folder given with ``--tasks-dir``).

A task names its input (one turn, or several chained with ``previous_response_id``), its instructions, its budget,
its wall-clock limit and the automatic checks of each turn; optionally a rubric for an LLM judge. Its ``version``
is bumped by hand when the task changes meaning; ``digest`` (a hash of the definition) tells two runs apart even
when someone forgot to.

Strings may hold ``${namespace}`` (the token's account, read from the Hub's whoami) and ``${run_tag}`` (unique per
run unit, for repos a task creates), substituted when the task is run.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from pathlib import Path
from string import Template
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.checks import CheckSpec, StatusCheck

BUILTIN_TASKS = Path(__file__).parent / "tasks"
TASK_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Budget(Strict):
    max_cost_usd: float = Field(2.0, gt=0, le=500, description="The request's max_cost_usd (the session's cap).")
    approve_up_to_usd: float | None = Field(
        None, gt=0, le=500, description="The runner approves a budget pause when a cap of at most this clears it "
                                        "(and raises the cap to it); above it, it denies. Default: deny every pause.")
    approve_unestimated: bool = Field(False, description="Also approve actions whose cost cannot be estimated.")


class Turn(Strict):
    input: str = Field(..., min_length=1, max_length=100_000)
    instructions: str | None = Field(None, max_length=20_000)
    checks: list[CheckSpec] = Field(default_factory=list)
    # Steps for the emulator's scripted model (tests/emulator/README.md): used only with --scripted, for offline
    # runs against the emulator; a real model never sees them.
    emulator_script: list[Any] | None = None

    def all_checks(self) -> list[CheckSpec]:
        """The turn's checks; a run that did not complete fails unless the task says what status it expects."""
        if any(isinstance(check, StatusCheck) for check in self.checks):
            return list(self.checks)
        return [StatusCheck(type="status"), *self.checks]


class JudgeSpec(Strict):
    rubric: str = Field(..., min_length=1, max_length=20_000)
    pass_score: int = Field(4, ge=1, le=5, description="The lowest score (1-5) that counts as a pass.")


class Task(Strict):
    id: str = Field(..., pattern=TASK_ID)
    version: int = Field(..., ge=1)
    title: str
    family: str = Field(..., description="The tool family or kind of work the task exercises.")
    source: str | None = Field(None, description="Where the task comes from (e.g. the seed's example).")
    tags: list[str] = Field(default_factory=list)
    budget: Budget = Field(default_factory=Budget)
    wall_clock_seconds: float = Field(900, gt=0, le=24 * 3600)
    turns: list[Turn] = Field(..., min_length=1, max_length=10)
    judge: JudgeSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _single_turn(cls, data: Any) -> Any:
        """Shorthand: ``input`` / ``instructions`` / ``checks`` / ``emulator_script`` at the top are one turn."""
        if isinstance(data, dict) and "input" in data:
            data = dict(data)
            if "turns" in data:
                raise ValueError("give either input (one turn) or turns, not both")
            turn = {key: data.pop(key) for key in ("input", "instructions", "checks", "emulator_script")
                    if key in data}
            data["turns"] = [turn]
        return data

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def render(self, variables: dict[str, str]) -> Task:
        """The task with ``${name}`` placeholders substituted in every string (unknown ones are left as they are)."""
        return Task.model_validate(_substitute(self.model_dump(mode="json", exclude_none=True), variables))


def _substitute(value: Any, variables: dict[str, str]) -> Any:
    if isinstance(value, str):
        return Template(value).safe_substitute(variables)
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    return value


class TaskFileError(ValueError):
    pass


def load_task(path: Path) -> Task:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        task = Task.model_validate(data)
    except (yaml.YAMLError, ValueError) as exc:
        raise TaskFileError(f"{path}: {exc}") from None
    if task.id != path.stem:
        raise TaskFileError(f"{path}: the task id {task.id!r} must be the file's name ({path.stem!r})")
    return task


def load_tasks(folders: list[Path] | None = None, patterns: list[str] | None = None) -> list[Task]:
    """Every task of the folders (default: the built-in suite), sorted by id, kept when its id or one of its tags
    matches one of ``patterns`` (shell globs; comma-separated lists are split)."""
    tasks: dict[str, Task] = {}
    for folder in folders or [BUILTIN_TASKS]:
        for path in sorted(folder.glob("*.yaml")):
            task = load_task(path)
            if task.id in tasks:
                raise TaskFileError(f"{path}: a task with id {task.id!r} is already loaded")
            tasks[task.id] = task
    wanted = [p.strip() for pattern in patterns or [] for p in pattern.split(",") if p.strip()]
    selected = [task for task in tasks.values()
                if not wanted or any(fnmatch.fnmatchcase(task.id, p) or p in task.tags or p == task.family
                                     for p in wanted)]
    if wanted and not selected:
        raise TaskFileError(f"no task matches {', '.join(wanted)} (known: {', '.join(sorted(tasks))})")
    return sorted(selected, key=lambda task: task.id)
