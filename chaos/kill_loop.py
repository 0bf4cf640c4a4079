"""The kill -9 loop on one database: clients stream, the server is SIGKILLed at a random moment, restarted on the
same database, and the restarted server's replay is checked against what the clients received and what the
database held at the kill.

A trial runs on the server the previous trial restarted, so N trials are N kills of one growing database.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import httpx

from agent.models import RUNNING_STATUSES
from benchmarks.load_procs import server_env, start_server
from chaos import sse
from chaos.checks import Finding, check_chain, check_log, check_received, check_resume
from chaos.database import StoredTurn, read_turns, wait_backends_gone
from chaos.figures import KillLoopFigures
from chaos.workload import Recording, run_until_kill
from tests.conftest import script

# PostgreSQL: a restarted server is a new replica; the dead one's turns are recovered once their lease expires.
PG_LEASE_SECONDS = 2.0
RECOVERY_WAIT_SLACK_SECONDS = 10.0
REPLAY_TIMEOUT_SECONDS = 20.0


class Accounts:
    """The tokens the clients use and the Hub user id behind each (a response's ``owner_id``)."""

    def __init__(self, emulator_url: str, tokens: list[str]) -> None:
        self.tokens = tokens
        self.by_owner: dict[str, str] = {}
        for token in tokens:
            whoami = httpx.get(f"{emulator_url}/api/whoami-v2", headers={"authorization": f"Bearer {token}"},
                               timeout=10)
            whoami.raise_for_status()
            self.by_owner[whoami.json()["id"]] = token

    def auth(self, owner_id: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.by_owner[owner_id]}"}


class KillLoop:
    def __init__(self, *, backend: str, database_url: str, emulator_url: str, accounts: Accounts, workdir: Path,
                 rng: random.Random, kill_window: tuple[float, float] = (0.1, 2.5)) -> None:
        self.backend = backend
        self.kill_window = kill_window
        self.database_url = database_url
        self.accounts = accounts
        self.workdir = workdir
        self.rng = rng
        self.postgres = not database_url.startswith("sqlite")
        extra = {"ML_INTERN_LEASE_SECONDS": str(PG_LEASE_SECONDS)} if self.postgres else {}
        self.env = server_env(emulator_url, database_url, ML_INTERN_LLM_RETRY_BASE_DELAY="0.01", **extra)
        self.figures = KillLoopFigures(backend=backend)
        self._seen: set[str] = set()   # responses of earlier trials (each trial checks its own)
        self._starts = 0

    def _start(self):
        self._starts += 1
        return start_server(self.env, self.workdir / f"{self.backend}-server-{self._starts:03d}.log")

    async def run(self, trials: int) -> KillLoopFigures:
        server = await asyncio.to_thread(self._start)
        try:
            for _ in range(trials):
                recordings, _ = await run_until_kill(server.url, self.accounts.tokens, self.rng, server.kill,
                                                       kill_window=self.kill_window)
                if self.postgres:
                    await asyncio.to_thread(wait_backends_gone, self.database_url)
                at_kill = await asyncio.to_thread(read_turns, self.database_url, self._seen)
                server = await asyncio.to_thread(self._start)
                self.figures.trials += 1
                findings = await self._check(server.url, recordings, at_kill)
                self.figures.add(findings)
        finally:
            await asyncio.to_thread(server.stop)
        return self.figures

    # ------------------------------------------------------------------ checks after a restart

    async def _check(self, url: str, recordings: list[Recording], at_kill: dict[str, StoredTurn]) -> list[Finding]:
        figures = self.figures
        figures.turns += len(at_kill)
        running = [t for t in at_kill.values() if t.running]
        figures.in_flight_at_kill += len(running)
        self._seen.update(at_kill)
        findings: list[Finding] = []
        for rec in recordings:
            findings += [Finding("http_5xx", rec.response_id, f"{rec.kind} client got HTTP {status}")
                         for status in rec.statuses if status >= 500]
            findings += [Finding("client", rec.response_id, f"{rec.kind} client: {p}") for p in rec.problems]
            if rec.ended == "hung after the kill":
                findings.append(Finding("client", rec.response_id, f"{rec.kind} client hung after the kill"))
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
            check = Checker(http, self.accounts, findings)
            if self.postgres:  # recovery waits for the dead replica's lease; on SQLite it ran at start-up
                await check.wait_settled(running, PG_LEASE_SECONDS + RECOVERY_WAIT_SLACK_SECONDS)
            replays = dict(zip(at_kill, await asyncio.gather(*(check.replay(t) for t in at_kill.values()))))
            for turn in at_kill.values():
                replay, after = replays[turn.response_id]
                figures.events_replayed += len(replay)
                findings += check_log(turn, replay, after)
            for index, rec in enumerate(recordings):
                if not rec.events:
                    continue
                if rec.response_id not in replays:
                    findings.append(Finding("lost", rec.response_id, f"{rec.kind} client received events of a "
                                                                      "response the database does not hold"))
                    continue
                replay, _ = replays[rec.response_id]
                figures.events_checked += len(rec.events)
                findings += check_received(rec.response_id, rec.events, replay)
                findings += await check.resume(rec, replay, via_events_route=index % 2 == 0)
                figures.resumes_checked += 1
            chained = await asyncio.gather(*(check.chain(t, replays[t.response_id][1]) for t in running))
            for chained_id in chained:
                figures.chains_checked += 1
                if chained_id:
                    self._seen.add(chained_id)
        return findings


class Checker:
    """Requests to the restarted server, each made as the response's owner. Any 5xx is a finding."""

    def __init__(self, http: httpx.AsyncClient, accounts: Accounts, findings: list[Finding]) -> None:
        self.http = http
        self.accounts = accounts
        self.findings = findings

    def _status(self, response: httpx.Response, response_id: str, what: str) -> None:
        if response.status_code >= 500:
            self.findings.append(Finding("http_5xx", response_id, f"{what} answered {response.status_code}"))

    async def get(self, turn: StoredTurn) -> dict[str, Any]:
        response = await self.http.get(f"/v1/responses/{turn.response_id}", headers=self.accounts.auth(turn.owner_id))
        self._status(response, turn.response_id, "GET")
        return response.json()

    async def wait_settled(self, turns: list[StoredTurn], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for turn in turns:
            while (await self.get(turn)).get("status") in RUNNING_STATUSES and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # observing the replica's periodic recovery: nothing to await

    async def stream(self, response_id: str, owner_id: str, path: str, *, params: dict[str, str] | None = None,
                     headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The events of one SSE GET, to its end. A settled response's stream ends at once; one still running
        after ``REPLAY_TIMEOUT_SECONDS`` is a finding (its stream would wait for an end that may never come)."""
        events: list[dict[str, Any]] = []

        async def read() -> None:
            async with self.http.stream("GET", path, params=params,
                                        headers={**self.accounts.auth(owner_id), **(headers or {})}) as response:
                self._status(response, response_id, f"GET {path}")
                if response.status_code != 200:
                    await response.aread()
                    self.findings.append(Finding("client", response_id, f"GET {path} answered {response.status_code}"))
                    return
                async for event in sse.events(response):
                    events.append(event)

        try:
            await asyncio.wait_for(read(), REPLAY_TIMEOUT_SECONDS)
        except sse.FrameError as exc:
            self.findings.append(Finding("client", response_id, f"replay: {exc}"))
        except TimeoutError:
            self.findings.append(Finding("end_state", response_id, f"GET {path} still open after "
                                                                   f"{REPLAY_TIMEOUT_SECONDS:.0f} s (not settled)"))
        return events

    async def replay(self, turn: StoredTurn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The whole log (``/events`` from the start) and the response object, after the restart."""
        events = await self.stream(turn.response_id, turn.owner_id, f"/v1/responses/{turn.response_id}/events")
        return events, await self.get(turn)

    async def resume(self, rec: Recording, replay: list[dict[str, Any]], *, via_events_route: bool) -> list[Finding]:
        """Resume from the client's last event: ``/events`` with ``Last-Event-ID``, or the SDK's path
        (``GET /v1/responses/{id}?stream=true&starting_after=N``)."""
        owner = next(o for o, t in self.accounts.by_owner.items() if t == rec.token)
        last = rec.events[-1]["sequence_number"]
        rid = rec.response_id
        assert rid is not None
        if via_events_route:
            how = "Last-Event-ID"
            resumed = await self.stream(rid, owner, f"/v1/responses/{rid}/events", headers={"last-event-id": str(last)})
        else:
            how = "starting_after"
            resumed = await self.stream(rid, owner, f"/v1/responses/{rid}",
                                        params={"stream": "true", "starting_after": str(last)})
        return check_resume(rid, last, resumed, replay, how)

    async def chain(self, recovered: StoredTurn, after: dict[str, Any]) -> str | None:
        """A turn chained on the recovered response; returns its id (None when refused)."""
        body = {"input": script({"say": "Continuing after the restart."}, prompt="Continue where you left off."),
                "previous_response_id": recovered.response_id}
        response = await self.http.post("/v1/responses", json=body, headers=self.accounts.auth(recovered.owner_id))
        self._status(response, recovered.response_id, "chained POST")
        chained = response.json()
        if response.status_code != 200:
            self.findings.append(Finding("chain", recovered.response_id,
                                         f"chained POST answered {response.status_code}: {chained}"))
            return None
        self.findings.extend(check_chain(recovered.response_id, after.get("session_id", ""), chained))
        return chained.get("id")
