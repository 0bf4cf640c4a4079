"""The single writer of one response's event log.

It assigns gapless sequence numbers, keeps the projection in memory, and commits events with the projection
in one transaction, through the store's group committer. Emitting is atomic: an event is applied to the
projection before it takes a number, so one the projection refuses (``events.EventRefused``) raises and leaves
the log, the number and the projection as they were. Durable events (status, tool-call items, artifacts,
approvals) are committed before ``emit`` returns; streamed output (deltas, the items they fill), logs and
telemetry are group-committed within ``delta_flush_ms``.

A database outage pauses a turn rather than ending it: a commit that fails because the database cannot be
reached keeps its events (and artifacts, transcript, spend) at the head of what is pending, so the next commit
carries them with the same numbers; streamed output is retried with capped backoff and a durable step waits
(up to ``store_retry_seconds``, then ``StoreUnavailable``). Nothing is published before it is committed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agent import events as ev
from agent.bus import EventBus
from agent.models import Artifact, IncompleteDetails, ResponseError, ResponseObject
from agent.redact import redact
from agent.store.outage import StoreUnavailable, is_outage, next_delay
from agent.store.store import Append, Store
from agent.store.tables import ResponseRow


# A writer that streamed nothing for this long commits its next streamed event at once (the leading edge).
QUIET_SPELL_SECONDS = 1.0
# A commit made only of these leaves the stored response object to the next snapshot rewrite.
_LAZY_SNAPSHOT_EVENTS = ev.DEFERRABLE_EVENTS | ev.STREAMED_ITEM_EVENTS


class TurnWriter:
    def __init__(self, store: Store, bus: EventBus, row: ResponseRow, *, flush_ms: int,
                 session_spent_usd: float = 0.0, transcript_length: int = 0,
                 lease: tuple[str, float] | None = None, secrets: tuple[str, ...] = (),
                 snapshot_ms: int = 0, discarded_items: int = 0,
                 store_retry_seconds: float = 60.0) -> None:
        # lease = (replica id, lease seconds): the writer's first commit claims the turn for this replica; the
        # service's heartbeat extends it from then on (extending it on every flush rewrote an indexed column per
        # streamed delta). A settled turn's commit releases it.
        # secrets = the caller's token: whatever passes through the turn (the model echoing it in text or tool
        # arguments) is redacted, with token-shaped strings, before it is stored or streamed.
        self._secrets = secrets
        self.store = store
        self.bus = bus
        self.response_id = row.id
        self.session_id = row.session_id
        self._state = ResponseObject.model_validate(row.snapshot)
        # Text deltas for the part the previous delta filled are checked once and joined into the projection when
        # it is next read: looking the part up and growing its text (a pydantic attribute, copied whole) per delta
        # was a tenth of relaying one. ``_delta_target`` is that part's address while only its deltas came since.
        self._delta_target: tuple[Any, ...] | None = None
        self._unapplied: list[str] = []
        self.session_spent_usd = session_spent_usd
        self._committed_seq = row.last_sequence
        self._next_seq = row.last_sequence + 1
        self._flush_delay = flush_ms / 1000
        self._pending: list[dict[str, Any]] = []
        self._pending_artifacts: list[dict[str, Any]] = []
        self._pending_transcript: list[tuple[int, dict[str, Any]]] = []
        self._transcript_length = transcript_length
        self._lease = lease
        self._lease_written = False   # the lease (or its release) as this writer wants it is committed
        self._committed_status = row.status
        self._spend_dirty = False
        self._redact_projection = False
        # While only streamed output arrives, the stored response object is rewritten at most this often (its
        # model_dump + write was most of a delta's cost); anything else rewrites it at once.
        assert row.snapshot_sequence is None or row.snapshot_sequence >= row.last_sequence, "stale projection"
        self._snapshot_delay = snapshot_ms / 1000
        self._snapshot_at = float("-inf")
        self._snapshot_stale = False
        self._force_snapshot = False
        # Wakes the writer when its stale object is due. A source waiting in the committer is asked at every
        # group commit (several per 20 ms at 100 streams): waiting there for 250 ms was most calls of take_append.
        self._snapshot_timer: asyncio.TimerHandle | None = None
        # Commits go through the store's group committer: at most one append of this writer is in flight.
        # ``_waiters`` resolve with the next commit taken, ``_inflight_waiters`` with the one in flight.
        self._inflight: Append | None = None
        self._waiters: list[asyncio.Future] = []
        self._inflight_waiters: list[asyncio.Future] = []
        self._failure: Exception | None = None  # a background commit's failure, raised by the next flush
        self._streamed_at = float("-inf")  # loop time of the last commit that carried streamed events
        # The output_index of the next new item. Not len(output): an item discarded from output[] (a failed model
        # attempt's) keeps its index, since an index names one item of the stream (the openai SDK's stream
        # accumulator refuses a repeated one). Every item added is in output[] or was discarded, so a writer
        # that resumes a response is told how many were discarded before it.
        self._next_output_index = len(self.state.output) + discarded_items
        # A database outage: when the first commit failed (monotonic), the current backoff, how long to wait.
        self._outage_since: float | None = None
        self._retry_delay = 0.0
        self._store_retry_seconds = store_retry_seconds

    @property
    def state(self) -> ResponseObject:
        """The projection of every event emitted so far."""
        if self._unapplied:
            self._fold_deltas()
        return self._state

    @state.setter
    def state(self, state: ResponseObject) -> None:
        assert not self._unapplied
        self._state = state

    def _fold_deltas(self) -> None:
        kind, item_id, output_index, content_index = self._delta_target
        part = ev.text_part(self._state, kind, item_id, output_index, content_index)
        part.text += "".join(self._unapplied)
        self._unapplied.clear()

    def _apply(self, event: ev.WireEvent) -> ResponseObject:
        """The projection with ``event`` applied (``events.apply``: refused before anything changes)."""
        target = None
        if event["type"] in (ev.TEXT_DELTA, ev.REASONING_DELTA):
            target = (event["type"], event["item_id"], event["output_index"], event["content_index"])
            if target == self._delta_target and isinstance(event["delta"], str):
                self._unapplied.append(event["delta"])  # the part is open: only its deltas came since the check
                return self._state
        state = ev.apply(self.state, event)
        self._delta_target = target
        return state

    @property
    def last_sequence(self) -> int:
        return self._next_seq - 1

    def next_output_index(self) -> int:
        """The output_index for a new output item (taken: call it once per item)."""
        index = self._next_output_index
        self._next_output_index += 1
        return index

    async def emit(self, event_type: str, **payload: Any) -> dict[str, Any]:
        if event_type in ev.DEFERRABLE_EVENTS:
            return self.emit_deferred(event_type, **payload)
        return await self._emit_durable(event_type, payload)

    async def _emit_durable(self, event_type: str, payload: dict[str, Any], *, wait: bool = True) -> dict[str, Any]:
        event = self._redacted(event_type, payload)
        return await self._commit_durable(event, self._apply(event), wait=wait)

    def _redacted(self, event_type: str, payload: dict[str, Any]) -> ev.WireEvent:
        return ev.WireEvent(redact({"type": event_type, **payload, "sequence_number": self._next_seq}, self._secrets))

    async def _commit_durable(self, event: ev.WireEvent, state: ResponseObject, *,
                              wait: bool = True) -> dict[str, Any]:
        """Take ``event`` (which moves the projection to ``state``: applied, so accepted) and commit it before
        returning; with ``wait=False`` the commit starts at once and the caller goes on (what it emits next is
        committed after it, and a failure is raised by the next flush)."""
        self._next_seq += 1
        self.state = state
        self._pending.append(event)
        if wait:
            await self.flush()
        else:
            self.store.committer.request(self, 0)
        return event

    def emit_deferred(self, event_type: str, **payload: Any) -> dict[str, Any]:
        """Emit an event that may wait for the next group commit, without awaiting (safe in ``finally``)."""
        assert event_type in ev.DEFERRABLE_EVENTS or event_type in ev.STREAMED_ITEM_EVENTS, event_type
        if event_type in (ev.TEXT_DELTA, ev.REASONING_DELTA):
            # Redacted one by one, deltas can still join into a token in the projection: from now on the
            # stored projection is redacted as a whole (the live streams use ``emit_redacted_delta`` instead).
            self._redact_projection = True
        return self._defer(self._redacted(event_type, payload))

    def emit_redacted_delta(self, event_type: str, **payload: Any) -> dict[str, Any]:
        """A text or reasoning delta whose text a ``StreamRedactor`` already redacted: the whole-event pass is
        skipped (it cost ~8% of relay time, for nothing)."""
        assert event_type in (ev.TEXT_DELTA, ev.REASONING_DELTA), event_type
        return self._defer(ev.WireEvent({"type": event_type, **payload, "sequence_number": self._next_seq}))

    def _defer(self, event: ev.WireEvent) -> dict[str, Any]:
        event.emitted_at = time.perf_counter()  # the stream-lag clock starts when the delta arrives
        self._state = self._apply(event)  # first: a refused event raises before it takes its number
        self._next_seq += 1
        self._pending.append(event)
        # Leading edge per writer: a new item with the delta that opens it (a model call's first text, the answer's
        # first text after the reasoning) and the first streamed event after a quiet spell are committed at once;
        # the rest ride the group commit's window.
        committer = self.store.committer
        if event["type"] == ev.ITEM_ADDED or committer.loop().time() - self._streamed_at >= QUIET_SPELL_SECONDS:
            committer.request(self, 0)
        else:
            # The group's clock: within the window of the last commit of all, so every streaming writer rides the
            # same commits. Timed from each writer's own last commit (and a stream slower than the window counted
            # as quiet at every delta), commits drifted apart into many small ones: the lag lower, the CPU per
            # delta a fifth higher, and either from one wave to the next.
            committer.request(self, self._flush_delay)
        return event

    def charge(self, event_type: str, usd: float, **payload: Any) -> None:
        """Spend and the event that carries it, together: the session's ledger is always the sum of the
        ``cost_usd`` of its events, and both are committed in the same transaction."""
        self.emit_deferred(event_type, cost_usd=usd, **payload)  # first: no spend without its event
        self.add_spend(usd)

    async def set_status(self, status: str, *, error: ResponseError | None = None,
                         incomplete: IncompleteDetails | None = None, wait: bool = True) -> dict[str, Any]:
        """Move the response to ``status``. ``wait=False`` (``in_progress`` only) does not wait for its commit."""
        assert wait or status == "in_progress", status
        event_type = {"queued": ev.QUEUED, "in_progress": ev.IN_PROGRESS, "completed": ev.COMPLETED,
                      "failed": ev.FAILED, "incomplete": ev.INCOMPLETE, "cancelled": ev.CANCELLED}[status]
        settled = status in ("completed", "failed", "cancelled", "incomplete")
        if error is not None:
            error = error.model_copy(update={"message": redact(error.message, self._secrets)})
        # The spec sets completed_at only on a completed response.
        snapshot = ev.with_status(self.state, status, error=error, incomplete=incomplete,
                                  completed_at=int(time.time()) if status == "completed" else None)
        if settled:
            self._lease, self._lease_written = None, False
        if not self._redact_projection:
            # The projection is made of events redacted as they were emitted (and its error just above): the
            # snapshot event is committed as it is, and the state moves without re-validating the whole object.
            event = ev.WireEvent({"type": event_type, "response": snapshot.public(),
                                  "sequence_number": self._next_seq})
            return await self._commit_durable(event, snapshot, wait=wait)
        return await self._emit_durable(event_type, {"response": snapshot.public()}, wait=wait)

    async def record_artifact(self, artifact: Artifact) -> bool:
        """Record an artifact once per response; returns False when it was already recorded."""
        if any(Artifact.model_validate(a).key == artifact.key for a in self.state.artifacts):
            return False
        self._pending_artifacts.append({"key": artifact.key, "type": artifact.type, "data": artifact.public(),
                                        "session_id": self.session_id})
        await self.emit(ev.ARTIFACT_CREATED, artifact=artifact.public())
        return True

    def add_transcript(self, message: dict[str, Any]) -> None:
        """Queue a chat message of this turn; it is committed with the next flush."""
        self._pending_transcript.append((self._transcript_length, redact(message, self._secrets)))
        self._transcript_length += 1

    def add_spend(self, usd: float) -> None:
        self.session_spent_usd = round(self.session_spent_usd + usd, 6)
        self._spend_dirty = True

    async def flush(self) -> None:
        """Commit everything emitted so far, now; through a database outage, wait for the database (bounded by
        ``store_retry_seconds``, then ``StoreUnavailable``: what was emitted stays pending for a later flush)."""
        while True:
            try:
                await self._flush_once()
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                if time.monotonic() - (self._outage_since or time.monotonic()) >= self._store_retry_seconds:
                    raise StoreUnavailable(f"the database was unreachable for {self._store_retry_seconds:.0f} s: "
                                           f"{type(exc).__name__}") from exc
                self._retry_delay = next_delay(self._retry_delay)
                await asyncio.sleep(self._retry_delay)

    async def _flush_once(self) -> None:
        """One commit of everything pending. Shielded: a cancelled caller must not abandon its commit."""
        if self._has_pending():
            waiter = self.store.committer.loop().create_future()
            self._waiters.append(waiter)
            self.store.committer.request(self, 0)
        elif self._inflight is not None:
            waiter = self.store.committer.loop().create_future()
            self._inflight_waiters.append(waiter)
        else:
            waiter = None
        if waiter is not None:
            await asyncio.shield(waiter)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _has_pending(self) -> bool:
        return bool(self._pending or self._pending_transcript or self._pending_artifacts or self._spend_dirty
                    or self._force_snapshot)

    def take_append(self) -> Append | None:
        """The committer's call: what to commit now, or None (then it is asked again when something is due)."""
        if self._inflight is not None:
            self.store.committer.request(self, 0)  # after the one in flight, in the next group
            return None
        loop_now = self.store.committer.loop().time()
        snapshot_due = self._snapshot_stale and loop_now - self._snapshot_at >= self._snapshot_delay
        if not (self._has_pending() or snapshot_due):
            if self._snapshot_stale:
                self._wake_for_snapshot()
            return None
        batch, self._pending = self._pending, []
        artifacts, self._pending_artifacts = self._pending_artifacts, []
        transcript, self._pending_transcript = self._pending_transcript, []
        spend_dirty, self._spend_dirty = self._spend_dirty, False
        streamed_only = not artifacts and all(e["type"] in _LAZY_SNAPSHOT_EVENTS for e in batch)
        snapshot = None
        if (self._force_snapshot or not batch or not streamed_only
                or loop_now - self._snapshot_at >= self._snapshot_delay):
            # Every event was redacted when emitted, and deltas live with a token split across them included
            # (StreamRedactor), so the projection built from them needs no second pass over its whole text —
            # unless a delta came in unguarded.
            snapshot = self.state.public()
            if self._redact_projection:
                snapshot = redact(snapshot, self._secrets)
            self._snapshot_at, self._snapshot_stale, self._force_snapshot = loop_now, False, False
        else:
            # The stored object lags: rewrite it when its interval ends, even if nothing else arrives.
            self._snapshot_stale = True
            self._wake_for_snapshot()
        lease = None
        if batch and not self._lease_written:
            lease = (self._lease[0], time.time() + self._lease[1]) if self._lease else (None, None)
        status = self._state.status  # (deltas do not change it: no need to join them in)
        self._inflight = Append(
            response_id=self.response_id, expected_last_sequence=self._committed_seq, events=batch,
            snapshot=snapshot, status=status, status_changed=status != self._committed_status,
            artifacts=artifacts, transcript=transcript,
            lease=lease, session_spent_usd=self.session_spent_usd if spend_dirty else None,
            session_id=self.session_id)
        self._inflight_waiters, self._waiters = self._waiters, []
        return self._inflight

    def _wake_for_snapshot(self) -> None:
        if self._snapshot_timer is None:
            self._snapshot_timer = self.store.committer.loop().call_at(self._snapshot_at + self._snapshot_delay,
                                                                       self._snapshot_woken)

    def _snapshot_woken(self) -> None:
        self._snapshot_timer = None
        if not self._snapshot_stale:
            return
        if self.store.committer.loop().time() < self._snapshot_at + self._snapshot_delay:
            self._wake_for_snapshot()  # rewritten since, and stale again: not due yet
        else:
            self.store.committer.request(self, self._flush_delay)  # with the next group commit, not its own

    def committed(self, append: Append, outcome: Exception | None) -> None:
        """The committer's call with the outcome of ``append``: publish it to live streams, wake the waiters."""
        self._inflight = None
        waiters, self._inflight_waiters = self._inflight_waiters, []
        if outcome is None:
            self._outage_since, self._retry_delay = None, 0.0
            self._committed_status = append.status
            if append.lease is not None:
                self._lease_written = True
            if append.events:
                self._committed_seq = append.events[-1]["sequence_number"]
                if any(e["type"] in _LAZY_SNAPSHOT_EVENTS for e in append.events):
                    self._streamed_at = self.store.committer.loop().time()
                self.bus.publish(self.response_id, list(append.events))
        elif is_outage(outcome):
            self._keep(append)
            if self._outage_since is None:
                self._outage_since = time.monotonic()
            if not waiters:  # streamed output only: try again later (a durable step's flush retries itself)
                if time.monotonic() - self._outage_since < self._store_retry_seconds:
                    self._retry_delay = next_delay(self._retry_delay)
                    self.store.committer.request(self, self._retry_delay)
                else:
                    self._failure = StoreUnavailable(
                        f"the database was unreachable for {self._store_retry_seconds:.0f} s")
        elif not waiters:
            self._failure = outcome  # raised by the next flush (a durable step)
        for waiter in waiters:
            if not waiter.done():
                if outcome is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(outcome)

    def _keep(self, append: Append) -> None:
        """Put back what a commit that never reached the database carried, ahead of what came since: the next
        commit writes it with the numbers it already has, so the log stays gapless."""
        self._pending[:0] = append.events
        self._pending_artifacts[:0] = append.artifacts
        self._pending_transcript[:0] = append.transcript
        self._spend_dirty = self._spend_dirty or append.session_spent_usd is not None
        self._force_snapshot = True  # the next commit rewrites the stored response object as of its events

    async def close(self) -> None:
        # The stored response object is left current: the next writer (a resume, a cancel) starts from it.
        self._force_snapshot = self._snapshot_stale
        if self._snapshot_timer is not None:
            self._snapshot_timer.cancel()
            self._snapshot_timer = None
        await self.flush()
