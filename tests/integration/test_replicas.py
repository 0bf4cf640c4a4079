"""Two replicas on one PostgreSQL database: cancel routed to the owner through the database, streams of another
replica's turn woken by LISTEN/NOTIFY (not by polling), and the LISTEN connection surviving a kill."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import ALICE, ServerHandle, make_settings
from tests.integration.helpers import (
    SETTLED, TERMINAL_EVENTS, all_events, create, hang, parse_sse, poll_until, uscript, whoami_id, sse_lines,
)
from tests.process import wait_for
from tests.serving import serve_in_thread

pytestmark = pytest.mark.postgres


@dataclass
class Replica:
    handle: ServerHandle
    app: Any

    @property
    def replica_id(self) -> str:
        return self.app.state.service.replica_id

    def client(self) -> httpx.Client:
        return self.handle.client(ALICE)


@dataclass
class Pair:
    owner: Replica       # runs the turns
    follower: Replica    # serves streams, polls and cancels of them; its store poll is effectively off
    database_url: str


@pytest.fixture(scope="module")
def replicas(emulator, postgres_url) -> Iterator[Pair]:
    from responses_api.app import create_app

    name = f"ml_intern_replicas_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    try:
        with ExitStack() as stack:
            started = []
            # The follower polls the store only every 10 minutes (keep-alives too): whatever it delivers within
            # the test's deadlines came through NOTIFY.
            for overrides in ({}, {"store_poll_seconds": 600.0, "sse_keepalive_seconds": 600.0}):
                settings = make_settings(emulator, database_url, **overrides)
                app = create_app(settings)
                port = stack.enter_context(serve_in_thread(app, name="replica"))
                started.append(Replica(ServerHandle(f"http://127.0.0.1:{port}", settings, Path(name)), app))
            yield Pair(started[0], started[1], database_url)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row(database_url: str, response_id: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        cursor = conn.execute("SELECT status, owner_replica, cancel_requested_at FROM responses WHERE id = %s",
                              (response_id,))
        status, owner, requested = cursor.fetchone()
    return {"status": status, "owner_replica": owner, "cancel_requested_at": requested}


def _event_types(database_url: str, response_id: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [t for (t,) in conn.execute("SELECT type FROM events WHERE response_id = %s ORDER BY sequence_number",
                                           (response_id,))]


def _commit_times(database_url: str, response_id: str) -> dict[int, float]:
    with psycopg.connect(database_url) as conn:
        return dict(conn.execute("SELECT sequence_number, created_at FROM events WHERE response_id = %s",
                                 (response_id,)).fetchall())


class Follow(threading.Thread):
    """Follows a response's SSE stream in the background, recording when each event arrived."""

    def __init__(self, replica: Replica, response_id: str) -> None:
        super().__init__(daemon=True)
        self.replica, self.response_id = replica, response_id
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.opened = threading.Event()

    def run(self) -> None:
        with self.replica.client() as client, client.stream(
                "GET", f"/v1/responses/{self.response_id}/events", timeout=httpx.Timeout(30.0)) as reply:
            assert reply.status_code == 200
            for frame in parse_sse(sse_lines(reply)):
                self.arrivals.append((time.time(), frame["data"]))
                self.opened.set()
                if frame["data"]["type"] in TERMINAL_EVENTS:
                    return

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for _, event in self.arrivals]


def _streamed_live(pair: Pair, text: str) -> tuple[Follow, list[float]]:
    """A turn on the owner, followed on the follower from before its text starts; returns the follower and the
    latencies (commit → arrival on the follower's stream) of the events committed after the stream was open."""
    chunks = 20
    running = create(pair.owner.client(), uscript({"hang_ms": 400}, {"say": text, "chunks": chunks, "delay_ms": 30}),
                     background=True)
    follow = Follow(pair.follower, running["id"])
    follow.start()
    assert follow.opened.wait(10)
    opened_at = time.time()
    follow.join(15)
    assert not follow.is_alive(), "the follower's stream did not end: NOTIFY did not wake it"
    committed = _commit_times(pair.database_url, running["id"])
    latencies = [arrived - committed[event["sequence_number"]] for arrived, event in follow.arrivals
                 if committed[event["sequence_number"]] > opened_at]
    return follow, latencies


def _assert_complete_stream(follow: Follow, text: str) -> None:
    events = follow.events
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["type"] == "response.completed"
    assert "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == text


def test_cancel_sent_to_another_replica_stops_the_owners_turn(replicas):
    with replicas.owner.client() as owner, replicas.follower.client() as follower:
        running = create(owner, hang(30_000), background=True)
        poll_until(follower, running["id"], ("in_progress",))
        assert _row(replicas.database_url, running["id"])["owner_replica"] == replicas.owner.replica_id

        started = time.monotonic()
        reply = follower.post(f"/v1/responses/{running['id']}/cancel")
        assert reply.status_code == 200
        assert reply.json()["id"] == running["id"] and reply.json()["status"] in ("in_progress", "cancelled")
        final = poll_until(follower, running["id"], SETTLED, timeout=5, interval=0.01)
        elapsed = time.monotonic() - started
        print(f"\ncross-replica cancel settled in {elapsed * 1000:.1f} ms")
        assert final["status"] == "cancelled" and final["error"] is None
        assert elapsed < 1.0, f"cross-replica cancel took {elapsed:.3f}s"

        events = all_events(follower, running["id"])
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        assert events[-1]["type"] == "response.cancelled"
        assert _row(replicas.database_url, running["id"])["cancel_requested_at"] is None  # consumed with the run
        # Idempotent, on either replica: 200 and the unchanged object.
        assert follower.post(f"/v1/responses/{running['id']}/cancel").json() == final
        assert owner.post(f"/v1/responses/{running['id']}/cancel").json() == final
        # The owner's runtime is free again: the session takes its next turn.
        follow_up = create(owner, uscript({"say": "after a remote cancel"}), previous_response_id=running["id"])
        assert follow_up["status"] == "completed"


def test_a_cancel_request_whose_notify_is_lost_is_found_by_the_owners_poll(replicas):
    with replicas.owner.client() as owner:
        running = create(owner, hang(30_000), background=True)
        poll_until(owner, running["id"], ("in_progress",))
        # The request as another replica records it, minus the NOTIFY.
        with psycopg.connect(replicas.database_url) as conn:
            conn.execute("UPDATE responses SET cancel_requested_at = extract(epoch from now()) WHERE id = %s",
                         (running["id"],))
        final = poll_until(owner, running["id"], SETTLED, timeout=5, interval=0.02)
        assert final["status"] == "cancelled"


def _dead_owners_turn(database_url: str, owner_id: str, *, cancel_requested: bool) -> str:
    """A running turn whose owner died: its lease expired and no replica by that id exists."""
    from agent import events as ev
    from agent.models import ResponseObject, new_id
    from agent.store.store import Store
    from agent.store.tables import ResponseRow, SessionRow

    async def insert() -> str:
        store = Store.connect(database_url)
        try:
            now = time.time()
            response_id = new_id("resp")
            session = SessionRow(id=new_id("sess"), owner_id=owner_id, owner_name="alice", max_cost_usd=5.0,
                                 model="moonshotai/Kimi-K2.6:novita", head_response_id=response_id,
                                 created_at=now, updated_at=now)
            snapshot = ResponseObject(id=response_id, created_at=int(now), model=session.model, status="in_progress",
                                      session_id=session.id)
            row = ResponseRow(id=response_id, session_id=session.id, owner_id=owner_id, status="in_progress",
                              last_sequence=1, snapshot=snapshot.public(), owner_replica="replica_gone",
                              lease_expires_at=now - 1, cancel_requested_at=now - 2 if cancel_requested else None,
                              created_at=now, updated_at=now)
            events = [ev.snapshot_event(ev.CREATED, snapshot) | {"sequence_number": 0},
                      ev.snapshot_event(ev.IN_PROGRESS, snapshot) | {"sequence_number": 1}]
            assert await store.create_response(row, events, new_session=session)
            return response_id
        finally:
            await store.close()

    return asyncio.run(insert())


def test_cancel_of_a_dead_owners_turn_settles_it_directly(replicas, emulator):
    response_id = _dead_owners_turn(replicas.database_url, whoami_id(emulator, ALICE), cancel_requested=False)
    with replicas.follower.client() as follower:
        reply = follower.post(f"/v1/responses/{response_id}/cancel")
        assert reply.status_code == 200
        assert reply.json()["status"] == "cancelled" and reply.json()["error"] is None
        assert follower.get(f"/v1/responses/{response_id}").json() == reply.json()
    # Settled by the cancelling replica itself, in the same request (the replicas' recovery passes run every
    # 10 s; had one come first, the log would hold an incomplete before the cancelled).
    assert _event_types(replicas.database_url, response_id)[-1] == "response.cancelled"
    assert _row(replicas.database_url, response_id)["owner_replica"] is None


def test_a_dead_owners_turn_with_a_cancel_request_is_recovered_as_cancelled(replicas, emulator):
    from responses_api.app import create_app

    response_id = _dead_owners_turn(replicas.database_url, whoami_id(emulator, ALICE), cancel_requested=True)
    # A replica starting up recovers the dead owner's turns: this one was asked to cancel, so it is cancelled
    # rather than left incomplete (server_restart).
    settings = make_settings(emulator, replicas.database_url)
    with serve_in_thread(create_app(settings), name="replica") as port:
        with ServerHandle(f"http://127.0.0.1:{port}", settings, Path("pg")).client(ALICE) as client:
            final = client.get(f"/v1/responses/{response_id}").json()
    assert final["status"] == "cancelled" and final["incomplete_details"] is None
    assert _event_types(replicas.database_url, response_id)[-1] == "response.cancelled"
    assert _row(replicas.database_url, response_id)["cancel_requested_at"] is None


def test_a_stream_on_another_replica_is_woken_by_notify(replicas):
    text = "".join(f"w{i:02d} " for i in range(20))
    follow, latencies = _streamed_live(replicas, text)
    _assert_complete_stream(follow, text)
    # The follower polls every 600 s: the events committed while its stream was open arrived by NOTIFY.
    assert len(latencies) >= 15, latencies
    latencies.sort()
    print(f"\ncross-replica delivery: median {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms over {len(latencies)} events")
    assert latencies[-1] < 0.5, latencies


def _listen_pid(database_url: str, replica_id: str) -> int | None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        found = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                             (f"ml-intern-listen {replica_id}",)).fetchone()
    return found[0] if found else None


def test_streams_survive_the_listen_connection_being_killed(replicas):
    listener = replicas.follower.app.state.service.listener
    before = listener.connections
    pid = _listen_pid(replicas.database_url, replicas.follower.replica_id)
    assert pid is not None and listener.connected.is_set()

    # The LISTEN backend is killed while a stream is open, and cannot come back for now (its reconnects fail):
    # the stream goes on by polling the store.
    conninfo, listener._conninfo = listener._conninfo, "postgresql://postgres@127.0.0.1:1/unreachable"
    try:
        text = "".join(f"k{i:02d} " for i in range(20))
        running = create(replicas.owner.client(),
                         uscript({"hang_ms": 300}, {"say": text, "chunks": 20, "delay_ms": 30}), background=True)
        follow = Follow(replicas.follower, running["id"])
        follow.start()
        assert follow.opened.wait(10)
        with psycopg.connect(replicas.database_url, autocommit=True) as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        follow.join(15)
        assert not follow.is_alive()
        _assert_complete_stream(follow, text)
        assert not listener.connected.is_set() and listener.connections == before
    finally:
        listener._conninfo = conninfo

    # The listener reconnects (a new backend, with backoff) and NOTIFY wakes streams again.
    wait_for(lambda: listener.connections > before, 10)
    new_pid = wait_for(lambda: _listen_pid(replicas.database_url, replicas.follower.replica_id), 10)
    assert new_pid != pid
    text = "".join(f"r{i:02d} " for i in range(20))
    follow, latencies = _streamed_live(replicas, text)
    _assert_complete_stream(follow, text)
    assert latencies and max(latencies) < 0.5, latencies


def test_concurrent_submits_on_two_replicas_respect_the_live_session_limit(replicas):
    limit = replicas.owner.handle.settings.max_live_sessions_per_account
    with replicas.owner.client() as client:
        assert client.get("/v1/responses/resp_" + "0" * 32).status_code == 404  # warm the identity caches
    with replicas.follower.client() as client:
        assert client.get("/v1/responses/resp_" + "0" * 32).status_code == 404
    attempts = limit + 6
    barrier = threading.Barrier(attempts)
    replies: list[httpx.Response] = []

    def submit(replica: Replica) -> None:
        with replica.client() as client:
            barrier.wait()
            replies.append(client.post("/v1/responses", json={"input": hang(30_000), "background": True}))

    threads = [threading.Thread(target=submit, args=(replicas.owner if i % 2 else replicas.follower,))
               for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    accepted = [r.json()["id"] for r in replies if r.status_code == 200]
    try:
        assert sorted(r.status_code for r in replies) == [200] * limit + [429] * (attempts - limit)
        assert {r.json()["error"]["code"] for r in replies if r.status_code == 429} == {"too_many_live_sessions"}
    finally:
        with replicas.follower.client() as client:
            for response_id in accepted:
                client.post(f"/v1/responses/{response_id}/cancel")
            for response_id in accepted:
                assert poll_until(client, response_id, SETTLED, timeout=10)["status"] == "cancelled"


def test_a_deletion_reaches_the_other_replicas_cache_of_settled_responses(replicas):
    with replicas.owner.client() as owner, replicas.follower.client() as follower:
        done = create(owner, uscript({"say": "cached on both"}))
        for _ in range(2):  # the follower now serves it from its cache of settled responses
            assert follower.get(f"/v1/responses/{done['id']}").status_code == 200
        assert done["id"] in replicas.follower.app.state.service.settled._entries
        assert owner.delete(f"/v1/responses/{done['id']}").status_code == 200
        # The deleting replica NOTIFYs: the follower drops it (its store poll is off: only NOTIFY can do this).
        wait_for(lambda: follower.get(f"/v1/responses/{done['id']}").status_code == 404, 5)
