"""Following one response to its end over SSE: resumed with ``Last-Event-ID`` after a dropped connection, budget
pauses approved up to the task's ceiling (denied above it), cancelled when the task's wall-clock limit passes."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from evals.client import ApiError, AsyncApi
from evals.tasks import Budget
from evals.trace import RunnerAction, TurnTrace

log = logging.getLogger("evals")

FINAL_EVENTS = frozenset({"response.completed", "response.failed", "response.cancelled"})
SETTLED = frozenset({"completed", "failed", "cancelled", "incomplete"})
# After the runner cancels, how long it waits for the response to settle before it stops following.
CANCEL_GRACE_SECONDS = 60.0
FIRST_RETRY_DELAY = 0.2
MAX_RETRY_DELAY = 5.0
MAX_CAP_USD = 500.0  # the server's bound on max_cost_usd


def decide(response: dict[str, Any], budget: Budget) -> RunnerAction:
    """Approve a budget pause when a cap of at most the task's ceiling clears it (the cap is then raised to the
    ceiling, so the run goes on unattended up to it); otherwise deny it, telling the agent why."""
    sequence = -1
    pending = response.get("pending_approval") or {}
    budget_now = pending.get("budget") or {}
    required = budget_now.get("required_max_cost_usd")
    ceiling = budget.approve_up_to_usd
    unestimated = any(action.get("estimate_usd") is None for action in pending.get("actions") or [])
    if ceiling is None:
        return RunnerAction(kind="deny", after_sequence=sequence,
                            reason="this eval task approves no budget pause")
    if unestimated and not budget.approve_unestimated:
        return RunnerAction(kind="deny", after_sequence=sequence,
                            reason="a pending action's cost cannot be estimated and the task approves only estimates")
    if required is not None and required > ceiling:
        return RunnerAction(kind="deny", after_sequence=sequence,
                            reason=f"the pause needs a cap of {required:.2f} USD, above the task's ceiling "
                                   f"of {ceiling:.2f} USD")
    cap = min(max(ceiling, required or 0.0), MAX_CAP_USD)
    current = budget_now.get("max_cost_usd")
    return RunnerAction(kind="approve", after_sequence=sequence,
                        new_max_cost_usd=cap if current is None or cap > current else None,
                        reason=f"within the task's ceiling of {ceiling:.2f} USD")


class Follower:
    """Follows ``turn.response_id`` until it settles, appending every event to ``turn.events`` once."""

    def __init__(self, api: AsyncApi, turn: TurnTrace, budget: Budget, deadline: float) -> None:
        self.api = api
        self.turn = turn
        self.budget = budget
        self.deadline = deadline  # time.monotonic() value
        self.last = turn.events[-1]["sequence_number"] if turn.events else -1
        self.cancelled_by_runner = False

    async def run(self) -> None:
        try:
            await asyncio.wait_for(self._follow(approve=True), timeout=max(self.deadline - time.monotonic(), 0.001))
        except TimeoutError:
            await self._cancel()
            try:
                await asyncio.wait_for(self._follow(approve=False), timeout=CANCEL_GRACE_SECONDS)
            except TimeoutError:
                log.warning("%s did not settle within %.0f s of its cancel", self.turn.response_id,
                            CANCEL_GRACE_SECONDS)

    async def _cancel(self) -> None:
        self.cancelled_by_runner = True
        self.turn.actions.append(RunnerAction(kind="cancel", after_sequence=self.last,
                                              reason="the task's wall-clock limit passed"))
        for attempt in (1, 2, 3):
            try:
                await self.api.cancel(self.turn.response_id)
                return
            except (httpx.TransportError, ApiError) as exc:
                log.warning("cancel of %s failed (%s), attempt %d", self.turn.response_id, exc, attempt)
                await asyncio.sleep(FIRST_RETRY_DELAY * attempt)

    async def _follow(self, *, approve: bool) -> None:
        delay = FIRST_RETRY_DELAY
        while True:
            progressed = False
            try:
                async with self.api.events(self.turn.response_id, after=self.last) as stream:
                    async for event in stream:
                        sequence = event.get("sequence_number")
                        if not isinstance(sequence, int) or sequence <= self.last:
                            continue
                        progressed, delay = True, FIRST_RETRY_DELAY
                        self.last = sequence
                        self.turn.events.append(event)
                        kind = event.get("type")
                        if kind in FINAL_EVENTS:
                            return
                        if kind == "response.incomplete":
                            if not await self._paused(event.get("response") or {}, approve):
                                return
                            break  # the stream ends at a pause: resume after it
                if not progressed:
                    current = await self.api.get(self.turn.response_id)
                    if current.get("status") in SETTLED and not self._awaiting_decision(current, approve):
                        return
                    self.turn.reconnects += 1  # the stream closed before the run settled
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                log.info("stream of %s dropped (%s); resuming after %d", self.turn.response_id, exc, self.last)
                self.turn.reconnects += 1
            except ApiError as exc:
                if exc.status not in (429, 502, 503, 504):
                    raise
                log.info("stream of %s refused (%s); retrying", self.turn.response_id, exc)
                self.turn.reconnects += 1
            if not progressed:  # back off only while nothing comes: a cut mid-stream resumes at once
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)

    def _awaiting_decision(self, response: dict[str, Any], approve: bool) -> bool:
        """A pause the runner has not answered yet (its event was seen, but the stream closed before the runner
        acted on it): only while approvals are still being made."""
        details = response.get("incomplete_details") or {}
        return approve and response.get("status") == "incomplete" and details.get("reason") == "approval_required" \
            and not any(a.after_sequence == self.last for a in self.turn.actions)

    async def _paused(self, response: dict[str, Any], approve: bool) -> bool:
        """Handle a ``response.incomplete``: True when the run goes on (the runner answered a budget pause)."""
        details = response.get("incomplete_details") or {}
        if details.get("reason") != "approval_required" or not approve:
            return False
        action = decide(response, self.budget).model_copy(update={"after_sequence": self.last})
        self.turn.actions.append(action)
        try:
            await self.api.approve(self.turn.response_id, approve=action.kind == "approve",
                                   new_max_cost_usd=action.new_max_cost_usd,
                                   feedback=None if action.kind == "approve" else f"Not approved: {action.reason}.")
        except ApiError as exc:
            if exc.status == 409:  # already resumed (a retried request): the log goes on either way
                return True
            raise
        return True
