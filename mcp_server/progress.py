"""Progress while an MCP tool waits on a run: response events as ``notifications/progress`` messages, and the
events that end a wait."""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from agent import events as ev

from .snapshots import truncate_text

logger = logging.getLogger(__name__)

PROGRESS_MESSAGE_CHARS = 200
DELTA_PROGRESS_INTERVAL = 1.0
LOG_PROGRESS_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 10.0  # the default of Settings.mcp_progress_heartbeat_seconds
JOB_STATES = ("SCHEDULING", "RUNNING", "COMPLETED", "ERROR", "CANCELED", "CANCELLED", "DELETED")


class ProgressReporter:
    """Turns response events into ``notifications/progress`` messages (a no-op without a progress token)."""

    def __init__(self, send: Callable[[float, float | None, str | None], Awaitable[None]],
                 clock: Callable[[], float] = time.monotonic, heartbeat_seconds: float = HEARTBEAT_INTERVAL) -> None:
        self._send = send
        self._clock = clock
        self.heartbeat_seconds = heartbeat_seconds
        self.count = 0
        self.chars = 0
        self.last_sent = clock()
        self._last_delta = 0.0
        self._last_log = 0.0
        # The heartbeat reports from its own task: one notification at a time keeps ``progress`` increasing.
        self._sending = anyio.Lock()

    async def report(self, message: str) -> None:
        async with self._sending:
            self.count += 1
            self.last_sent = self._clock()
            try:
                await self._send(self.count, None, truncate_text(message, PROGRESS_MESSAGE_CHARS))
            except Exception:  # a lost notification must not fail the tool
                logger.debug("progress notification not delivered", exc_info=True)

    async def tick(self, status: str) -> None:
        if self._clock() - self.last_sent >= self.heartbeat_seconds:
            await self.report(f"still working ({status})")

    async def heartbeat(self, status: str) -> None:
        """Until cancelled: ``still working`` whenever ``heartbeat_seconds`` pass without a notification, whatever
        the event stream does (its own keep-alive ticks come only every ``sse_keepalive_seconds``, and events
        that say nothing worth a notification do not count as one)."""
        while True:
            await anyio.sleep(max(0.0, self.last_sent + self.heartbeat_seconds - self._clock()))
            await self.tick(status)

    async def on_event(self, event: dict[str, Any]) -> None:
        message = self.describe(event)
        if message is not None:
            await self.report(message)

    def describe(self, event: dict[str, Any]) -> str | None:
        kind = event.get("type")
        now = self._clock()
        if kind == ev.TEXT_DELTA:
            self.chars += len(event.get("delta") or "")
            if now - self._last_delta >= DELTA_PROGRESS_INTERVAL:
                self._last_delta = now
                return f"streaming answer ({self.chars} chars)"
            return None
        if kind in (ev.ITEM_ADDED, ev.ITEM_DONE):
            item = event.get("item") or {}
            if item.get("type") == "reasoning":
                return "thinking" if kind == ev.ITEM_ADDED else None
            if item.get("type") != "mcp_call":
                return "writing answer" if kind == ev.ITEM_ADDED else None
            name = item.get("name") or "tool"
            return f"tool {name} started" if kind == ev.ITEM_ADDED else f"tool {name} {item.get('status', 'done')}"
        if kind == ev.TOOL_LOG:
            text = str(event.get("text") or event.get("delta") or "")
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if not lines:
                return None
            line = lines[-1]
            if any(state in line for state in JOB_STATES) or now - self._last_log >= LOG_PROGRESS_INTERVAL:
                self._last_log = now
                return f"log: {line}"
            return None
        if kind == ev.ARTIFACT_CREATED:
            artifact = event.get("artifact") or {}
            return f"artifact {artifact.get('type', '')}: {artifact.get('url', '')}"
        if kind == ev.PLAN_UPDATED:
            steps = event.get("plan") or []
            done = sum(step.get("status") in ("completed", "skipped") for step in steps)
            now_doing = next((step.get("title") for step in steps if step.get("status") == "in_progress"), None)
            return f"plan: {done}/{len(steps)} done" + (f", now: {now_doing}" if now_doing else "")
        if kind == ev.APPROVAL_REQUIRED:
            return "paused: approval required"
        if kind == ev.LLM_CALL:
            return (f"model call done ({event.get('input_tokens', 0)} input / "
                    f"{event.get('output_tokens', 0)} output tokens)")
        if kind == ev.QUEUED:
            return "queued"
        if kind == ev.IN_PROGRESS:
            return "agent working"
        if kind in ev.STREAM_END_EVENTS:
            status = (event.get("response") or {}).get("status") or kind.rsplit(".", 1)[-1]
            return f"response {status}"
        return None


def stop_on_settle(event: dict[str, Any]) -> bool:
    return event.get("type") in ev.STREAM_END_EVENTS


def stop_on_news(event: dict[str, Any]) -> bool:
    """get_response returns early when the run settles, a message is finished, or an artifact appears."""
    kind = event.get("type")
    if kind in ev.STREAM_END_EVENTS or kind == ev.ARTIFACT_CREATED:
        return True
    return kind == ev.ITEM_DONE and (event.get("item") or {}).get("type") == "message"
