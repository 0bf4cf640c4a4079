"""HF Jobs API: run, inspect, list, cancel, logs/metrics SSE, hardware, scheduled jobs.

Paths and payloads follow ``huggingface_hub`` 2.4 (``run_job``, ``fetch_job_logs`` → ``_stream_sse_events``,
``create_scheduled_job``...). Log events use the Hub's framing ``data: {"data": "...", "timestamp": "..."}``; the
stream replays the history, then follows live lines until the job reaches a terminal stage and closes.
Billing: a job whose namespace has no credits (``Account.can_pay``) gets 402.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from .collections_routes import add_item
from .compute_state import (HARDWARE, TERMINAL, EmulatedJob, ScheduledJob, directives, hardware_payload, iso,
                            parse_schedule)
from .errors import INSUFFICIENT_CREDITS, hub_error, hub_unauthorized, json_body
from .repo_write_routes import KIND_PLURAL, create_repo_record
from .write_auth import account_by_name, caller, can_access, can_run_jobs, can_write, namespace_kind

# Live streams poll the job clock this often, and close after this long (clients reconnect, as on the Hub).
STREAM_POLL_S = 0.05
STREAM_MAX_S = 60.0
METRICS_INTERVAL_S = 0.25


def advance_jobs(state: Any) -> None:
    """Apply the side effects of jobs that reached COMPLETED (repos they push, collection items)."""
    now = time.monotonic()
    for job in list(state.compute.jobs.values()):
        if job.effects_applied or job.creates_repo is None or job.stage(now) != "COMPLETED":
            continue
        job.effects_applied = True
        kind, repo_id = job.creates_repo
        if state.catalog.get(KIND_PLURAL[kind], repo_id) is None:
            create_repo_record(state, kind, repo_id, private=False, sdk="gradio" if kind == "space" else None)
        if job.collection_slug:
            add_item(state, job.collection_slug, kind, repo_id)


def _sse(payload: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _in_namespace(state: Any, request: Request, store: dict[str, Any], id_param: str, what: str) -> Any:
    """The job (or scheduled job) named by the route, when it is in the route's namespace and the caller may read
    it; else the Hub's 401 / 404 (another namespace's job is not revealed)."""
    account = caller(state, request)
    if account is None:
        return hub_unauthorized()
    namespace = request.path_params["namespace"]
    found = store.get(request.path_params[id_param])
    if found is None or found.namespace != namespace or not can_access(account, namespace):
        return hub_error(404, f"{what} not found")
    return found


def _job_or_error(state: Any, request: Request) -> EmulatedJob | Response:
    return _in_namespace(state, request, state.compute.jobs, "job_id", "Job")


def _validate_spec(spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return "Invalid job spec"
    if not spec.get("dockerImage") and not spec.get("spaceId"):
        return "dockerImage or spaceId is required"
    command = spec.get("command")
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        return "command must be a list of strings"
    if (spec.get("flavor") or "cpu-basic") not in HARDWARE:
        return f"Invalid flavor: {spec.get('flavor')}. Expected one of {', '.join(HARDWARE)}"
    for key in ("environment", "secrets"):
        value = spec.get(key)
        if value is not None and not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
            return f"{key} must map names to strings"
    timeout = spec.get("timeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        return "timeoutSeconds must be a positive integer"
    return None


def _launch_checks(state: Any, request: Request, namespace: str) -> Response | None:
    account = caller(state, request)
    if account is None:
        return hub_unauthorized()
    if namespace_kind(state, namespace) is None:
        return hub_error(404, f"Namespace {namespace} not found")
    if not can_run_jobs(account, namespace):
        return hub_error(403, f"You don't have the rights to run jobs in the namespace \"{namespace}\"")
    payer = account_by_name(state, namespace)
    if payer is None or not payer.can_pay:
        return hub_error(402, INSUFFICIENT_CREDITS, "InsufficientCredits")
    return None


def _pusher(state: Any, spec: dict[str, Any], target_repo: str | None) -> str | None:
    """The account behind the job's HF_TOKEN secret, if it may write the repo the job pushes."""
    token = (spec.get("secrets") or {}).get("HF_TOKEN")
    account = state.account_for_token(token) if token else None
    if account is None:
        return None
    if target_repo and not can_write(account, target_repo.rpartition(":")[2].split("/")[0]):
        return None
    return account.name


def routes(state: Any) -> list[BaseRoute]:
    async def hardware(request: Request) -> Response:
        return JSONResponse(hardware_payload(state.compute.hardware_prices))

    async def run(request: Request) -> Response:
        namespace = request.path_params["namespace"]
        if (error := _launch_checks(state, request, namespace)) is not None:
            return error
        spec = await json_body(request)
        if isinstance(spec, Response):
            return spec
        if (problem := _validate_spec(spec)) is not None:
            return hub_error(400, problem)
        account = caller(state, request)
        target = directives(spec).get("EMULATOR_JOB_CREATES_REPO")
        job = state.compute.new_job(namespace=namespace, owner_type=namespace_kind(state, namespace) or "user",
                                    initiator=account.name, spec=spec,
                                    token_account=_pusher(state, spec, target),
                                    hub_url_hint=str(request.base_url).rstrip("/"))
        return JSONResponse(job.payload())

    def readable_namespace(request: Request) -> str | Response:
        """The route's namespace when the caller may read its jobs, else the Hub's 401/403."""
        account = caller(state, request)
        if account is None:
            return hub_unauthorized()
        namespace = request.path_params["namespace"]
        if not can_access(account, namespace):
            return hub_error(403, "You don't have access to the jobs of this namespace")
        return namespace

    async def list_jobs(request: Request) -> Response:
        namespace = readable_namespace(request)
        if isinstance(namespace, Response):
            return namespace
        advance_jobs(state)
        stages = set(request.query_params.getlist("stage"))
        labels = [label.split("=", 1) for label in request.query_params.getlist("label")]
        now = time.monotonic()
        out = []
        for job in sorted(state.compute.jobs.values(), key=lambda j: j.created_wall, reverse=True):
            if job.namespace != namespace:
                continue
            if stages and job.stage(now) not in stages:
                continue
            job_labels = job.spec.get("labels") or {}
            if any(len(pair) != 2 or job_labels.get(pair[0]) != pair[1] for pair in labels):
                continue
            out.append(job.payload(now))
        return JSONResponse(out)

    async def inspect(request: Request) -> Response:
        job = _job_or_error(state, request)
        if isinstance(job, Response):
            return job
        advance_jobs(state)
        return JSONResponse(job.payload())

    async def cancel(request: Request) -> Response:
        job = _job_or_error(state, request)
        if isinstance(job, Response):
            return job
        if job.stage() not in TERMINAL:
            job.canceled_at = time.monotonic()
        return JSONResponse(job.payload())

    async def logs(request: Request) -> Response:
        job = _job_or_error(state, request)
        if isinstance(job, Response):
            return job
        tail = request.query_params.get("tail")
        tail_n = int(tail) if tail and tail.isdigit() else None

        async def stream() -> AsyncIterator[bytes]:
            sent = 0
            history = job.visible_lines()
            if tail_n is not None and len(history) > tail_n:
                sent = len(history) - tail_n
            started = time.monotonic()
            while True:
                lines = job.visible_lines()
                for ts, text in lines[sent:]:
                    yield _sse({"data": text, "timestamp": iso(ts)})
                sent = max(sent, len(lines))
                if job.stage() in TERMINAL or time.monotonic() - started > STREAM_MAX_S:
                    advance_jobs(state)
                    return
                await asyncio.sleep(STREAM_POLL_S)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    async def metrics(request: Request) -> Response:
        job = _job_or_error(state, request)
        if isinstance(job, Response):
            return job
        if job.stage() in TERMINAL:
            return hub_error(406, "Job is not running")

        async def stream() -> AsyncIterator[bytes]:
            started = time.monotonic()
            n = 0
            while job.stage() not in TERMINAL and time.monotonic() - started < STREAM_MAX_S:
                if job.stage() == "RUNNING":
                    n += 1
                    sample: dict[str, Any] = {
                        "cpu_usage_pct": 40 + n % 20, "cpu_millicores": 2000,
                        "memory_used_bytes": 1_500_000_000 + n * 1_000_000, "memory_total_bytes": 16_000_000_000,
                        "rx_bps": 1200, "tx_bps": 800, "gpus": {}, "replica": job.id[:5]}
                    accel = HARDWARE.get(job.spec.get("flavor") or "cpu-basic", (None,) * 5)[3]
                    if accel:
                        sample["gpus"] = {"gpu0": {"utilization": 87, "memory_used_bytes": 9_000_000_000,
                                                   "memory_total_bytes": 24_000_000_000}}
                    yield _sse(sample, event="metric")
                await asyncio.sleep(METRICS_INTERVAL_S)

        return StreamingResponse(stream(), media_type="text/event-stream")

    # ------------------------------------------------------------------ scheduled jobs

    def _scheduled_or_error(request: Request) -> ScheduledJob | Response:
        return _in_namespace(state, request, state.compute.scheduled, "scheduled_id", "Scheduled job")

    async def create_scheduled(request: Request) -> Response:
        namespace = request.path_params["namespace"]
        if (error := _launch_checks(state, request, namespace)) is not None:
            return error
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        spec = body.get("jobSpec")
        if (problem := _validate_spec(spec)) is not None:
            return hub_error(400, problem)
        schedule = body.get("schedule")
        if not isinstance(schedule, str) or parse_schedule(schedule) is None:
            return hub_error(400, f"Invalid schedule: {schedule!r}. Use a preset such as @hourly or a 5-field "
                                  "CRON expression")
        sched = ScheduledJob(id=secrets.token_hex(12), namespace=namespace,
                             owner_type=namespace_kind(state, namespace) or "user", spec=spec, schedule=schedule,
                             suspend=bool(body.get("suspend", False)), concurrency=bool(body.get("concurrency", False)),
                             created_wall=time.time())
        state.compute.scheduled[sched.id] = sched
        return JSONResponse(sched.payload())

    async def list_scheduled(request: Request) -> Response:
        namespace = readable_namespace(request)
        if isinstance(namespace, Response):
            return namespace
        label = request.query_params.get("label")
        out = []
        for sched in sorted(state.compute.scheduled.values(), key=lambda s: s.created_wall, reverse=True):
            if sched.namespace != namespace:
                continue
            if label:
                key, _, value = label.partition("=")
                if (sched.spec.get("labels") or {}).get(key) != value:
                    continue
            out.append(sched.payload())
        return JSONResponse(out)

    async def get_scheduled(request: Request) -> Response:
        sched = _scheduled_or_error(request)
        return sched if isinstance(sched, Response) else JSONResponse(sched.payload())

    async def delete_scheduled(request: Request) -> Response:
        sched = _scheduled_or_error(request)
        if isinstance(sched, Response):
            return sched
        del state.compute.scheduled[sched.id]
        return Response(status_code=204)

    def _set_suspend(value: bool):
        async def handler(request: Request) -> Response:
            sched = _scheduled_or_error(request)
            if isinstance(sched, Response):
                return sched
            sched.suspend = value
            return JSONResponse(sched.payload())

        return handler

    return [
        Route("/api/jobs/hardware", hardware, methods=["GET"]),
        Route("/api/jobs/{namespace}", run, methods=["POST"]),
        Route("/api/jobs/{namespace}", list_jobs, methods=["GET"]),
        Route("/api/jobs/{namespace}/{job_id}", inspect, methods=["GET"]),
        Route("/api/jobs/{namespace}/{job_id}/cancel", cancel, methods=["POST"]),
        Route("/api/jobs/{namespace}/{job_id}/logs", logs, methods=["GET"]),
        Route("/api/jobs/{namespace}/{job_id}/metrics", metrics, methods=["GET"]),
        Route("/api/scheduled-jobs/{namespace}", create_scheduled, methods=["POST"]),
        Route("/api/scheduled-jobs/{namespace}", list_scheduled, methods=["GET"]),
        Route("/api/scheduled-jobs/{namespace}/{scheduled_id}", get_scheduled, methods=["GET"]),
        Route("/api/scheduled-jobs/{namespace}/{scheduled_id}", delete_scheduled, methods=["DELETE"]),
        Route("/api/scheduled-jobs/{namespace}/{scheduled_id}/suspend", _set_suspend(True), methods=["POST"]),
        Route("/api/scheduled-jobs/{namespace}/{scheduled_id}/resume", _set_suspend(False), methods=["POST"]),
    ]
