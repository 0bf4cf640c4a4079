"""The one API both front doors call: submit, get, wait, stream, cancel, approve, list artifacts.

Every rule lives here (limits, ownership, one turn per session, chaining, recovery); the HTTP and MCP
layers only parse, authenticate, call and render.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from agent import events as ev
from agent import model_catalog
from agent.bus import EventBus
from agent.errors import (
    Conflict,
    InvalidRequest,
    RateLimited,
    ServiceError,
    Unavailable,
    response_not_found,
)
from agent.failures import RunFailure, run_error
from agent.follow import ResponseFollower
from agent.hf_hosts import shared_client
from agent.identity import Identity, IdentityResolver
from agent.llm import RouterClient, ToolCall
from agent.loop import Resume
from agent.metrics import Metrics
from agent.models import (
    DEFAULT_MAX_COST_USD,
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    ApprovalRequest,
    CreateResponseRequest,
    ModelInfo,
    ModelList,
    ResponseDeleted,
    ResponseObject,
    TextParam,
    Usage,
    input_items_of,
    new_id,
)
from agent.reads import ServiceReads
from agent.recovery import RECOVERY_CHUNK, settlement
from agent.redact import redact
from agent.runtime import RuntimeRegistry, SessionRuntime
from agent.settings import Settings
from agent.snapshot_cache import TerminalSnapshots
from agent.store import migrate
from agent.store.notify import PgListener
from agent.store.store import (
    DeleteRefused,
    LiveLimits,
    LiveSessionLimit,
    PreviousGone,
    SequenceConflict,
    Store,
)
from agent.store.tables import ResponseRow, SessionRow
from agent.tools import Tool, default_tools
from agent.tools.code_mode import MontyRunner
from agent.tools.repos.collection import SessionCollections
from agent.turn import TurnRunner
from agent.turn_options import TurnOptions
from agent.writer import TurnWriter

log = logging.getLogger("ml_intern.service")

MAX_IDEMPOTENCY_KEY_CHARS = 255
# How often a waiting stream re-reads the store when no in-process event arrives, while the PostgreSQL LISTEN
# connection is down (other replicas' commits are then seen only this way). With LISTEN up, and on SQLite (one
# process: every commit is published on the in-process bus), the store is only a backstop:
# ``settings.store_poll_seconds``.
STORE_POLL_SECONDS = 1.0
# The owner's safety net for cancel requests of other replicas (NOTIFY delivers them at once): one query per tick,
# only while it runs turns; faster while LISTEN is down, so a cancel still lands well under a second.
CANCEL_POLL_SECONDS = 2.0
CANCEL_POLL_SECONDS_UNLISTENED = 0.5


class AgentService(ServiceReads):
    def __init__(self, settings: Settings, store: Store, identities: IdentityResolver,
                 tools: list[Tool] | None = None, *, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.store = store
        self.identities = identities
        self.replica_id = f"replica_{secrets.token_hex(8)}"
        store.notify_origin = self.replica_id
        self.metrics = Metrics(settings.supported_models)
        store.metrics = self.metrics
        self.bus = EventBus(observer=self.metrics.observe_events)
        self.listener: PgListener | None = None
        self.router = RouterClient.create(settings.router_url, timeout=settings.llm_timeout_seconds)
        self._http = http or shared_client()
        self.runtimes = RuntimeRegistry(settings, self.router, self._http)
        collections = SessionCollections()
        if tools is None:
            code_runner = MontyRunner(max_sessions=settings.code_mode_max_sessions,
                                      cpu_seconds=settings.code_mode_cpu_seconds,
                                      wall_seconds=settings.code_mode_wall_seconds,
                                      memory_bytes=settings.code_mode_memory_mb * 1024 * 1024)
            tools = default_tools(collections, code_runner)
        self.metrics.live_sessions.set_function(lambda: len(self.runtimes))
        self.metrics.running_turns.set_function(lambda: len(self.runtimes.running()))
        self.runner = TurnRunner(settings=settings, store=store, tools=tools, replica_id=self.replica_id,
                                 metrics=self.metrics,
                                 collections=collections)
        self._owner_locks: dict[str, asyncio.Lock] = {}
        self._response_locks: dict[str, asyncio.Lock] = {}
        self._background: list[asyncio.Task] = []
        self.draining = False
        self.settled = TerminalSnapshots()  # GET of a finished response without a database read
        self.follower = ResponseFollower(store, self.bus, settings, self._store_poll_seconds)

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def start(cls, settings: Settings, *, tools: list[Tool] | None = None) -> "AgentService":
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        store = Store.connect(settings.database_url)
        http = shared_client()
        service = cls(settings, store, IdentityResolver(settings, http), tools, http=http)
        await service.recover()
        service._background = [asyncio.create_task(service._housekeeping(), name="ml-intern-housekeeping")]
        if not store.is_sqlite:
            # Other replicas' commits and cancel requests arrive by NOTIFY; one SQLite process needs neither.
            service.listener = PgListener(settings.database_url, replica_id=service.replica_id,
                                          on_events=service.bus.wake, on_cancel=service._cancel_running,
                                          on_resync=service._resync, on_deleted=service.settled.evict)
            await service.listener.start()
            service._background.append(asyncio.create_task(service._watch_cancels(), name="ml-intern-cancels"))
        return service

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self.listener is not None:
            await self.listener.close()
        await self.runtimes.close_all()
        await self.router.aclose()
        # Tools holding processes or clients (the code-mode interpreter pool) release them with the service.
        for tool in self.runner.tools:
            aclose = getattr(tool, "aclose", None)
            if aclose is not None:
                await aclose()
        await self.store.close()
        await self._http.aclose()

    async def drain(self) -> None:
        """Shutting down: refuse new turns and stop this replica's running ones now, so that open streams receive
        their ``response.incomplete`` (``server_restart``, resumable by chaining) before connections close."""
        self.draining = True
        await self.runtimes.stop_turns()

    async def ready(self) -> bool:
        """Whether this replica should receive traffic: not draining and its database answers."""
        return not self.draining and await self.store.ping()

    def _refuse_when_draining(self) -> None:
        if self.draining:
            raise Unavailable("This server is shutting down; retry the request (another replica will take it).",
                              code="server_shutting_down", retryable=True)

    async def recover(self) -> int:
        """Turns whose owner is gone become ``incomplete`` / ``server_restart`` (``cancelled`` when the caller had
        asked to cancel them); their artifacts stay listed. On SQLite only this process can own turns, so every
        running turn of an earlier process is stale. Set-based: a few transactions for any number of turns."""
        now, started = time.time(), time.perf_counter()
        stale = await self.store.stale_turns(self.replica_id, now, all_foreign=self.store.is_sqlite)
        settled = 0
        for start in range(0, len(stale), RECOVERY_CHUNK):
            chunk = [settlement(turn) for turn in stale[start:start + RECOVERY_CHUNK]]
            for done in await self.store.settle_stale(chunk):
                self.bus.publish(done.response_id, [done.event])  # streams following it end now
                settled += 1
        self.metrics.recovery_seconds.set(time.perf_counter() - started)
        self.metrics.recovered.inc(settled)
        if settled:
            log.info("recovered %d interrupted turn(s) as incomplete/server_restart in %.3f s", settled,
                     time.perf_counter() - started)
        return settled

    async def _housekeeping(self) -> None:
        interval = max(0.5, min(self.settings.lease_seconds / 3, self.settings.idle_eviction_seconds / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            try:
                if self.runtimes.running():
                    await self.store.heartbeat(self.replica_id, time.time() + self.settings.lease_seconds)
                await self.runtimes.evict_idle()
                if not self.store.is_sqlite:
                    await self.recover()
            except Exception:  # housekeeping must outlive a transient database error
                log.exception("housekeeping pass failed")

    async def _watch_cancels(self) -> None:
        """Cancel requests recorded by other replicas for turns this one runs, should their NOTIFY be lost."""
        while True:
            listening = self.listener is not None and self.listener.connected.is_set()
            await asyncio.sleep(CANCEL_POLL_SECONDS if listening else CANCEL_POLL_SECONDS_UNLISTENED)
            if not self.runtimes.running():
                continue
            try:
                for response_id in await self.store.cancel_requests(self.replica_id):
                    self._cancel_running(response_id)
            except Exception:  # the safety net must outlive a transient database error
                log.exception("checking cancel requests failed")

    def _cancel_running(self, response_id: str) -> bool:
        """Signal the turn of ``response_id`` if it runs here (as a local cancel does)."""
        for runtime in self.runtimes.running():
            if runtime.response_id == response_id:
                runtime.cancelled.set()
                return True
        return False

    def _resync(self) -> None:
        """The LISTEN connection came up or went down: notifications may have been lost meanwhile."""
        self.bus.wake_all()
        self.settled.clear()  # a deletion on another replica may be among them

    def _cache_trusted(self) -> bool:
        """Whether cached settled responses are current: a deletion elsewhere reaches this replica by NOTIFY only."""
        return self.store.is_sqlite or (self.listener is not None and self.listener.connected.is_set())

    def _store_poll_seconds(self) -> float:
        if self.store.is_sqlite or (self.listener is not None and self.listener.connected.is_set()):
            return self.settings.store_poll_seconds
        return STORE_POLL_SECONDS

    def _owned_elsewhere(self, row: ResponseRow) -> bool:
        """Running on another replica whose lease still holds (the complement of ``Store.stale_running``)."""
        return (row.status in RUNNING_STATUSES and row.owner_replica is not None
                and row.owner_replica != self.replica_id and not self.store.is_sqlite
                and row.lease_expires_at is not None and row.lease_expires_at >= time.time())

    # ------------------------------------------------------------------ identity & config

    async def authenticate(self, authorization: str | None) -> Identity:
        return await self.identities.resolve(authorization)

    def model_config(self) -> dict[str, Any]:
        return model_catalog.model_config(self.settings)

    def models(self) -> ModelList:
        return model_catalog.model_list(self.settings)

    def model(self, model_id: str) -> ModelInfo:
        return model_catalog.model_info(self.settings, model_id)

    # ------------------------------------------------------------------ submit

    async def submit(self, identity: Identity, request: CreateResponseRequest, *,
                     idempotency_key: str | None = None) -> ResponseObject:
        response, _ = await self._submit(identity, request, idempotency_key)
        return response

    async def submit_streaming(self, identity: Identity, request: CreateResponseRequest, *,
                               idempotency_key: str | None = None) -> AsyncIterator[list[dict[str, Any]] | None]:
        """``submit``, then the new response's event stream (refusals are raised before it starts). The opening
        events were committed with the response: the stream starts with them instead of reading them back."""
        response, opening = await self._submit(identity, request, idempotency_key)
        return self.follower.subscribe_batches(response.id, starting_after=-1, known=opening)

    async def _submit(self, identity: Identity, request: CreateResponseRequest,
                      idempotency_key: str | None) -> tuple[ResponseObject, list[dict[str, Any]]]:
        """The response, and the events committed with it (none for an idempotent repeat: it is not new)."""
        self._refuse_when_draining()
        # Every check of the request comes before a repeated key replays its first response: a bad request is
        # refused, key or not.
        if request.previous_response_id is None:
            model = request.model or self.settings.default_model
            if model not in self.settings.supported_models:
                raise InvalidRequest(f"Unknown model '{model}'. Supported: {', '.join(self.settings.supported_models)} "
                                     "(GET /api/config/model).", code="model_not_found", param="model")
        if idempotency_key is not None:
            if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_CHARS:
                raise InvalidRequest(f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} characters.",
                                     code="invalid_idempotency_key", param="Idempotency-Key")
            existing = await self.store.find_idempotent(identity.user_id, idempotency_key)
            if existing is not None:
                return ResponseObject.model_validate(existing.snapshot), []
        async with self._owner_lock(identity.user_id):
            try:
                row, session, new_messages, opening, runtime = await self._create(identity, request,
                                                                                  idempotency_key)
            except IntegrityError:
                if idempotency_key is None:
                    raise
                existing = await self.store.find_idempotent(identity.user_id, idempotency_key)
                assert existing is not None
                return ResponseObject.model_validate(existing.snapshot), []
            await self._start_turn(identity, row, session, request, new_messages, runtime)
        return ResponseObject.model_validate(row.snapshot), opening

    async def _create(self, identity: Identity, request: CreateResponseRequest, idempotency_key: str | None):
        now = time.time()
        response_id = new_id("resp")
        previous: ResponseRow | None = None
        if request.previous_response_id is not None:
            previous = await self._owned_response(identity, request.previous_response_id,
                                                  param="previous_response_id")
            session = await self.store.get_session(previous.session_id)
            assert session is not None
            await self._ensure_idle(session)
            new_session = None
        else:
            session = SessionRow(id=new_id("sess"), owner_id=identity.user_id, owner_name=identity.username,
                                 model=request.model or self.settings.default_model,
                                 max_cost_usd=request.max_cost_usd or DEFAULT_MAX_COST_USD,
                                 head_response_id=response_id, created_at=now, updated_at=now)
            new_session = session
        cap = request.max_cost_usd if request.max_cost_usd is not None else session.max_cost_usd
        snapshot = ResponseObject(
            id=response_id, created_at=int(now), model=session.model, status="queued",
            instructions=request.instructions, metadata=request.metadata or {}, temperature=request.temperature,
            top_p=request.top_p, parallel_tool_calls=request.parallel_tool_calls, background=request.background,
            previous_response_id=request.previous_response_id, user=request.user, reasoning=request.reasoning,
            max_output_tokens=request.max_output_tokens, text=request.text or TextParam(),
            truncation=request.truncation or "auto", safety_identifier=request.safety_identifier,
            prompt_cache_key=request.prompt_cache_key,
            session_id=session.id, stream_events=request.stream_events,
            max_cost_usd=cap, usage=Usage(session_cost_usd=session.spent_usd))
        # Nothing stored holds the caller's token (or a token-shaped string), wherever the caller put it.
        caller_secrets = (identity.secret(),)
        # Dumped once for the row and both opening events (each of them only ever encoded, never changed).
        public = redact(snapshot.public(), caller_secrets)
        created = {"type": ev.CREATED, "response": public, "sequence_number": 0}
        queued = {"type": ev.QUEUED, "response": public, "sequence_number": 1}
        new_messages = _chat_messages(request)
        row = ResponseRow(id=response_id, session_id=session.id, owner_id=identity.user_id, status="queued",
                          previous_response_id=request.previous_response_id, last_sequence=1,
                          snapshot=public, idempotency_key=idempotency_key,
                          owner_replica=self.replica_id, lease_expires_at=now + self.settings.lease_seconds,
                          created_at=now, updated_at=now)
        # The model still reads this turn's text as sent; only the stored copy is redacted.
        stored_messages = list(enumerate(redact(new_messages, caller_secrets)))
        # Before anything is stored: a runtime that cannot start is a 503 that leaves nothing behind to retry over.
        runtime = await self._acquire_runtime(session.id, identity)
        try:
            moved = await self.store.create_response(
                row, [created, queued], stored_messages, new_session=new_session,
                expected_head=session.head_response_id, session_updates={"max_cost_usd": cap},
                limits=LiveLimits(per_account=self.settings.max_live_sessions_per_account,
                                  server=self.settings.max_live_sessions_global),
                input_items=redact([item.model_dump(mode="json") for item in input_items_of(request)],
                                   caller_secrets))
        except PreviousGone:
            # Deleted between the ownership check above and this insert.
            raise response_not_found(request.previous_response_id or "", "previous_response_id") from None
        except LiveSessionLimit as limit:
            self._release_unstored(new_session)
            if limit.scope == "account":
                raise self._too_many_live_sessions() from None
            wait = self.settings.capacity_retry_after_seconds
            raise RateLimited(f"The server is at capacity; retry in {wait} s.", code="server_at_capacity",
                              retry_after=wait) from None
        except BaseException:
            self._release_unstored(new_session)
            raise
        if not moved:
            raise Conflict("This session is already processing another request.", code="session_busy",
                           param="previous_response_id", retryable=False)
        session.max_cost_usd = cap
        return row, session, new_messages, [created, queued], runtime

    def _release_unstored(self, new_session: SessionRow | None) -> None:
        """A session whose creation was refused holds no runtime."""
        if new_session is not None:
            self.runtimes.release(new_session.id)

    async def _ensure_idle(self, session: SessionRow) -> None:
        if session.head_response_id is None:
            return
        head = await self.store.get_response(session.head_response_id)
        if head is None:
            return
        if head.status in RUNNING_STATUSES:
            raise Conflict("This session is still processing a request; wait for it to finish or cancel it.",
                           code="session_busy", param="previous_response_id", retryable=False)
        details = head.snapshot.get("incomplete_details") or {}
        if head.status == "incomplete" and details.get("reason") == "approval_required":
            raise Conflict(f"This session is paused on an approval ({head.id}); approve or deny it first "
                           f"(POST /v1/responses/{head.id}/approvals).", code="session_paused",
                           param="previous_response_id", retryable=False)

    def _too_many_live_sessions(self) -> RateLimited:
        # Not worth an automatic retry: a slot frees only when one of the caller's own turns ends, which takes
        # minutes, not the SDKs' 1.5 s of retries.
        return RateLimited(f"This account already has {self.settings.max_live_sessions_per_account} live sessions "
                           "(a turn queued or running). Wait for one to finish or cancel one.",
                           code="too_many_live_sessions", retryable=False)

    async def _acquire_runtime(self, session_id: str, identity: Identity) -> SessionRuntime:
        """The session's runtime, or 503 ``session_unavailable`` when it cannot start (the caller may retry)."""
        try:
            return await self.runtimes.acquire(session_id, identity)
        except Exception:
            log.exception("the runtime of session %s failed to start", session_id)
            raise _session_unavailable() from None

    async def _start_turn(self, identity: Identity, row: ResponseRow, session: SessionRow,
                          request: CreateResponseRequest, new_messages: list[dict[str, Any]],
                          runtime: SessionRuntime) -> None:
        try:
            writer = TurnWriter(self.store, self.bus, row, flush_ms=self.settings.delta_flush_ms,
                                snapshot_ms=self.settings.snapshot_interval_ms,
                                session_spent_usd=session.spent_usd, transcript_length=len(new_messages),
                                lease=(self.replica_id, self.settings.lease_seconds), secrets=(identity.secret(),),
                                store_retry_seconds=self.settings.store_retry_seconds)
            runtime.cancelled = asyncio.Event()
            runtime.response_id = row.id
            runtime.turn = asyncio.create_task(self.runner.run(
                writer, runtime, model=session.model, previous_response_id=request.previous_response_id,
                new_messages=new_messages, options=TurnOptions.of_request(request)),
                name=f"turn-{row.id}")
        except Exception:
            # The response is stored and queued under this replica's lease: settle it, so that nothing waits on a
            # turn that never started and the session is free for the retry.
            log.exception("turn %s failed to start", row.id)
            await TurnWriter(self.store, self.bus, row, flush_ms=0).set_status("failed", error=run_error(
                RunFailure.RUNTIME_ERROR, "The session's runtime failed to start; the turn never ran."))
            raise _session_unavailable() from None

    # ------------------------------------------------------------------ read

    # ------------------------------------------------------------------ control

    async def cancel(self, identity: Identity, response_id: str) -> ResponseObject:
        """Asynchronous and idempotent: a running turn is signalled and settles as ``cancelled`` shortly;
        a finished one is returned unchanged."""
        row = await self._owned_response(identity, response_id)
        if row.status in TERMINAL_STATUSES:
            return ResponseObject.model_validate(row.snapshot)
        runtime = self.runtimes.get(row.session_id)
        if runtime is not None and runtime.response_id == response_id and runtime.busy:
            runtime.cancelled.set()
            return ResponseObject.model_validate(row.snapshot)
        if self._owned_elsewhere(row):
            # Another live replica runs it: ask its owner through the database (NOTIFY on commit, and its poll
            # as the safety net); the owner cancels the turn as a local cancel does.
            await self.store.request_cancel(response_id)
            return ResponseObject.model_validate(row.snapshot)
        # Nothing runs it (a pause, an interrupted turn, a dead owner's turn whose lease expired): settle it here.
        async with self._response_lock(response_id):
            current = await self.store.get_response_current(response_id)
            assert current is not None
            if current.status in TERMINAL_STATUSES:
                return ResponseObject.model_validate(current.snapshot)
            if self._owned_elsewhere(current):
                await self.store.request_cancel(response_id)
                return ResponseObject.model_validate(current.snapshot)
            writer = TurnWriter(self.store, self.bus, current, flush_ms=0)
            try:
                await writer.set_status("cancelled")
            except SequenceConflict:
                # Another replica wrote first (recovering the dead owner's turn, or the owner is back).
                current = await self.store.get_response(response_id)
                assert current is not None
                if current.status in RUNNING_STATUSES:
                    await self.store.request_cancel(response_id)
                return ResponseObject.model_validate(current.snapshot)
            await writer.close()
            return writer.state

    async def delete(self, identity: Identity, response_id: str) -> ResponseDeleted:
        """Delete a settled (or paused) response of the caller and everything stored under it; nothing on the Hub
        is touched. Refused (409, nothing changed) while its turn runs, and while another response continues from
        it (its model would lose that context): delete newest first. Afterwards the id is 404."""
        await self._owned_response(identity, response_id)
        async with self._response_lock(response_id):  # not while this replica resumes or settles it
            try:
                await self.store.delete_response(response_id, identity.user_id)
            except DeleteRefused as refused:
                if refused.reason == "gone":
                    raise response_not_found(response_id) from None
                if refused.reason == "running":
                    raise Conflict("This response is still running: cancel it (POST /v1/responses/"
                                   f"{response_id}/cancel), wait until it settles, then delete it.",
                                   code="response_running", param="response_id", retryable=False) from None
                raise Conflict(f"Response {refused.successor_id} continues from this one (previous_response_id) "
                               "and reads it as context: delete that one first (newest first).",
                               code="response_has_successors", param="response_id", retryable=False) from None
        self.settled.evict(response_id)
        return ResponseDeleted(id=response_id)

    async def approve(self, identity: Identity, response_id: str, *, approve: bool,
                      new_max_cost_usd: float | None = None, feedback: str | None = None) -> ResponseObject:
        """Resume a response paused on ``approval_required``: the same id goes on, the same stream continues.
        One decision covers the whole pending batch; ``new_max_cost_usd`` raises the session cap first."""
        self._refuse_when_draining()
        try:
            ApprovalRequest(approve=approve, new_max_cost_usd=new_max_cost_usd, feedback=feedback)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidRequest(f"Invalid value for '{first['loc'][0]}': {first['msg']}.", code="invalid_value",
                                 param=str(first["loc"][0])) from None
        row = await self._owned_response(identity, response_id)
        async with self._response_lock(response_id):
            current = await self.store.get_response_current(response_id)
            assert current is not None
            details = current.snapshot.get("incomplete_details") or {}
            pending = current.snapshot.get("pending_approval")
            if current.status != "incomplete" or details.get("reason") != "approval_required" or not pending:
                raise Conflict("This response is not waiting for an approval.", code="no_pending_approval",
                               param="response_id", retryable=False)
            session = await self.store.get_session(row.session_id)
            assert session is not None
            runtime = await self._acquire_runtime(session.id, identity)  # before anything changes
            if new_max_cost_usd is not None:
                await self.store.update_session(session.id, max_cost_usd=new_max_cost_usd)
            transcript = await self.store.transcript(response_id)
            runtime.cancelled = asyncio.Event()
            runtime.response_id = response_id
            writer = TurnWriter(self.store, self.bus, current, flush_ms=self.settings.delta_flush_ms,
                                snapshot_ms=self.settings.snapshot_interval_ms,
                                session_spent_usd=session.spent_usd, transcript_length=len(transcript),
                                lease=(self.replica_id, self.settings.lease_seconds), secrets=(identity.secret(),),
                                discarded_items=await self.store.count_events(response_id, ev.ITEM_DISCARDED),
                                store_retry_seconds=self.settings.store_retry_seconds)
            if new_max_cost_usd is not None:
                writer.state.max_cost_usd = new_max_cost_usd
            await writer.set_status("in_progress")
            calls = [ToolCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
                     for c in pending.get("tool_calls") or []]
            runtime.turn = asyncio.create_task(self.runner.run(
                writer, runtime, model=session.model, previous_response_id=current.previous_response_id,
                new_messages=transcript, options=TurnOptions.of_response(current.snapshot),
                resume=Resume(approve=approve, tool_calls=calls, feedback=feedback)),
                name=f"turn-{response_id}-resumed")
            return writer.state.model_copy(deep=True)

    # ------------------------------------------------------------------ helpers

    def _owner_lock(self, owner_id: str) -> asyncio.Lock:
        return self._owner_locks.setdefault(owner_id, asyncio.Lock())

    @contextlib.asynccontextmanager
    async def _response_lock(self, response_id: str):
        lock = self._response_locks.setdefault(response_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked():
                self._response_locks.pop(response_id, None)


def _session_unavailable() -> Unavailable:
    return Unavailable("The session's runtime failed to start; retry the request.", code="session_unavailable")


def _chat_messages(request: CreateResponseRequest) -> list[dict[str, Any]]:
    """The request as chat messages: earlier messages are context, the last is the task, with the
    instructions prefixed to it."""
    messages = request.messages()
    result = []
    for message in messages[:-1]:
        role = "system" if message.role in ("system", "developer") else message.role
        result.append({"role": role, "content": message.text})
    task = messages[-1].text
    if request.instructions:
        task = f"{request.instructions}\n\n{task}"
    result.append({"role": "user", "content": task})
    return result


__all__ = ["AgentService", "ServiceError"]
