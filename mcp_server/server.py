"""The MCP server: five tools over the same ``AgentService`` that serves ``/v1``.

Each tool is thin: it authenticates the caller from the request's ``Authorization`` header (the same
``service.authenticate`` as ``/v1``), calls one service method, and renders a typed result. Errors the caller
can act on (``ServiceError``) become tool errors whose text starts with the same code as the HTTP error body.

No ``from __future__ import annotations`` here: the SDK reads the tool signatures at registration time.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field, ValidationError

from agent import events as ev
from agent.errors import ServiceError
from agent.models import (
    MAX_INSTRUCTIONS_CHARS, MAX_MESSAGE_CHARS, MAX_METADATA_KEYS, MAX_METADATA_VALUE_CHARS, RESPONSE_ID_PATTERN,
    SETTLED_STATUSES, CreateResponseRequest, ResponseObject,
)
from agent.service import MAX_IDEMPOTENCY_KEY_CHARS
from agent.settings import Settings

from .base import MLInternMCP, argument_error
from .progress import ProgressReporter, stop_on_news, stop_on_settle
from .resources import ResponseResources
from .run_view_app import RunViewApp
from .results import ArtifactList, ArtifactRef, TaskSnapshot
from .snapshots import render_snapshot

logger = logging.getLogger(__name__)

SERVER_NAME = "ml-intern"
MAX_WAIT_SECONDS = 50.0
DEFAULT_SUBMIT_WAIT_SECONDS = 5.0
DEFAULT_POLL_WAIT_SECONDS = 25.0
EVENTS_PAGE = 1000
MAX_EVENT_PAGES = 1000
CANCEL_SETTLE_SECONDS = 5.0
SETTLE_GRACE_SECONDS = 1.5

INSTRUCTIONS = """\
ML Intern is an autonomous ML engineer that works on Hugging Face as the user (their token, billed to their \
account): it researches the Hub, inspects datasets, writes code, runs it on HF Jobs, creates repos and trackio \
dashboards. A task takes seconds to hours, so it runs in the background:

1. `submit_task(input)` starts it and returns a snapshot with `response_id`, `status`, `last_sequence` and \
`next_step` (always follow `next_step`). A quick question often comes back `completed`.
2. While `status` is `queued` or `in_progress`, call `get_response(response_id, since_sequence=last_sequence)`: it \
waits up to 25 s, returns only the new text (`new_output_text`) and tool calls, and a fresh `last_sequence` to pass \
next. Tell the user what the agent is doing. A non-null `output_text` replaces the text you collected.
3. `incomplete` with reason `approval_required`: the run paused before an action that needs consent or exceeds \
the budget. Show `pending_approval` to the user, then `approve(response_id, approve=true|false)`. If \
`pending_approval.budget.required_max_cost_usd` is set, also pass `new_max_cost_usd` at least that high, or the \
run pauses again at once.
4. `completed`: show `output_text` and `artifacts` (each has a `url`). `failed`: show `error`.
5. Follow-ups: `submit_task(input, previous_response_id=...)` continues the session with its context and budget \
(`max_cost_usd`, default 5 USD per session). One task runs at a time per session (else `session_busy`).
6. `cancel(response_id)` stops a run; HF Jobs it started may keep running (see artifacts).

Tool errors start with a code (`session_busy: ...`), as in the HTTP API. Each run is also a resource, \
`ml-intern://responses/{id}`."""

# -------------------------------------------------------------------------------------------- parameter types

ResponseId = Annotated[str, Field(pattern=RESPONSE_ID_PATTERN, max_length=40,
                                  description="A response id: 'resp_' followed by 32 hex digits.")]
SessionId = Annotated[str, Field(min_length=1, max_length=100, description="A session id from a snapshot.")]
TaskInput = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS,
                                 description="What the agent should do, in plain language (at most 100,000 "
                                             "characters).")]
Instructions = Annotated[str | None, Field(max_length=MAX_INSTRUCTIONS_CHARS,
                                           description="Extra system-level guidance for this turn (at most "
                                                       "20,000 characters).")]
ModelId = Annotated[str | None, Field(max_length=200, description="Model id; the server default when omitted.")]
CostCap = Annotated[float | None, Field(gt=0, le=500,
                                        description="Spend cap in USD for the session, in (0, 500]; default 5. "
                                                    "The latest value replaces the cap.")]
Metadata = Annotated[dict[str, Annotated[str, Field(max_length=MAX_METADATA_VALUE_CHARS)]] | None,
                     Field(max_length=MAX_METADATA_KEYS, description="Up to 16 string key/value pairs echoed back.")]
SubmitWait = Annotated[float, Field(ge=0, le=MAX_WAIT_SECONDS,
                                    description="Seconds to wait for the task to finish before returning the "
                                                "snapshot, 0 to 50.")]
PollWait = Annotated[float, Field(ge=0, le=MAX_WAIT_SECONDS,
                                  description="Seconds to wait for news (the run settles, a message or artifact "
                                              "appears) before returning, 0 to 50.")]
SinceSequence = Annotated[int | None, Field(ge=-1, le=2**53,
                                            description="The last_sequence of the previous snapshot: return only "
                                                        "text and tool calls newer than it.")]
IdempotencyKey = Annotated[str | None, Field(
    min_length=1, max_length=MAX_IDEMPOTENCY_KEY_CHARS,
    description="Any unique string (e.g. a UUID) to make a retried submit safe: a second submit_task with the "
                "same key returns the task the first one started instead of starting another. The same keys as "
                "the HTTP API's Idempotency-Key header.")]
Feedback = Annotated[str | None, Field(max_length=MAX_INSTRUCTIONS_CHARS,
                                       description="Guidance for the agent as it resumes (or why you refused).")]

# ------------------------------------------------------------------------------------------------- helpers


def tool_error(exc: ServiceError) -> ToolError:
    """A ``ServiceError`` as the tool error text: ``<code>: <message>``, the code and message of ``/v1``."""
    return ToolError(f"{exc.code or exc.type}: {exc.message}")


def _validation_error(exc: ValidationError) -> ToolError:
    return ToolError(argument_error(exc))


# ---------------------------------------------------------------------------------------------- the tools


class ServiceRef:
    """Where the tools find the service: the app creates it in its lifespan, after the routes exist."""

    def __init__(self, service: Any = None) -> None:
        self.service = service

    def get(self) -> Any:
        if self.service is None:
            raise ToolError("service_unavailable: the server is starting or stopping; retry shortly.")
        return self.service


class Tools:
    """The tool bodies, bound to one service. Public so unit tests can call them without a transport."""

    def __init__(self, service: Any, settings: Settings) -> None:
        self.ref = service if isinstance(service, ServiceRef) else ServiceRef(service)
        self.settings = settings

    @property
    def service(self) -> Any:
        return self.ref.get()

    # --- plumbing

    async def identity(self, ctx: Context | None) -> Any:
        headers = ctx.headers if ctx is not None else None
        authorization = headers.get("authorization") if headers is not None else None
        try:
            return await self.service.authenticate(authorization)
        except ServiceError as exc:
            raise tool_error(exc) from None

    async def _call(self, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except ServiceError as exc:
            raise tool_error(exc) from None

    async def _pages(self, identity: Any, response_id: str, after: int):
        cursor = after
        for _ in range(MAX_EVENT_PAGES):
            batch = await self._call(self.service.events(identity, response_id, after=cursor, limit=EVENTS_PAGE))
            for event in batch:
                yield event
            if len(batch) < EVENTS_PAGE:
                return
            cursor = batch[-1]["sequence_number"]

    async def full_snapshot(self, identity: Any, response_id: str,
                            fallback: ResponseObject | None = None) -> TaskSnapshot:
        """The whole response with the sequence number it reflects (one read of the materialised row)."""
        state, last = await self._call(self.service.snapshot(identity, response_id))
        return render_snapshot(state, last)

    async def delta_snapshot(self, identity: Any, response_id: str, since: int) -> TaskSnapshot:
        """Only what happened after ``since``: new text, tool calls started or finished, the current status."""
        base = await self._call(self.service.get(identity, response_id))
        text: list[tuple[Any, str]] = []  # (item id, delta)
        items: dict[str, dict[str, Any]] = {}
        added: set[Any] = set()
        messages: set[Any] = set()
        discarded: set[Any] = set()
        last = since
        last_snapshot: tuple[str, ResponseObject] | None = None
        async for event in self._pages(identity, response_id, since):
            last = max(last, int(event["sequence_number"]))
            kind = event.get("type")
            item = event.get("item") or {}
            if kind == ev.ITEM_ADDED:
                added.add(item.get("id"))
            elif kind == ev.ITEM_DONE and item.get("type") == "message":
                messages.add(item.get("id"))  # a discarded item's done event is committed with its discard
            if kind == ev.TEXT_DELTA:
                text.append((event.get("item_id"), event.get("delta") or ""))
            elif kind in (ev.ITEM_ADDED, ev.ITEM_DONE) and item.get("type") == "mcp_call":
                items[item.get("id", str(len(items)))] = item
            elif kind == ev.ITEM_DISCARDED:
                discarded.add(event.get("item_id"))
            elif kind in ev.SNAPSHOT_EVENTS and isinstance(event.get("response"), dict):
                try:
                    last_snapshot = (kind, ResponseObject.model_validate(event["response"]))
                except ValidationError:
                    continue
        state = base
        if last_snapshot is not None:
            kind, snap = last_snapshot
            if kind in ev.STREAM_END_EVENTS:
                state = snap  # the settled object, exactly as of its event
            elif base.status in SETTLED_STATUSES:
                # ``base`` was read before the run resumed (e.g. approved meanwhile): read it again.
                state = await self._call(self.service.get(identity, response_id))
        if (discarded & messages) - added:
            # A failed model attempt's text, partly returned by an earlier call, is void: the whole snapshot, whose
            # output_text replaces the text the caller has.
            return await self.full_snapshot(identity, response_id)
        return render_snapshot(state, last, new_text="".join(delta for item_id, delta in text
                                                              if item_id not in discarded),
                               tool_items=list(items.values()))

    async def wait_for(self, identity: Any, response_id: str, *, after: int, timeout: float, ctx: Context | None,
                       stop: Callable[[dict[str, Any]], bool], status: str) -> None:
        """Follow the response's events after ``after`` for up to ``timeout`` seconds, reporting progress,
        until ``stop(event)`` is true or the stream ends. After a non-final stop (a finished message, an
        artifact) it lingers up to ``SETTLE_GRACE_SECONDS`` for the turn's end, which often follows at once."""
        if timeout <= 0:
            return

        async def send(progress: float, total: float | None, message: str | None) -> None:
            if ctx is not None:
                await ctx.report_progress(progress, total, message)

        reporter = ProgressReporter(send, heartbeat_seconds=self.settings.mcp_progress_heartbeat_seconds)
        deadline = anyio.current_time() + timeout
        stream = self.service.subscribe(identity, response_id, starting_after=after)

        async def follow(until: float, stop_when: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
            with anyio.move_on_after(max(0.0, until - anyio.current_time())):
                async for event in stream:
                    if event is None:
                        continue  # the stream's keep-alive tick: the heartbeat task covers quiet periods
                    await reporter.on_event(event)
                    if stop_when(event):
                        return event
            return None

        failure: ServiceError | None = None
        try:
            async with anyio.create_task_group() as heartbeat:
                heartbeat.start_soon(reporter.heartbeat, status)
                try:
                    await reporter.report(f"waiting for {response_id} ({status})")
                    hit = await follow(deadline, stop)
                    if hit is not None and hit.get("type") not in ev.STREAM_END_EVENTS:
                        await follow(min(deadline, anyio.current_time() + SETTLE_GRACE_SECONDS), stop_on_settle)
                except ServiceError as exc:
                    failure = exc  # raised below, outside the task group (which would wrap it)
                finally:
                    heartbeat.cancel_scope.cancel()
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                with anyio.move_on_after(2, shield=True):
                    try:
                        await close()
                    except Exception:
                        logger.debug("closing the event subscription failed", exc_info=True)
        if failure is not None:
            raise tool_error(failure) from None

    async def _check_sequence(self, identity: Any, response_id: str, since: int) -> None:
        """Refuse a ``since_sequence`` past the response's last event: echoed back as ``last_sequence`` it would make
        the caller skip whatever comes next. Sequence numbers have no gaps, so ``since`` is past the end exactly
        when no event carries that number (one indexed read)."""
        if await self._call(self.service.events(identity, response_id, after=since - 1, limit=1)):
            return
        _, last = await self._call(self.service.snapshot(identity, response_id))
        raise ToolError(f"invalid_value: since_sequence: {since} is past the last event of {response_id}; pass "
                        f"the last_sequence of the latest snapshot (now {last}).")

    # --- tool bodies

    async def submit_task(self, ctx: Context | None, input: str, instructions: str | None = None,
                          model: str | None = None, previous_response_id: str | None = None,
                          max_cost_usd: float | None = None, metadata: dict[str, str] | None = None,
                          wait_seconds: float = DEFAULT_SUBMIT_WAIT_SECONDS,
                          idempotency_key: str | None = None) -> TaskSnapshot:
        identity = await self.identity(ctx)
        try:
            request = CreateResponseRequest(
                input=input, instructions=instructions, model=model, previous_response_id=previous_response_id,
                max_cost_usd=max_cost_usd, metadata=metadata, background=True, stream=False)
        except ValidationError as exc:
            raise _validation_error(exc) from None
        created = await self._call(self.service.submit(identity, request, idempotency_key=idempotency_key))
        if created.status not in SETTLED_STATUSES:
            await self.wait_for(identity, created.id, after=-1, timeout=min(wait_seconds, MAX_WAIT_SECONDS),
                                ctx=ctx, stop=stop_on_settle, status=created.status)
        return await self.full_snapshot(identity, created.id)

    async def get_response(self, ctx: Context | None, response_id: str,
                           wait_seconds: float = DEFAULT_POLL_WAIT_SECONDS,
                           since_sequence: int | None = None) -> TaskSnapshot:
        identity = await self.identity(ctx)
        current = await self._call(self.service.get(identity, response_id))
        wait = min(wait_seconds, MAX_WAIT_SECONDS)
        if since_sequence is not None and since_sequence >= 0:
            await self._check_sequence(identity, response_id, since_sequence)
        if since_sequence is not None:
            if current.status not in SETTLED_STATUSES:
                await self.wait_for(identity, response_id, after=since_sequence, timeout=wait, ctx=ctx,
                                    stop=stop_on_news, status=current.status)
            return await self.delta_snapshot(identity, response_id, since_sequence)
        snapshot = await self.full_snapshot(identity, response_id, fallback=current)
        if snapshot.status in SETTLED_STATUSES or wait <= 0:
            return snapshot
        await self.wait_for(identity, response_id, after=snapshot.last_sequence, timeout=wait, ctx=ctx,
                            stop=stop_on_news, status=snapshot.status)
        return await self.full_snapshot(identity, response_id)

    async def approve(self, ctx: Context | None, response_id: str, approve: bool,
                      new_max_cost_usd: float | None = None, feedback: str | None = None) -> TaskSnapshot:
        identity = await self.identity(ctx)
        result = await self._call(self.service.approve(identity, response_id, approve=approve,
                                                       new_max_cost_usd=new_max_cost_usd, feedback=feedback))
        return await self.full_snapshot(identity, response_id, fallback=result)

    async def cancel(self, ctx: Context | None, response_id: str) -> TaskSnapshot:
        identity = await self.identity(ctx)
        result = await self._call(self.service.cancel(identity, response_id))
        if result.status not in SETTLED_STATUSES:
            # Cancelling a running turn is asynchronous: give it a moment to settle so the caller sees it.
            result = await self._call(self.service.wait(identity, response_id, timeout=CANCEL_SETTLE_SECONDS))
        return await self.full_snapshot(identity, response_id, fallback=result)

    async def list_artifacts(self, ctx: Context | None, response_id: str | None = None,
                             session_id: str | None = None) -> ArtifactList:
        identity = await self.identity(ctx)
        if response_id is None and session_id is None:
            raise ToolError("missing_required_parameter: pass response_id or session_id.")
        artifacts = await self._call(self.service.list_artifacts(identity, response_id=response_id,
                                                                 session_id=session_id))
        refs = [ArtifactRef.model_validate(a if isinstance(a, dict) else a.model_dump()) for a in artifacts]
        return ArtifactList(response_id=response_id, session_id=session_id, count=len(refs), artifacts=refs)


def build_mcp(service: Any, settings: Settings) -> MLInternMCP:
    """The MCP server with its five tools over ``service`` (an ``AgentService``, or a ``ServiceRef`` filled in
    later). Mount it with ``mcp_server.app.mount_mcp``."""
    tools = Tools(service, settings)
    models = ", ".join(settings.supported_models)
    app = RunViewApp()
    mcp = MLInternMCP(SERVER_NAME, title="ML Intern", instructions=INSTRUCTIONS, version=_version(),
                      description="An autonomous ML engineering agent that works on Hugging Face as you.",
                      shared_output_schemas={name: "get_response" for name in ("submit_task", "approve", "cancel")},
                      extensions=[app.extension()])
    mcp.serve_resources(ResponseResources(tools, mcp, app))

    async def submit_task(
        input: TaskInput,
        ctx: Context,
        instructions: Instructions = None,
        model: ModelId = None,
        previous_response_id: Annotated[ResponseId | None, Field(
            description="Continue the session of this earlier response (its context and budget).")] = None,
        max_cost_usd: CostCap = None,
        metadata: Metadata = None,
        wait_seconds: SubmitWait = DEFAULT_SUBMIT_WAIT_SECONDS,
        idempotency_key: IdempotencyKey = None,
    ) -> TaskSnapshot:
        return await tools.submit_task(ctx, input, instructions, model, previous_response_id, max_cost_usd,
                                       metadata, wait_seconds, idempotency_key)

    async def get_response(
        response_id: ResponseId,
        ctx: Context,
        wait_seconds: PollWait = DEFAULT_POLL_WAIT_SECONDS,
        since_sequence: SinceSequence = None,
    ) -> TaskSnapshot:
        return await tools.get_response(ctx, response_id, wait_seconds, since_sequence)

    async def approve(
        response_id: ResponseId,
        approve: Annotated[bool, Field(description="true to let the paused actions run, false to refuse them.")],
        ctx: Context,
        new_max_cost_usd: CostCap = None,
        feedback: Feedback = None,
    ) -> TaskSnapshot:
        return await tools.approve(ctx, response_id, approve, new_max_cost_usd, feedback)

    async def cancel(response_id: ResponseId, ctx: Context) -> TaskSnapshot:
        return await tools.cancel(ctx, response_id)

    async def list_artifacts(
        ctx: Context,
        response_id: Annotated[ResponseId | None, Field(description="Artifacts of this response.")] = None,
        session_id: Annotated[SessionId | None, Field(description="Artifacts of every response in this session.")]
        = None,
    ) -> ArtifactList:
        return await tools.list_artifacts(ctx, response_id, session_id)

    mcp.add_tool(
        submit_task, name="submit_task", title="Submit a task to ML Intern",
        description=("Start an ML engineering task (research on the Hub, dataset inspection, training or "
                     "evaluation runs on HF Jobs, repo creation...) in the background, as the caller on Hugging "
                     "Face. Returns the response snapshot: response_id, session_id, status, text so far, artifacts, "
                     "pending approval. Waits up to wait_seconds so a quick question comes back completed. "
                     f"Models: {models} (default {settings.default_model}). Continue a conversation with "
                     "previous_response_id. Then poll get_response."),
        meta=app.tool_meta,
        annotations=ToolAnnotations(title="Submit a task to ML Intern", read_only_hint=False,
                                    destructive_hint=False, idempotent_hint=False, open_world_hint=True))
    mcp.add_tool(
        get_response, name="get_response", title="Get a task's progress and result",
        description=("The snapshot of a response. Waits up to wait_seconds (default 25) until the run settles or "
                     "a message or artifact appears, sending progress notifications meanwhile. Pass the previous "
                     "snapshot's last_sequence as since_sequence to receive only new text (new_output_text) and "
                     "new tool calls."),
        meta=app.tool_meta,
        annotations=ToolAnnotations(title="Get a task's progress and result", read_only_hint=True,
                                    destructive_hint=False, idempotent_hint=True, open_world_hint=False))
    mcp.add_tool(
        approve, name="approve", title="Approve or refuse a paused action",
        description=("Resume a response paused with status 'incomplete' (reason approval_required): approve=true "
                     "lets the pending actions run, approve=false refuses them; feedback steers the agent. When "
                     "pending_approval.budget.required_max_cost_usd is set the pause is about money: pass "
                     "new_max_cost_usd of at least that amount (USD, at most 500), or the run pauses again at once. "
                     "Same as POST /v1/responses/{id}/approvals."),
        annotations=ToolAnnotations(title="Approve or refuse a paused action", read_only_hint=False,
                                    destructive_hint=False, idempotent_hint=False, open_world_hint=True))
    mcp.add_tool(
        cancel, name="cancel", title="Cancel a task",
        description=("Stop a queued, running or paused response. Idempotent: cancelling a finished response "
                     "returns it unchanged. HF Jobs the run started are listed in artifacts."),
        annotations=ToolAnnotations(title="Cancel a task", read_only_hint=False, destructive_hint=False,
                                    idempotent_hint=True, open_world_hint=False))
    mcp.add_tool(
        list_artifacts, name="list_artifacts", title="List created artifacts",
        description=("The deduplicated Hugging Face resources (HF Jobs, trackio dashboards, model/dataset/Space "
                     "repos, collections) created by one response (response_id) or a whole session "
                     "(session_id), with their URLs."),
        annotations=ToolAnnotations(title="List created artifacts", read_only_hint=True, destructive_hint=False,
                                    idempotent_hint=True, open_world_hint=False))
    return mcp


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("ml-intern-api")
    except Exception:
        return "0.1.0"
