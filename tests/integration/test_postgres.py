"""PostgreSQL as the shared store: migrations, full turns, two replicas on one database, lease recovery."""

from __future__ import annotations

import secrets

import httpx
import psycopg
import pytest

from tests.conftest import ALICE, script
from tests.process import server_env, start_server_process, wait_for

pytestmark = pytest.mark.postgres
AUTH = {"authorization": f"Bearer {ALICE}"}


@pytest.fixture
def pg_database(postgres_url: str):
    """A fresh database per test, dropped afterwards."""
    name = f"ml_intern_test_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str, response_id: str) -> dict:
    return httpx.get(f"{url}/v1/responses/{response_id}", headers=AUTH, timeout=10).json()


def _event_types(url: str, response_id: str, starting_after: int = -1) -> list[dict]:
    import json

    events = []
    with httpx.stream("GET", f"{url}/v1/responses/{response_id}/events", headers=AUTH, timeout=60,
                      params={"starting_after": starting_after}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


def test_two_replicas_share_one_postgres(emulator, pg_database, tmp_path):
    env = server_env(emulator, pg_database, ML_INTERN_LEASE_SECONDS="2")
    owner = start_server_process(env, tmp_path / "owner.log")
    other = start_server_process(env, tmp_path / "other.log")
    try:
        # A full turn with tool calls on replica one, read back and streamed from replica two.
        done = httpx.post(f"{owner.url}/v1/responses", headers=AUTH, timeout=30, json={
            "input": script({"calls": [{"call": "hub_search", "arguments": {"kind": "model", "search": "bge"}}]},
                            {"say": "BAAI/bge-m3 it is.", "chunks": 4})}).json()
        assert done["status"] == "completed"
        assert _get(other.url, done["id"])["output_text"] == "BAAI/bge-m3 it is."
        events = _event_types(other.url, done["id"])
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        assert events[-1]["type"] == "response.completed"

        # A live turn on the owner, followed from the other replica while it streams.
        live = httpx.post(f"{owner.url}/v1/responses", headers=AUTH, timeout=10, json={
            "input": script({"say": "x" * 60, "chunks": 20, "delay_ms": 40}), "background": True}).json()
        followed = _event_types(other.url, live["id"])
        assert followed[-1]["type"] == "response.completed"
        assert "".join(e["delta"] for e in followed if e["type"] == "response.output_text.delta") == "x" * 60

        # The owner dies mid-turn: once its lease expires, the other replica marks the turn server_restart.
        hanging = httpx.post(f"{owner.url}/v1/responses", headers=AUTH, timeout=10, json={
            "input": script({"hang_ms": 60000}, {"say": "never"}), "background": True}).json()
        wait_for(lambda: _get(other.url, hanging["id"])["status"] == "in_progress")
        owner.kill()
        recovered = wait_for(lambda: (r := _get(other.url, hanging["id"]))["status"] == "incomplete" and r, 30)
        assert recovered["incomplete_details"] == {"reason": "server_restart"}
    finally:
        owner.stop()
        other.stop()


def test_replicas_migrating_a_fresh_database_at_once_all_succeed(pg_database):
    """Replicas of a new deployment start together: the migration lock makes one migrate while the others wait."""
    import multiprocessing

    from agent.store import migrate

    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        results = [pool.apply_async(migrate.upgrade, (pg_database,)) for _ in range(3)]
        for result in results:
            result.get(timeout=60)  # re-raises a failed migration
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_migrations_are_idempotent_on_postgres(pg_database):
    from agent.store import migrate

    migrate.upgrade(pg_database)
    migrate.upgrade(pg_database)
    with psycopg.connect(pg_database) as conn:
        tables = {row[0] for row in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'public'")}
    assert {"sessions", "responses", "events", "artifacts", "transcript", "alembic_version"} <= tables
