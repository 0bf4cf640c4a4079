"""An in-memory stand-in for ``agent.service.AgentService`` with the same method signatures.

It keeps a real event log (the ``agent.events`` types and projection), so the MCP tools see what the real
service produces, and plays a tiny script per task: ``FakeService.script(steps)`` or the default echo.

Steps: ``{"say": text, "chunks": n, "delay_ms": d}``, ``{"call": name, "arguments": {...}, "output": text,
"delay_ms": d}``, ``{"artifact": {...}}``, ``{"approval": {...}}`` (pause), ``{"fail": message}``,
``{"sleep_ms": d}``, ``{"log": text}``, ``{"until_subscribed": true}`` (go on once a client follows the run).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from agent import events as ev
from agent.errors import Conflict, InvalidRequest, Unauthorized, response_not_found
from agent.identity import Identity, bearer_token
from agent.models import (
    SETTLED_STATUSES, CreateResponseRequest, IncompleteDetails, ResponseError, ResponseObject, new_id,
)

TOKENS = {"hf_emu_alice": "alice", "hf_emu_bob": "bob"}
SCRIPT_RE = re.compile(r"```fake-script\n(.*?)```", re.DOTALL)


@dataclass
class _Run:
    owner: str
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    resume: asyncio.Event = field(default_factory=asyncio.Event)
    approved: bool | None = None
    subscribers: int = 0

    @property
    def state(self) -> ResponseObject:
        return ev.project(self.events)


class FakeService:
    def __init__(self) -> None:
        self.runs: dict[str, _Run] = {}
        self.sessions: dict[str, str] = {}  # session id -> owner
        self.busy: dict[str, str] = {}  # session id -> running response id
        self.auth_calls = 0
        self.keepalive_seconds = 0.2

    # ------------------------------------------------------------------ identity
    async def authenticate(self, authorization: str | None) -> Identity:
        self.auth_calls += 1
        token = bearer_token(authorization)
        user = TOKENS.get(token)
        if user is None:
            raise Unauthorized("Invalid Hugging Face token.", code="invalid_token")
        return Identity(user_id=user, username=user, token=SecretStr(token), token_role="write", orgs=(),
                        can_infer=True, can_write_repos=True, can_run_jobs=True)

    # ------------------------------------------------------------------ helpers
    def _run(self, identity: Identity, response_id: str) -> _Run:
        run = self.runs.get(response_id)
        if run is None or run.owner != identity.user_id:
            raise response_not_found(response_id)
        return run

    async def _emit(self, run: _Run, event: dict[str, Any]) -> None:
        event = {**event, "sequence_number": len(run.events)}
        async with run.changed:
            run.events.append(event)
            run.changed.notify_all()

    async def _status(self, run: _Run, status: str, **kw: Any) -> None:
        state = ev.with_status(run.state, status, **kw)
        kind = {"queued": ev.QUEUED, "in_progress": ev.IN_PROGRESS, "completed": ev.COMPLETED,
                "failed": ev.FAILED, "incomplete": ev.INCOMPLETE, "cancelled": ev.CANCELLED}[status]
        await self._emit(run, ev.snapshot_event(kind, state))

    # ------------------------------------------------------------------ API
    async def submit(self, identity: Identity, request: CreateResponseRequest, *,
                     idempotency_key: str | None = None) -> ResponseObject:
        if request.previous_response_id:
            previous = self._run(identity, request.previous_response_id)
            session_id = previous.state.session_id
        else:
            session_id = new_id("sess")
        if session_id in self.busy:
            raise Conflict(f"Session '{session_id}' is busy with response '{self.busy[session_id]}'.",
                           code="session_busy", status=409)
        if request.model and request.model.startswith("unknown/"):
            raise InvalidRequest(f"Unknown model '{request.model}'.", code="model_not_found", param="model")
        text = request.messages()[-1].text
        match = SCRIPT_RE.search(text)
        steps = json.loads(match.group(1)) if match else [{"say": f"echo: {text}"}]
        response = ResponseObject(id=new_id("resp"), model=request.model or "fake/model", session_id=session_id,
                                  background=True, instructions=request.instructions,
                                  metadata=request.metadata or {}, max_cost_usd=request.max_cost_usd or 5.0,
                                  previous_response_id=request.previous_response_id)
        run = _Run(owner=identity.user_id, steps=steps)
        self.runs[response.id] = run
        self.sessions[session_id] = identity.user_id
        self.busy[session_id] = response.id
        await self._emit(run, ev.snapshot_event(ev.CREATED, response))
        await self._status(run, "queued")
        run.task = asyncio.create_task(self._play(run))
        return run.state

    async def _play(self, run: _Run) -> None:
        session_id = run.state.session_id
        try:
            await self._status(run, "in_progress")
            for step in run.steps:
                if "sleep_ms" in step:
                    await asyncio.sleep(step["sleep_ms"] / 1000)
                elif "until_subscribed" in step:
                    async with run.changed:
                        await run.changed.wait_for(lambda: run.subscribers > 0)
                elif "say" in step:
                    await self._say(run, step)
                elif "call" in step:
                    await self._call_tool(run, step)
                elif "log" in step:
                    await self._emit(run, {"type": ev.TOOL_LOG, "text": step["log"]})
                elif "artifact" in step:
                    await self._emit(run, {"type": ev.ARTIFACT_CREATED, "artifact": step["artifact"]})
                elif "approval" in step:
                    await self._emit(run, {"type": ev.APPROVAL_REQUIRED, "actions": [step["approval"]],
                                           "budget": {"max_cost_usd": run.state.max_cost_usd}})
                    await self._status(run, "incomplete", incomplete=IncompleteDetails(reason="approval_required"))
                    await run.resume.wait()
                    run.resume.clear()
                    await self._status(run, "in_progress")
                    if not run.approved:
                        await self._say(run, {"say": "refused"})
                        break
                elif "fail" in step:
                    await self._status(run, "failed", error=ResponseError(code="agent_error", message=step["fail"]))
                    return
            await self._status(run, "completed", completed_at=1)
        except asyncio.CancelledError:
            await self._status(run, "cancelled")
        finally:
            self.busy.pop(session_id, None)

    async def _say(self, run: _Run, step: dict[str, Any]) -> None:
        text = step["say"]
        n = max(1, min(step.get("chunks", 1), len(text) or 1))
        size = -(-len(text) // n) if text else 1
        index = len(run.state.output)
        item = {"id": new_id("msg"), "type": "message", "role": "assistant", "status": "in_progress", "content": []}
        await self._emit(run, {"type": ev.ITEM_ADDED, "output_index": index, "item": item})
        await self._emit(run, {"type": ev.PART_ADDED, "item_id": item["id"], "output_index": index,
                               "content_index": 0, "part": {"type": "output_text", "text": ""}})
        for i in range(0, len(text), size):
            await self._emit(run, {"type": ev.TEXT_DELTA, "output_index": index, "content_index": 0,
                                   "item_id": item["id"], "delta": text[i:i + size], "logprobs": []})
            await asyncio.sleep(step.get("delay_ms", 0) / 1000)
        done = {**item, "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}
        await self._emit(run, {"type": ev.ITEM_DONE, "output_index": index, "item": done})

    async def _call_tool(self, run: _Run, step: dict[str, Any]) -> None:
        index = len(run.state.output)
        item = {"id": new_id("mcp"), "type": "mcp_call", "name": step["call"],
                "arguments": json.dumps(step.get("arguments", {})), "status": "in_progress"}
        await self._emit(run, {"type": ev.ITEM_ADDED, "output_index": index, "item": item})
        await asyncio.sleep(step.get("delay_ms", 0) / 1000)
        await self._emit(run, {"type": ev.ITEM_DONE, "output_index": index,
                               "item": {**item, "status": "completed", "output": step.get("output", "ok")}})

    async def get(self, identity: Identity, response_id: str) -> ResponseObject:
        return self._run(identity, response_id).state

    async def snapshot(self, identity: Identity, response_id: str) -> tuple[ResponseObject, int]:
        run = self._run(identity, response_id)
        return run.state, (run.events[-1]["sequence_number"] if run.events else -1)

    async def wait(self, identity: Identity, response_id: str, *, timeout: float,
                   after_sequence: int | None = None) -> ResponseObject:
        run = self._run(identity, response_id)

        def ready() -> bool:
            if run.state.status in SETTLED_STATUSES:
                return True
            return after_sequence is not None and len(run.events) - 1 > after_sequence

        try:
            async with run.changed:
                await asyncio.wait_for(run.changed.wait_for(ready), timeout)
        except asyncio.TimeoutError:
            pass
        return run.state

    async def events(self, identity: Identity, response_id: str, *, after: int = -1,
                     limit: int = 1000) -> list[dict]:
        run = self._run(identity, response_id)
        return [dict(e) for e in run.events[after + 1: after + 1 + limit]]

    async def subscribe(self, identity: Identity, response_id: str, *,
                        starting_after: int = -1) -> AsyncIterator[dict | None]:
        run = self._run(identity, response_id)
        cursor = starting_after
        async with run.changed:
            run.subscribers += 1
            run.changed.notify_all()
        while True:
            while cursor + 1 < len(run.events):
                cursor += 1
                event = run.events[cursor]
                yield dict(event)
                if event["type"] in ev.STREAM_END_EVENTS:
                    return
            if run.state.status in SETTLED_STATUSES and cursor >= len(run.events) - 1:
                return
            async with run.changed:
                try:
                    await asyncio.wait_for(run.changed.wait_for(lambda: len(run.events) - 1 > cursor),
                                           self.keepalive_seconds)
                except asyncio.TimeoutError:
                    pass
            if cursor + 1 >= len(run.events):
                yield None

    async def cancel(self, identity: Identity, response_id: str) -> ResponseObject:
        run = self._run(identity, response_id)
        if run.state.status in ("completed", "failed", "cancelled"):
            return run.state
        if run.task is not None and not run.task.done():
            if run.state.status == "incomplete":
                run.approved = False
            run.task.cancel()
            try:
                await run.task
            except asyncio.CancelledError:
                pass
        return run.state

    async def approve(self, identity: Identity, response_id: str, *, approve: bool,
                      new_max_cost_usd: float | None = None, feedback: str | None = None) -> ResponseObject:
        run = self._run(identity, response_id)
        state = run.state
        if state.status != "incomplete" or not state.pending_approval:
            raise Conflict(f"Response '{response_id}' is not waiting for approval.", code="no_pending_approval",
                           status=409)
        run.approved = approve
        run.resume.set()
        async with run.changed:
            await asyncio.wait_for(run.changed.wait_for(lambda: run.state.status != "incomplete"), 5)
        return run.state

    async def list_artifacts(self, identity: Identity, *, response_id: str | None = None,
                             session_id: str | None = None) -> list[dict]:
        if response_id is not None:
            return list(self._run(identity, response_id).state.artifacts)
        if session_id is None or self.sessions.get(session_id) != identity.user_id:
            from agent.errors import NotFound
            raise NotFound(f"No session found with id '{session_id}'.", code="session_not_found", param="session_id")
        seen: dict[str, dict] = {}
        for run in self.runs.values():
            state = run.state
            if state.session_id == session_id:
                for artifact in state.artifacts:
                    seen.setdefault(f"{artifact['type']}:{artifact['url']}", artifact)
        return list(seen.values())
