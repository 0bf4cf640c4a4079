"""Helpers shared by the /v1 integration tests: SSE parsing, waiting on conditions, emulator and DB introspection."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
from openai import OpenAI

from agent import events as ev
from agent.models import McpCallItem, error_text
from ml_intern_cli import sse as sse_reader
from tests import openai_wire
from tests.conftest import ALICE, script

SETTLED = ("completed", "failed", "cancelled", "incomplete")
TERMINAL_EVENTS = ("response.completed", "response.failed", "response.cancelled", "response.incomplete")
RESPONSE_ID = re.compile(r"^resp_[0-9a-f]{32}$")


def acting(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The output items other than the model's reasoning (a thinking model adds one before each answer or call)."""
    return [item for item in output if item["type"] != "reasoning"]


def nonce() -> str:
    return uuid.uuid4().hex[:12]


def uscript(*steps: Any) -> str:
    """``script`` with a unique prompt. The emulator keys its failure counters by the script block alone: a script
    with an ``error`` modifier must also carry a nonce inside (e.g. in its ``say``) to own its counters."""
    return script(*steps, prompt=f"Scripted task {nonce()}.")


def hang(ms: int = 30_000) -> str:
    """A turn whose model call stalls ``ms`` (every attempt), then answers."""
    return uscript({"hang_ms": ms}, {"say": "finally"})


# ---------------------------------------------------------------- the wire, strictly

def validate_response(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` once it validated strictly as the spec's Response (tests/openai_wire.py)."""
    openai_wire.validate_response(body)
    return body


def check_wire_event(event: dict[str, Any]) -> None:
    """A standard event validates strictly; any other is a documented extension."""
    if openai_wire.is_standard(event):
        openai_wire.validate_event(event)
    else:
        assert event["type"] in ev.EXTENSION_EVENTS, f"undocumented event type {event['type']!r}"


def tool_error(item: dict[str, Any]) -> str | None:
    """The error text of an mcp_call item (the spec's error object), as the agent read it."""
    return error_text(McpCallItem.model_validate(item).error)


# ---------------------------------------------------------------- the openai SDK

class CountingClient:
    """An OpenAI client whose transport records the requests that reach the server (retries included): method and
    path in ``requests``, the monotonic time each was sent in ``sent_at``."""

    def __init__(self, server: Any, token: str = ALICE, **kwargs: Any) -> None:
        self.requests: list[tuple[str, str]] = []
        self.sent_at: list[float] = []
        self.http = httpx.Client(event_hooks={"request": [self._count]}, timeout=30.0)
        self.sdk = OpenAI(base_url=server.url + "/v1", api_key=token, http_client=self.http, **kwargs)

    def _count(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path))
        self.sent_at.append(time.monotonic())

    def close(self) -> None:
        self.sdk.close()


# ---------------------------------------------------------------- SSE

def sse_lines(reply: httpx.Response) -> Iterator[str]:
    """The lines of a streamed SSE body, split on CR, LF and CRLF only, as SSE defines them: JSON text may hold
    U+2028 or NEL, which ``httpx.Response.iter_lines`` (``str.splitlines``) would also split on."""
    return sse_reader.lines(reply.iter_text())


def parse_sse(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Frames of an SSE body as dicts {"id", "event", "data"(parsed)}; comment lines are skipped."""
    frame: dict[str, Any] = {}
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n") if isinstance(raw, str) else raw
        if line == "":
            if data:
                frame["data"] = json.loads("\n".join(data))
                yield frame
            frame, data = {}, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field in ("id", "event"):
            frame[field] = value
    if data:
        frame["data"] = json.loads("\n".join(data))
        yield frame


def stream_events(client: httpx.Client, method: str, url: str, *, limit: int | None = None,
                  until: Callable[[dict[str, Any]], bool] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """Read an SSE response (until it closes, ``limit`` events, or an event matching ``until``) and return the
    event payloads."""
    events = []
    kwargs.setdefault("timeout", httpx.Timeout(30.0, read=30.0))
    with client.stream(method, url, **kwargs) as reply:
        assert reply.status_code == 200, reply.read()
        assert reply.headers["content-type"].startswith("text/event-stream")
        for frame in parse_sse(sse_lines(reply)):
            event = frame["data"]
            assert frame["event"] == event["type"]
            assert frame["id"] == str(event["sequence_number"])
            check_wire_event(event)
            events.append(event)
            if (limit is not None and len(events) >= limit) or (until is not None and until(event)):
                break
    return events


def all_events(client: httpx.Client, response_id: str) -> list[dict[str, Any]]:
    """Every event of a response, waiting (on the stream) until its turn ends."""
    return stream_events(client, "GET", f"/v1/responses/{response_id}/events")


def settle(client: httpx.Client, response_id: str) -> dict[str, Any]:
    """Wait for the turn to end by following its event stream, then return the response object."""
    events = all_events(client, response_id)
    assert events and events[-1]["type"] in TERMINAL_EVENTS, [e["type"] for e in events[-3:]]
    reply = client.get(f"/v1/responses/{response_id}")
    assert reply.status_code == 200
    return validate_response(reply.json())


def poll_until(client: httpx.Client, response_id: str, statuses: Iterable[str] = SETTLED, *,
               timeout: float = 20.0, interval: float = 0.05) -> dict[str, Any]:
    """Poll GET until the status is one of ``statuses`` (deadline ``timeout``)."""
    wanted = set(statuses)
    deadline = time.monotonic() + timeout
    while True:
        body = validate_response(client.get(f"/v1/responses/{response_id}").json())
        if body["status"] in wanted:
            return body
        assert time.monotonic() < deadline, f"{response_id} still {body['status']} after {timeout}s"
        time.sleep(interval)


def create(client: httpx.Client, input: str, **body: Any) -> dict[str, Any]:
    reply = client.post("/v1/responses", json={"input": input, **body})
    assert reply.status_code == 200, reply.text
    return validate_response(reply.json())


def assert_envelope(reply: httpx.Response, status: int, *, code: str | None = None,
                    param: str | None = None) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str) and error["type"]
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert error["param"] == param, error
    return error


# ---------------------------------------------------------------- emulator

def emulator_requests(emulator: Any, path_prefix: str = "/v1/chat") -> list[dict[str, Any]]:
    reply = httpx.get(f"{emulator.url}/_emulator/requests", params={"path_prefix": path_prefix}, timeout=10)
    reply.raise_for_status()
    return reply.json()["requests"]


def chat_requests(emulator: Any, session_id: str) -> list[dict[str, Any]]:
    """The chat completions the server sent for one session (by its X-HF-Session-id header)."""
    return [r for r in emulator_requests(emulator, "/v1/chat")
            if r["headers"].get("x-hf-session-id") == session_id]


def whoami_id(emulator: Any, token: str) -> str:
    reply = httpx.get(f"{emulator.url}/api/whoami-v2", headers={"authorization": f"Bearer {token}"}, timeout=10)
    reply.raise_for_status()
    return reply.json()["id"]


# ---------------------------------------------------------------- database

def db_scalar(path: Path, sql: str, *params: Any) -> Any:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()


def count_responses(path: Path) -> int:
    return db_scalar(path, "SELECT count(*) FROM responses")
