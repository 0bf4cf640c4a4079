"""A PostgreSQL server restart under a running replica: the replica must survive it.

While one replica streams turns, the cluster is stopped (``-m fast``: every connection is cut, as in a crash or a
failover) and started again. Checked: ``/readyz`` goes not-ready while the database is away and ready once it is
back; every turn in flight ends in a settled state with a gapless log that holds everything its client received;
no request gets a 5xx; new turns complete afterwards. The cluster is started again whatever happens.
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
from chaos.checks import Finding, check_received, sequence_gaps
from chaos.database import read_turns
from chaos.figures import PgRestartFigures
from chaos.kill_loop import Accounts, Checker
from chaos.pg_cluster import find_cluster
from chaos.workload import Client, Recording
from tests.conftest import script

KINDS = ("stream", "background", "resumed", "tool")
DOWN_SECONDS = 2.0           # how long the cluster stays stopped once the replica reports not-ready
READY_POLL_SECONDS = 0.05
SETTLE_TIMEOUT_SECONDS = 45.0


def long_answer(rng: random.Random) -> dict[str, Any]:
    """A streamed answer of ~8 s: still running when the cluster stops, and after it is back."""
    chunks = rng.randint(70, 90)
    return {"say": " ".join(f"w{i}" for i in range(chunks * 3)), "chunks": chunks, "delay_ms": 100}


class ReadyProbe:
    """Polls ``/readyz`` in the background and remembers what it saw."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.seen: list[tuple[float, int]] = []   # (monotonic time, status; 0 = no answer)
        self._task: asyncio.Task | None = None

    async def _poll(self) -> None:
        while True:
            try:
                status = (await self.http.get("/readyz", timeout=5.0)).status_code
            except httpx.HTTPError:
                status = 0
            self.seen.append((time.monotonic(), status))
            await asyncio.sleep(READY_POLL_SECONDS)  # a probe is periodic by nature, like kubelet's

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait_for(self, status: int, since: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(t >= since and s == status for t, s in self.seen):
                return True
            await asyncio.sleep(READY_POLL_SECONDS)
        return False


async def run_pg_restart(*, database_url: str, emulator_url: str, accounts: Accounts, workdir: Path,
                         rng: random.Random) -> PgRestartFigures:
    cluster = find_cluster(database_url)
    if isinstance(cluster, str):
        return PgRestartFigures(skipped=cluster)
    figures = PgRestartFigures(restart_command=cluster.describe())
    server = await asyncio.to_thread(start_server, server_env(emulator_url, database_url,
                                                              ML_INTERN_LLM_RETRY_BASE_DELAY="0.01"),
                                     workdir / "pg-restart-server.log")
    findings: list[Finding] = []
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(60.0, connect=5.0)) as http:
            probe = ReadyProbe(http)
            probe.start()
            try:
                recordings = await _restart_under_streams(http, cluster, probe, accounts, rng, figures, findings)
            finally:
                figures.cluster_restored = await asyncio.to_thread(cluster.ensure_started)
                await probe.stop()
            await _check_after(http, database_url, accounts, recordings, figures, findings)
    finally:
        figures.cluster_restored = figures.cluster_restored and await asyncio.to_thread(cluster.ensure_started)
        await asyncio.to_thread(server.stop)
    figures.add(findings)
    return figures


async def _restart_under_streams(http: httpx.AsyncClient, cluster, probe: ReadyProbe, accounts: Accounts,
                                 rng: random.Random, figures: PgRestartFigures,
                                 findings: list[Finding]) -> list[Recording]:
    clients = [Client(http, KINDS[i % len(KINDS)], token, rng, answer=long_answer)
               for i, token in enumerate(accounts.tokens)]
    tasks = [asyncio.create_task(c.run(0.0)) for c in clients]
    # Stop the cluster once every turn streams text (bounded: a turn that never starts is reported below).
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and not all(
            any(e["type"] == "response.output_text.delta" for e in c.recording.events) for c in clients):
        await asyncio.sleep(0.05)
    figures.turns_in_flight = sum(1 for c in clients if c.recording.events and not c.recording.terminal)
    stopped_at = time.monotonic()
    try:
        await asyncio.to_thread(cluster.stop)
        figures.readyz_not_ready_seen = await probe.wait_for(503, stopped_at, 30.0)
        await asyncio.sleep(DOWN_SECONDS)  # the turns keep streaming with their database away
    finally:
        await asyncio.to_thread(cluster.start)
    started_at = time.monotonic()
    figures.readyz_ready_again = await probe.wait_for(200, started_at, 60.0)
    _, pending = await asyncio.wait(tasks, timeout=SETTLE_TIMEOUT_SECONDS)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    figures.streams_cut = sum(1 for c in clients if c.recording.ended not in ("terminal", "running"))
    deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_SECONDS
    await asyncio.gather(*(c.resume_until_end(deadline) for c in clients if c.recording.ended != "running"))
    for client in clients:
        rec = client.recording
        if rec.ended != "terminal":
            findings.append(Finding("end_state", rec.response_id, f"{rec.kind} client did not reach the end "
                                                                  f"event: {rec.ended}"))
        findings.extend(Finding("client", rec.response_id, f"{rec.kind} client: {p}") for p in rec.problems)
    return [c.recording for c in clients]


async def _check_after(http: httpx.AsyncClient, database_url: str, accounts: Accounts, recordings: list[Recording],
                       figures: PgRestartFigures, findings: list[Finding]) -> None:
    check = Checker(http, accounts, findings)
    turns = await asyncio.to_thread(read_turns, database_url)
    await check.wait_settled(list(turns.values()), SETTLE_TIMEOUT_SECONDS)
    replays = dict(zip(turns, await asyncio.gather(*(check.replay(t) for t in turns.values()))))
    for rid, (replay, after) in replays.items():
        gap = sequence_gaps(replay)
        if gap:
            findings.append(Finding("gap", rid, f"replay: {gap}"))
        status = after.get("status")
        code = (after.get("error") or {}).get("code") or (after.get("incomplete_details") or {}).get("reason")
        key = f"{status}/{code}" if code else str(status)
        figures.end_states[key] = figures.end_states.get(key, 0) + 1
        if status in RUNNING_STATUSES or not replay or replay[-1]["type"] != f"response.{status}":
            findings.append(Finding("end_state", rid, f"after the restart: status {status!r}, last event "
                                                      f"{replay[-1]['type'] if replay else None!r}"))
    for rec in recordings:
        findings += [Finding("http_5xx", rec.response_id, f"{rec.kind} client got HTTP {s}")
                     for s in rec.statuses if s >= 500]
        if rec.events and rec.response_id in replays:
            replay = replays[rec.response_id][0]
            figures.events_checked += len(rec.events)
            findings += check_received(rec.response_id, rec.events, replay)
            if rec.terminal and len(rec.events) != len(replay):
                findings.append(Finding("lost", rec.response_id, f"the client resumed to the end with "
                                                                 f"{len(rec.events)} events, the log has {len(replay)}"))
    for index, token in enumerate(accounts.tokens[:3]):
        auth = {"authorization": f"Bearer {token}"}
        body = {"input": script({"say": f"After the restart {index}.", "chunks": 3}), "stream": index == 0}
        response = await http.post("/v1/responses", json=body, headers=auth)
        figures.new_turns_after += 1
        ok = response.status_code == 200 and (
            "event: response.completed" in response.text if index == 0 else response.json().get("status") == "completed")
        if not ok:
            findings.append(Finding("chain", None, f"new turn after the restart: HTTP {response.status_code} "
                                                   f"{response.text[-300:]}"))
