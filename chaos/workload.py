"""What the clients of one trial do, and what each of them received.

Every client plays one kind of turn against the server with its own account (the live-session limit is per
account) and records each SSE event it received, in order, until its stream ends or the server dies under it.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from chaos import sse
from tests.conftest import script

# One client per kind, in this order, then round again: streamed, background (followed with the SDK's
# retrieve-stream path), chained on a finished turn, a tool call, and a stream resumed with Last-Event-ID.
KINDS = ("stream", "background", "chained", "tool", "resumed")
STREAM_END_TYPES = frozenset({"response.completed", "response.failed", "response.incomplete",
                              "response.cancelled"})


@dataclass
class Recording:
    """What one client saw of one response."""

    kind: str
    token: str
    response_id: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)   # every event received, in order
    statuses: list[int] = field(default_factory=list)            # HTTP status of every request it made
    ended: str = "not started"      # "terminal", "closed" (no end event), or the error that cut it
    problems: list[str] = field(default_factory=list)             # frames the contract does not allow

    @property
    def terminal(self) -> bool:
        return bool(self.events) and self.events[-1]["type"] in STREAM_END_TYPES


def paced_answer(rng: random.Random) -> dict[str, Any]:
    """A streamed answer of 8-40 chunks, 15-60 ms apart (0.1-2.4 s): kills land before, during and after it."""
    chunks = rng.randint(8, 40)
    words = " ".join(f"w{i}" for i in range(chunks * 3))
    return {"say": words, "chunks": chunks, "delay_ms": rng.randint(15, 60)}


def _input(rng: random.Random, *steps: dict[str, Any]) -> str:
    # A nonce per turn: the emulator keys its per-script counters by the script text.
    return script(*steps, prompt=f"Chaos turn {secrets.token_hex(4)}.")


class Client:
    """One client: one kind of turn, one account, one recording."""

    def __init__(self, http: httpx.AsyncClient, kind: str, token: str, rng: random.Random,
                 answer: Callable[[random.Random], dict[str, Any]] | None = None) -> None:
        self.http = http
        self.kind = kind
        self.rng = rng
        self.answer = answer or paced_answer
        self.auth = {"authorization": f"Bearer {token}"}
        self.recording = Recording(kind=kind, token=token)

    async def run(self, start_delay: float) -> Recording:
        await asyncio.sleep(start_delay)  # spreads the turns' phases around the kill
        self.recording.ended = "running"
        try:
            await getattr(self, f"_{self.kind}")()
            self.recording.ended = "terminal" if self.recording.terminal else "closed"
        except httpx.HTTPStatusError as exc:  # the server answered, and not as the contract says
            self.recording.problems.append(str(exc))
            self.recording.ended = f"HTTP {exc.response.status_code}"
        except httpx.HTTPError as exc:  # the server was killed under the request: expected, recorded
            self.recording.ended = type(exc).__name__
        except sse.FrameError as exc:
            self.recording.problems.append(str(exc))
            self.recording.ended = "bad frame"
        return self.recording

    # ------------------------------------------------------------------ kinds of turn

    async def _stream(self) -> None:
        await self._post_stream({"input": _input(self.rng, self.answer(self.rng)), "stream": True})

    async def _tool(self) -> None:
        call = {"say": "Looking it up.", "calls": [{"call": "hub_search",
                                                    "arguments": {"kind": "model", "search": "bge"}}]}
        await self._post_stream({"input": _input(self.rng, call, self.answer(self.rng)), "stream": True})

    async def _chained(self) -> None:
        first = await self._post_json({"input": _input(self.rng, {"say": "First turn done."})})
        if first.get("status") != "completed":
            self.recording.problems.append(f"the first turn of a chain ended {first.get('status')}")
            return
        await self._post_stream({"input": _input(self.rng, self.answer(self.rng)), "stream": True,
                                 "previous_response_id": first["id"]})

    async def _background(self) -> None:
        created = await self._post_json({"input": _input(self.rng, self.answer(self.rng)), "background": True})
        self.recording.response_id = created["id"]
        await self._follow("GET", f"/v1/responses/{created['id']}", params={"stream": "true", "starting_after": "-1"})

    async def _resumed(self) -> None:
        created = await self._post_json({"input": _input(self.rng, self.answer(self.rng)), "background": True})
        self.recording.response_id = created["id"]
        url = f"/v1/responses/{created['id']}/events"
        await self._follow("GET", url, stop_after=self.rng.randint(2, 12))
        if not self.recording.terminal:
            last = self.recording.events[-1]["sequence_number"] if self.recording.events else -1
            await self._follow("GET", url, headers={"last-event-id": str(last)})

    async def resume_until_end(self, deadline: float) -> None:
        """What a client does when its stream was cut: reconnect with ``Last-Event-ID`` until the end event
        (bounded by ``deadline``, monotonic)."""
        loop = asyncio.get_running_loop()
        while self.recording.response_id and not self.recording.terminal and loop.time() < deadline:
            last = self.recording.events[-1]["sequence_number"] if self.recording.events else -1
            try:
                await self._follow("GET", f"/v1/responses/{self.recording.response_id}/events",
                                   headers={"last-event-id": str(last)})
            except httpx.HTTPStatusError as exc:
                self.recording.problems.append(str(exc))
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.5)  # the server could not serve the stream yet: reconnect, as SDKs do
        self.recording.ended = "terminal" if self.recording.terminal else "not resumed to its end"

    # ------------------------------------------------------------------ requests

    async def _post_json(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post("/v1/responses", json=body, headers=self.auth)
        self.recording.statuses.append(response.status_code)
        if response.status_code != 200:
            raise httpx.HTTPStatusError(f"create answered {response.status_code}: {response.text[:300]}",
                                        request=response.request, response=response)
        return response.json()

    async def _post_stream(self, body: dict[str, Any]) -> None:
        await self._follow("POST", "/v1/responses", json=body)

    async def _follow(self, method: str, url: str, *, stop_after: int | None = None, **kwargs: Any) -> None:
        """Read one SSE response into the recording (until its end, or ``stop_after`` events: a client that
        goes away and comes back)."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        async with self.http.stream(method, url, headers=headers, **kwargs) as response:
            self.recording.statuses.append(response.status_code)
            if response.status_code != 200:
                await response.aread()
                raise httpx.HTTPStatusError(f"{method} {url} answered {response.status_code}",
                                            request=response.request, response=response)
            taken = 0
            async for event in sse.events(response):
                if self.recording.response_id is None and event["type"] == "response.created":
                    self.recording.response_id = event["response"]["id"]
                self.recording.events.append(event)
                taken += 1
                if stop_after is not None and taken >= stop_after:
                    return


async def run_until_kill(base_url: str, tokens: list[str], rng: random.Random, kill, *,
                         kill_window: tuple[float, float] = (0.1, 2.5), start_spread: float = 0.6,
                         drain_timeout: float = 15.0) -> tuple[list[Recording], float]:
    """Start one client per token (kinds in turn), call ``kill()`` at a random moment of ``kill_window`` seconds
    after they start, then wait (bounded) for every client to notice. Returns the recordings and the kill time."""
    kill_at = rng.uniform(*kill_window)
    limits = httpx.Limits(max_connections=4 * len(tokens), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(30.0, connect=5.0),
                                 limits=limits) as http:
        clients = [Client(http, KINDS[i % len(KINDS)], token, rng) for i, token in enumerate(tokens)]
        tasks = [asyncio.create_task(c.run(rng.uniform(0, start_spread))) for c in clients]
        await asyncio.sleep(kill_at)
        kill()
        _, pending = await asyncio.wait(tasks, timeout=drain_timeout)
        for task in pending:  # a client still waiting after the server died: a hang, reported by its state
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for client in clients:
        if client.recording.ended == "running":
            client.recording.ended = "hung after the kill"
    return [c.recording for c in clients], kill_at
