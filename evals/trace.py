"""A run unit's trace (one task, one model, one repeat): the requests sent, every event received, the final
response objects, what the runner did (approvals, cancels), and the Hub lookups its checks used. Saved as one
JSON file, so a failure can be read later and re-scored offline (``ml-intern-eval replay``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

TRACE_SCHEMA = 1


class RunnerAction(BaseModel):
    """Something the runner did to a response: approved or denied a budget pause, or cancelled it at the
    wall-clock limit."""

    kind: Literal["approve", "deny", "cancel"]
    after_sequence: int
    new_max_cost_usd: float | None = None
    reason: str = ""


class TurnTrace(BaseModel):
    index: int
    request: dict[str, Any]
    response_id: str | None = None
    status: str = "not_started"
    events: list[dict[str, Any]] = Field(default_factory=list)
    response: dict[str, Any] | None = None
    artifacts: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[RunnerAction] = Field(default_factory=list)
    error: str | None = None
    wall_seconds: float = 0.0
    reconnects: int = 0


class Trace(BaseModel):
    schema_version: int = TRACE_SCHEMA
    run_id: str
    task_id: str
    task_version: int
    task_digest: str
    model: str
    repeat: int
    base_url: str
    hub_url: str = "https://huggingface.co"
    variables: dict[str, str] = Field(default_factory=dict)
    task: dict[str, Any] = Field(default_factory=dict, description="The task's definition as it ran (unrendered).")
    scripted: bool = False
    started_at: float = 0.0
    wall_seconds: float = 0.0
    cancelled_by_runner: bool = False
    turns: list[TurnTrace] = Field(default_factory=list)
    lookups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    judge: dict[str, Any] | None = None

    @property
    def file_name(self) -> str:
        return trace_file_name(self.task_id, self.model, self.repeat)


def trace_file_name(task_id: str, model: str, repeat: int) -> str:
    return f"{task_id}__{re.sub(r'[^A-Za-z0-9._-]+', '_', model)}__r{repeat}.json"


def save(trace: Trace, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / trace.file_name
    path.write_text(trace.model_dump_json(indent=1), encoding="utf-8")
    return path


def load(path: Path) -> Trace:
    return Trace.model_validate(json.loads(path.read_text(encoding="utf-8")))


def load_all(folder: Path) -> list[Trace]:
    return [load(path) for path in sorted(folder.glob("*.json"))]
