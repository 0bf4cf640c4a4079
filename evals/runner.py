"""Running the suite against a deployment: every task × model × repeat ("unit"), a few at a time; each unit's
turns submitted in background mode and followed to their end; each trace saved, scored and reported."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from evals import judge as judging
from evals import report, trace as traces
from evals.client import ApiError, AsyncApi
from evals.follow import Follower
from evals.lookups import HubSource, TraceLookups
from evals.scoring import UnitResult, score, turn_view
from evals.tasks import Task, Turn
from evals.trace import Trace, TurnTrace

log = logging.getLogger("evals")

DEFAULT_HUB_URL = "https://huggingface.co"
DEFAULT_DATASETS_SERVER_URL = "https://datasets-server.huggingface.co"
DEFAULT_ROUTER_URL = "https://router.huggingface.co/v1"
CAPACITY_RETRIES = 20


@dataclass
class RunConfig:
    base_url: str
    token: str
    tasks: list[Task]
    out_dir: Path
    models: list[str | None] = field(default_factory=lambda: [None])  # None: the deployment's default model
    concurrency: int = 2
    repeat: int = 1
    hub_url: str = DEFAULT_HUB_URL
    datasets_server_url: str = DEFAULT_DATASETS_SERVER_URL
    router_url: str = DEFAULT_ROUTER_URL
    judge_model: str | None = None
    scripted: bool = False  # append each turn's emulator_script (offline runs against the emulator)
    wall_clock_seconds: float | None = None  # overrides every task's limit
    run_id: str = field(default_factory=lambda: new_run_id())
    label: str | None = None
    transport: httpx.AsyncBaseTransport | None = None  # tests: a transport in front of the deployment


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def scripted_input(turn: Turn) -> str:
    """The turn's input with its script for the emulator's scripted model (tests/emulator/README.md)."""
    if not turn.emulator_script:
        return turn.input
    # Backticks as the JSON escape \u0060, so that a code fence inside a step cannot end the block early.
    body = json.dumps(turn.emulator_script).replace("`", "\\u0060")
    return f"{turn.input}\n```emulator-script\n{body}\n```"


def request_body(turn: Turn, task: Task, model: str | None, previous: str | None, config: RunConfig) -> dict:
    body: dict[str, Any] = {
        "input": scripted_input(turn) if config.scripted else turn.input, "background": True,
        "max_cost_usd": task.budget.max_cost_usd,
        "metadata": {"eval_run": config.run_id, "eval_task": task.id, "eval_task_version": str(task.version)}}
    if model:
        body["model"] = model
    if turn.instructions:
        body["instructions"] = turn.instructions
    if previous:
        body["previous_response_id"] = previous
    return body


async def create(api: AsyncApi, body: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Create the response, waiting out a deployment at capacity (429 with Retry-After) until the deadline."""
    for _ in range(CAPACITY_RETRIES):
        try:
            return await api.create(body)
        except ApiError as exc:
            wait = exc.retry_after if exc.retry_after is not None else 5.0
            if exc.status != 429 or time.monotonic() + wait > deadline:
                raise
            await asyncio.sleep(wait)
    return await api.create(body)


class Runner:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.api = AsyncApi(config.base_url, config.token, transport=config.transport)
        self.source = HubSource(config.hub_url, config.datasets_server_url, config.token)
        self.namespace = "unknown"
        self.http = httpx.AsyncClient()
        self._lock = asyncio.Lock()
        self.done = 0

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.source.aclose()
        await self.http.aclose()

    async def run(self) -> list[UnitResult]:
        config = self.config
        self.namespace = await self.source.whoami() or "unknown"
        if self.namespace == "unknown":
            log.warning("the Hub's whoami did not name the token's account: tasks that push repos will fail")
        default = await self.api.default_model() if None in config.models else None
        models = list(dict.fromkeys(model or default or "default" for model in config.models))  # one unit each
        units = [(task, model, r) for task in config.tasks for model in models for r in range(config.repeat)]
        semaphore = asyncio.Semaphore(max(1, config.concurrency))

        async def one(number: int, task: Task, model: str, repeat: int) -> UnitResult:
            async with semaphore:
                result = await self.run_unit(number, task, model, repeat)
            async with self._lock:
                self.done += 1
                log.info("[%d/%d] %s %s r%d: %s (%s)", self.done, len(units), task.id, model, repeat,
                         "PASS" if result.passed else "FAIL", result.status)
            return result

        return list(await asyncio.gather(*(one(n, *unit) for n, unit in enumerate(units))))

    async def run_unit(self, number: int, task: Task, model: str, repeat: int) -> UnitResult:
        config = self.config
        variables = {"namespace": self.namespace, "run_tag": f"{config.run_id[-4:]}{number:03d}".lower()}
        rendered = task.render(variables)
        trace = Trace(run_id=config.run_id, task_id=task.id, task_version=task.version, task_digest=task.digest,
                      model=model, repeat=repeat, base_url=config.base_url, hub_url=config.hub_url,
                      variables=variables,
                      scripted=config.scripted, started_at=time.time(),
                      task=task.model_dump(mode="json", exclude_none=True))
        wall = config.wall_clock_seconds or task.wall_clock_seconds
        started = time.monotonic()
        deadline = started + wall
        send_model = None if model == "default" else model
        previous: str | None = None
        for index, turn in enumerate(rendered.turns):
            body = request_body(turn, rendered, send_model, previous, config)
            turn_trace = TurnTrace(index=index, request=body)
            trace.turns.append(turn_trace)
            turn_started = time.monotonic()
            try:
                created = await create(self.api, body, deadline)
                turn_trace.response_id = created["id"]
                turn_trace.status = created.get("status", "queued")
                follower = Follower(self.api, turn_trace, rendered.budget, deadline)
                await follower.run()
                trace.cancelled_by_runner |= follower.cancelled_by_runner
                turn_trace.response = await self.api.get(turn_trace.response_id)
                turn_trace.status = turn_trace.response.get("status", "unknown")
                turn_trace.artifacts = await self.api.artifacts(turn_trace.response_id)
            except (ApiError, httpx.HTTPError, ValueError, KeyError) as exc:  # the unit fails, the run goes on
                turn_trace.error = f"{type(exc).__name__}: {exc}"
                turn_trace.status = turn_trace.status if turn_trace.response_id else "error"
                log.warning("%s %s turn %d: %s", task.id, model, index, turn_trace.error)
            turn_trace.wall_seconds = time.monotonic() - turn_started
            if turn_trace.status != "completed" or turn_trace.error:
                break
            previous = turn_trace.response_id
        trace.wall_seconds = time.monotonic() - started
        lookups = TraceLookups(trace.lookups, self.source, self.source.hf_hosts)
        result = await score(trace, rendered, lookups)
        if config.judge_model and rendered.judge and trace.turns and trace.turns[-1].status == "completed":
            verdict = await judging.judge(self.http, config.router_url, config.token, config.judge_model,
                                          rendered.judge, rendered.turns[-1].input, turn_view(trace.turns[-1]).answer)
            trace.judge = verdict.model_dump()
            result.judge = trace.judge
        traces.save(trace, config.out_dir / "traces")
        return result

    def meta(self, started: float) -> dict[str, Any]:
        config = self.config
        return {"run_id": config.run_id, "label": config.label or config.run_id, "base_url": config.base_url,
                "hub_url": config.hub_url, "scripted": config.scripted, "repeat": config.repeat,
                "concurrency": config.concurrency, "judge_model": config.judge_model,
                "started_at": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
                "wall_seconds": round(time.time() - started, 3), "namespace": self.namespace,
                "tasks": {task.id: {"version": task.version, "digest": task.digest, "title": task.title,
                                    "family": task.family} for task in config.tasks}}


async def run_suite(config: RunConfig) -> tuple[dict[str, Any], Path]:
    """Run, save the traces, write ``report.json`` and ``report.md`` into ``config.out_dir``."""
    started = time.time()
    runner = Runner(config)
    try:
        results = await runner.run()
    finally:
        await runner.aclose()
    data = report.build(runner.meta(started), results)
    return data, report.write(data, config.out_dir)
