"""Reading a job's log and metric streams (SSE ``data: {...}`` frames) asynchronously, and cleaning log noise."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx

from agent import hub_ids
from agent.hub_ids import hub_path
from agent.tools.base import ToolContext, ToolFailure

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# tqdm-style bars: "Map:  50%|█████     | 500/1000 [...]" or " 10%|#         | 1/10 [...]".
_PROGRESS_BAR = re.compile(r"\d{1,3}%\|[^|]*\|")
_PERCENT = re.compile(r"(\d{1,3})%\|")
JOB_STARTED_PREFIX = "===== Job started"


def clean_log_line(raw: str) -> str | None:
    """What a terminal would finally show for a log event, or None when it is noise.

    Carriage-return updates collapse to their last state; ANSI colours are stripped; unfinished progress bars
    (tqdm below 100%) and the Hub's "===== Job started" banner are dropped.
    """
    text = _ANSI.sub("", raw)
    if "\r" in text:
        segments = [s for s in text.split("\r") if s.strip()]
        text = segments[-1] if segments else ""
    text = text.rstrip()
    if not text.strip() or text.startswith(JOB_STARTED_PREFIX):
        return None
    if _PROGRESS_BAR.search(text):
        percents = [int(p) for p in _PERCENT.findall(text)]
        if not percents or max(percents) < 100:
            return None
    return text


def job_api_url(ctx: ToolContext, namespace: str, job_id: str, route: str = "") -> str:
    path = hub_path("api", "jobs", hub_ids.namespace(namespace), hub_ids.job_id(job_id), *([route] if route else []))
    return ctx.settings.hub_url.rstrip("/") + path


async def sse_events(ctx: ToolContext, url: str, *, idle_timeout: float,
                     params: dict[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
    """JSON payloads of an SSE stream's ``data:`` frames. Ends when the server closes the stream; raises
    ``httpx.ReadTimeout`` after ``idle_timeout`` seconds without a byte."""
    timeout = httpx.Timeout(connect=15.0, read=idle_timeout, write=15.0, pool=15.0)
    async with ctx.http.stream("GET", url, params=params, timeout=timeout,
                               headers={"accept": "text/event-stream"}) as reply:
        if reply.status_code != 200:
            await reply.aread()
            raise StreamRefused(reply.status_code, _error_text(reply))
        async for line in reply.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if not data.startswith("{"):
                continue
            try:
                yield json.loads(data)
            except json.JSONDecodeError:
                continue


class StreamRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail

    def failure(self, action: str) -> ToolFailure:
        if self.status == 404:
            return ToolFailure(f"not found: {action} failed (404): {self.detail or 'no such job'}. "
                               "Check the job id and namespace.")
        if self.status in (401, 403):
            return ToolFailure(f"permission: {action} was refused ({self.status}): {self.detail}")
        return ToolFailure(f"{action} failed ({self.status}): {self.detail}")


def _error_text(reply: httpx.Response) -> str:
    detail = reply.headers.get("x-error-message", "")
    if not detail:
        try:
            body = reply.json()
            detail = str(body.get("error", "")) if isinstance(body, dict) else ""
        except ValueError:
            detail = reply.text[:200]
    return detail[:300]
