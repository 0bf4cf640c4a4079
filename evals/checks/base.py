"""What a check reads (one turn of a saved trace, and Hub lookups) and what it returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

SETTLED_EVENTS = ("response.completed", "response.failed", "response.cancelled", "response.incomplete")


class CheckResult(BaseModel):
    """``passed`` is None when the check could not be decided (a lookup that failed, or a replay without the
    recorded lookup): such a check does not pass, and the report says why."""

    type: str
    label: str
    passed: bool | None
    detail: str = ""
    turn: int = 0


class Lookups(Protocol):
    """Facts read from the Hub and datasets-server. Each answer is a small dict with ``status`` (the HTTP status,
    or None when the service could not be reached or, in a replay, the lookup was never recorded).
    ``hf_hosts``: the hosts whose URLs count as Hugging Face's."""

    hf_hosts: frozenset[str]

    async def repo(self, kind: str, repo_id: str) -> dict[str, Any]: ...
    async def paper(self, paper_id: str) -> dict[str, Any]: ...
    async def collection(self, slug: str) -> dict[str, Any]: ...
    async def account(self, name: str) -> dict[str, Any]: ...
    async def job(self, namespace: str, job_id: str) -> dict[str, Any]: ...
    async def page(self, path: str) -> dict[str, Any]: ...
    async def splits(self, dataset: str) -> dict[str, Any]: ...


def exists(answer: dict[str, Any]) -> bool | None:
    """True for a 2xx, False for a 404 (or the Hub's 401 for an unknown repo), None when unknown."""
    status = answer.get("status")
    if status is None:
        return None
    if 200 <= status < 300:
        return True
    if status in (401, 404, 410):
        return False
    return None


_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


@dataclass
class CodeBlock:
    language: str
    code: str


def code_blocks(text: str) -> list[CodeBlock]:
    return [CodeBlock(match.group(1).lower(), match.group(2)) for match in _FENCE.finditer(text)]


def prose(text: str) -> str:
    """The text without its fenced code blocks."""
    return _FENCE.sub(" ", text)


@dataclass
class TurnView:
    """One turn as the checks see it: the final answer, the status, the events and the artifacts."""

    index: int
    status: str
    answer: str
    events: list[dict[str, Any]]
    response: dict[str, Any] = field(default_factory=dict)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    runner_actions: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The server-side tool calls as they ended (``mcp_call`` items of ``output_item.done``, else ``.added``)."""
        calls: dict[str, dict[str, Any]] = {}
        for event in self.events:
            if event.get("type") in ("response.output_item.added", "response.output_item.done"):
                item = event.get("item") or {}
                if item.get("type") == "mcp_call":
                    calls[item.get("id", str(len(calls)))] = item
        return list(calls.values())


def final_answer(response: dict[str, Any] | None, events: list[dict[str, Any]]) -> str:
    """The text of the message items after the last tool call (what the agent answered in the end); the whole
    output's text when it called no tool. Read from the final response object, else rebuilt from the events."""
    output = (response or {}).get("output")
    if output is None:
        output = [e["item"] for e in events if e.get("type") == "response.output_item.done" and "item" in e]
    last_call = max((i for i, item in enumerate(output) if item.get("type") == "mcp_call"), default=-1)
    texts = []
    for item in output[last_call + 1:]:
        if item.get("type") == "message":
            texts.append("".join(part.get("text") or "" for part in item.get("content") or []
                                 if part.get("type") == "output_text"))
    return "\n\n".join(text for text in texts if text)


class Check(BaseModel):
    """A check's parameters as the task file gives them; ``evaluate`` applies it to one turn."""

    model_config = ConfigDict(extra="forbid")
    type: str  # each check narrows it to its own literal (the discriminator of CheckSpec)
    label: str | None = None

    def describe(self) -> str:
        return self.label or self.type

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        raise NotImplementedError

    def result(self, turn: TurnView, passed: bool | None, detail: str) -> CheckResult:
        return CheckResult(type=self.type, label=self.describe(), passed=passed, detail=detail,
                           turn=turn.index)
