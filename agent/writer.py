"""The single writer of one response's event log.

It assigns gapless sequence numbers, keeps the projection in memory, and commits events with the projection
in one transaction. Durable events (status, items, artifacts, approvals) are committed before ``emit``
returns; text deltas and logs are group-committed within ``delta_flush_ms``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agent import events as ev
from agent.bus import EventBus
from agent.models import Artifact, IncompleteDetails, ResponseError, ResponseObject
from agent.redact import redact
from agent.store.store import Append, Store
from agent.store.tables import ResponseRow


class TurnWriter:
    def __init__(self, store: Store, bus: EventBus, row: ResponseRow, *, flush_ms: int,
                 session_spent_usd: float = 0.0, transcript_length: int = 0,
                 lease: tuple[str, float] | None = None, secrets: tuple[str, ...] = ()) -> None:
        # lease = (replica id, lease seconds): every flush while running extends the lease.
        # secrets = the caller's token: whatever passes through the turn (the model echoing it in text or tool
        # arguments) is redacted, with token-shaped strings, before it is stored or streamed.
        self._secrets = secrets
        self.store = store
        self.bus = bus
        self.response_id = row.id
        self.session_id = row.session_id
        self.state = ResponseObject.model_validate(row.snapshot)
        self.session_spent_usd = session_spent_usd
        self._committed_seq = row.last_sequence
        self._next_seq = row.last_sequence + 1
        self._flush_delay = flush_ms / 1000
        self._pending: list[dict[str, Any]] = []
        self._pending_artifacts: list[dict[str, Any]] = []
        self._pending_transcript: list[tuple[int, dict[str, Any]]] = []
        self._transcript_length = transcript_length
        self._lease = lease
        self._spend_dirty = False
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._last_flush = float("-inf")  # loop time of the last commit
        self._redact_projection = False
        self._background: set[asyncio.Task] = set()

    @property
    def last_sequence(self) -> int:
        return self._next_seq - 1

    async def emit(self, event_type: str, **payload: Any) -> dict[str, Any]:
        if event_type in ev.DEFERRABLE_EVENTS:
            return self.emit_deferred(event_type, **payload)
        event = ev.WireEvent(redact({"type": event_type, **payload, "sequence_number": self._next_seq},
                                    self._secrets))
        self._next_seq += 1
        self.state = ev.apply(self.state, event)
        self._pending.append(event)
        await self.flush()
        return event

    def emit_deferred(self, event_type: str, **payload: Any) -> dict[str, Any]:
        """Emit an event that may wait for the next group commit, without awaiting (safe in ``finally``)."""
        assert event_type in ev.DEFERRABLE_EVENTS, event_type
        if event_type in (ev.TEXT_DELTA, ev.REASONING_DELTA):
            # Redacted one by one, deltas can still join into a token in the projection: from now on the
            # stored projection is redacted as a whole (the live streams use ``emit_redacted_delta`` instead).
            self._redact_projection = True
        return self._defer(ev.WireEvent(redact({"type": event_type, **payload, "sequence_number": self._next_seq},
                                               self._secrets)))

    def emit_redacted_delta(self, event_type: str, **payload: Any) -> dict[str, Any]:
        """A text or reasoning delta whose text a ``StreamRedactor`` already redacted: the whole-event pass is
        skipped (it cost ~8% of relay time, for nothing)."""
        assert event_type in (ev.TEXT_DELTA, ev.REASONING_DELTA), event_type
        return self._defer(ev.WireEvent({"type": event_type, **payload, "sequence_number": self._next_seq}))

    def _defer(self, event: ev.WireEvent) -> dict[str, Any]:
        event.emitted_at = time.perf_counter()  # the stream-lag clock starts when the delta arrives
        self._next_seq += 1
        self.state = ev.apply(self.state, event)
        self._pending.append(event)
        self._schedule_flush()
        return event

    def charge(self, event_type: str, usd: float, **payload: Any) -> None:
        """Spend and the event that carries it, together: the session's ledger is always the sum of the
        ``cost_usd`` of its events, and both are committed in the same transaction."""
        self.add_spend(usd)
        self.emit_deferred(event_type, cost_usd=usd, **payload)

    async def set_status(self, status: str, *, error: ResponseError | None = None,
                         incomplete: IncompleteDetails | None = None) -> dict[str, Any]:
        event_type = {"queued": ev.QUEUED, "in_progress": ev.IN_PROGRESS, "completed": ev.COMPLETED,
                      "failed": ev.FAILED, "incomplete": ev.INCOMPLETE, "cancelled": ev.CANCELLED}[status]
        settled = status in ("completed", "failed", "cancelled", "incomplete")
        snapshot = ev.with_status(self.state, status, error=error, incomplete=incomplete,
                                  completed_at=int(time.time()) if settled else None)
        if settled:
            self._lease = None
        return await self.emit(event_type, response=snapshot.public())

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

    def _schedule_flush(self) -> None:
        # Leading edge: after a quiet spell the first delta is committed (and reaches streams) at once; later
        # ones within ``delta_flush_ms`` of the last commit wait for the next group commit.
        if self._timer is None:
            loop = asyncio.get_running_loop()
            wait = self._last_flush + self._flush_delay - loop.time()
            self._timer = loop.call_later(max(0.0, wait), self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self._flush())  # nothing cancels this task: no shield needed
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def flush(self) -> None:
        # Shielded: a cancelled caller must not abandon a transaction half-way.
        await asyncio.shield(self._flush())

    async def _flush(self) -> None:
        async with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._last_flush = asyncio.get_running_loop().time()
            if not (self._pending or self._pending_transcript or self._pending_artifacts or self._spend_dirty):
                return
            batch, self._pending = self._pending, []
            artifacts, self._pending_artifacts = self._pending_artifacts, []
            transcript, self._pending_transcript = self._pending_transcript, []
            spend_dirty, self._spend_dirty = self._spend_dirty, False
            status = self.state.status
            lease = ((self._lease[0], time.time() + self._lease[1]) if self._lease else (None, None)) if batch else None
            await self.store.append(Append(
                response_id=self.response_id, expected_last_sequence=self._committed_seq, events=batch,
                # Every event was redacted when emitted, and deltas live with a token split across them included
                # (StreamRedactor), so the projection built from them needs no second pass over its whole text on
                # every commit — unless a delta came in unguarded.
                snapshot=redact(self.state.public(), self._secrets) if self._redact_projection
                else self.state.public(), status=status, artifacts=artifacts,
                transcript=transcript,
                lease=lease, session_spent_usd=self.session_spent_usd if spend_dirty else None,
                session_id=self.session_id))
            if batch:
                self._committed_seq = batch[-1]["sequence_number"]
                self.bus.publish(self.response_id, batch)

    async def close(self) -> None:
        await self.flush()
        for task in list(self._background):
            await task
