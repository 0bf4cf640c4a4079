"""Every Response object and every standard stream event validates strictly against openai-python's types (the
reference for the current spec; tests/openai_wire.py): one turn of each kind, then every event and response the
integration tests stored on the shared server. The file sorts last in tests/integration on purpose."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx

from agent import events as ev
from tests.integration.helpers import (
    all_events, create, hang, nonce, poll_until, uscript,
)
from tests.openai_wire import STANDARD_EVENT_TYPES, validate_event, validate_response


def check_log(events: list[dict[str, Any]]) -> None:
    for event in events:
        if event["type"] in STANDARD_EVENT_TYPES:
            validate_event(event)
        else:
            assert event["type"] in ev.EXTENSION_EVENTS, event["type"]


def turn_kinds(client: httpx.Client) -> list[str]:
    """One response of each kind; returns their ids once settled."""
    tag = nonce()
    ids = [
        create(client, uscript({"say": f"Plain answer {tag}."}))["id"],
        # a successful and a failed tool call
        create(client, uscript({"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
                               {"bad_arguments": "hub_search"}, {"say": "Tools done."}))["id"],
        # a failed turn: the model errs on every attempt
        create(client, uscript({"error": 500, "times": 9}, {"say": f"never {tag}"}))["id"],
        # a retried attempt whose streamed items are discarded
        create(client, uscript({"fault": "drop", "after_chunks": 1}, {"say": f"Second try {tag}.", "chunks": 4}))["id"],
    ]
    # a paused turn (the cap is below a model call's estimate), then denied
    paused = client.post("/v1/responses", json={"input": uscript({"say": "after approval"}), "background": True,
                                                "max_cost_usd": 0.0001}).json()
    poll_until(client, paused["id"], ("incomplete",))
    ids.append(paused["id"])
    # a cancelled turn
    running = create(client, hang(), background=True)
    poll_until(client, running["id"], ("in_progress",))
    client.post(f"/v1/responses/{running['id']}/cancel")
    poll_until(client, running["id"], ("cancelled",))
    ids.append(running["id"])
    return ids


def test_each_turn_kind_validates_strictly(alice):
    for response_id in turn_kinds(alice):
        check_log(all_events(alice, response_id))
        validate_response(alice.get(f"/v1/responses/{response_id}").json())


def test_every_stored_event_and_response_validates(server, alice):
    turn_kinds(alice)  # never vacuous, even alone
    connection = sqlite3.connect(f"file:{server.database_path}?mode=ro", uri=True, timeout=30)
    try:
        snapshots = [row[0] for row in connection.execute("SELECT snapshot FROM responses")]
        events = [row[0] for row in connection.execute("SELECT data FROM events")]
    finally:
        connection.close()
    import orjson

    for snapshot in snapshots:
        validate_response(orjson.loads(snapshot))
    check_log([orjson.loads(payload) for payload in events])
