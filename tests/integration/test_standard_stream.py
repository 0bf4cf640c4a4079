"""The standard-only stream (``stream_events: "standard"``) over raw SSE: a view of the stored log where it is
framed — only ResponseStreamEvent types, each strictly valid, with the stored sequence numbers — chosen per
request, kept on the response for resumed streams, and overridable with ``?stream_events=``."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from agent import events as ev
from tests.integration.helpers import (
    all_events, assert_envelope, count_responses, create, nonce, poll_until, stream_events, uscript,
)
from tests.openai_wire import validate_event, validate_response

STANDARD = {"stream_events": "standard"}


def standard_view(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [shown for shown in map(ev.standard_view, events) if shown is not None]


def stored_events(client, response_id: str) -> list[dict[str, Any]]:
    """Every event of the response, extensions included, until its turn ends."""
    return stream_events(client, "GET", f"/v1/responses/{response_id}/events", params={"stream_events": "all"})


def checked(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in events:
        validate_event(event)
    return events


TURNS = {
    "tools": lambda: uscript({"call": "hub_search", "arguments": {"limit": 50}}, {"bad_arguments": "hub_search"},
                             {"say": f"Done {nonce()}.", "chunks": 3}),
    "failed": lambda: uscript({"error": 500, "times": 9}, {"say": nonce()}),
    "retried": lambda: uscript({"fault": "drop", "after_chunks": 1}, {"say": f"Again {nonce()}.", "chunks": 4}),
}


@pytest.mark.parametrize("kind", sorted(TURNS))
def test_the_standard_stream_is_the_stored_log_without_extensions(alice, kind):
    shown = checked(stream_events(alice, "POST", "/v1/responses", json={"input": TURNS[kind](), "stream": True,
                                                                          **STANDARD}))
    response_id = shown[0]["response"]["id"]
    stored = stored_events(alice, response_id)
    assert any(e["type"] in ev.EXTENSION_EVENTS for e in stored)
    assert shown == standard_view(stored)
    assert shown[-1]["type"] == ("response.failed" if kind == "failed" else "response.completed")
    assert alice.get(f"/v1/responses/{response_id}").json()["stream_events"] == "standard"


def test_a_cancelled_standard_stream_ends_with_response_failed(alice, server):
    running = create(alice, uscript({"say": f"Long {nonce()}.", "chunks": 60, "delay_ms": 50}), background=True,
                     **STANDARD)
    shown: list[dict[str, Any]] = []

    def follow() -> None:
        with server.client() as client:
            shown.extend(stream_events(client, "GET", f"/v1/responses/{running['id']}?stream=true"))

    follower = threading.Thread(target=follow)
    follower.start()
    poll_until(alice, running["id"], ("in_progress",))
    alice.post(f"/v1/responses/{running['id']}/cancel")
    follower.join(30)
    stored = stored_events(alice, running["id"])
    assert stored[-1]["type"] == "response.cancelled"
    # The same response, at the same sequence number, as the spec's failure event.
    assert shown[-1] == {"type": "response.failed", "response": stored[-1]["response"],
                         "sequence_number": stored[-1]["sequence_number"]}
    assert shown[-1]["response"]["status"] == "cancelled"
    assert checked(shown) == standard_view(stored)


def test_a_paused_standard_stream_ends_with_response_incomplete(alice):
    shown = checked(stream_events(alice, "POST", "/v1/responses", json={
        "input": uscript({"say": "after approval"}), "stream": True, "max_cost_usd": 0.0001, **STANDARD}))
    last = shown[-1]
    assert last["type"] == "response.incomplete"
    assert last["response"]["incomplete_details"] == {"reason": "approval_required"}
    assert last["response"]["pending_approval"]["actions"][0]["kind"] == "model_call"  # what approval_required said
    alice.post(f"/v1/responses/{last['response']['id']}/approvals", json={"approve": False})


def test_resumed_streams_keep_the_choice_and_the_sequence_numbers(alice):
    body = create(alice, uscript({"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
                                 {"say": f"Resumable {nonce()}.", "chunks": 3}), **STANDARD)
    rid = body["id"]
    stored = stored_events(alice, rid)
    expected = standard_view(stored)
    # Resuming after an extension event's number works too: the numbers are the stored ones.
    after = next(e["sequence_number"] for e in stored if e["type"] == ev.LLM_CALL)
    tail = [e for e in expected if e["sequence_number"] > after]
    assert tail and after not in {e["sequence_number"] for e in expected}
    assert checked(stream_events(alice, "GET", f"/v1/responses/{rid}/events",
                                 headers={"last-event-id": str(after)})) == tail
    assert stream_events(alice, "GET", f"/v1/responses/{rid}", params={"stream": "true",
                                                                         "starting_after": after}) == tail
    assert all_events(alice, rid) == expected


def test_the_default_stream_keeps_the_extensions_and_either_view_can_be_asked(alice):
    body = create(alice, uscript({"say": f"Default {nonce()}."}))
    assert body["stream_events"] == "all"
    everything = all_events(alice, body["id"])
    assert [e for e in everything if e["type"] == ev.LLM_CALL]
    assert stream_events(alice, "GET", f"/v1/responses/{body['id']}/events",
                         params={"stream_events": "standard"}) == standard_view(everything)
    validate_response(body)


def test_an_unknown_view_is_refused(alice, server):
    before = count_responses(server.database_path)
    reply = alice.post("/v1/responses", json={"input": "hi", "stream": True, "stream_events": "extensions"})
    assert_envelope(reply, 400, code="invalid_value", param="stream_events")
    assert count_responses(server.database_path) == before
    body = create(alice, uscript({"say": "ok"}))
    for path in (f"/v1/responses/{body['id']}?stream=true&stream_events=none",
                 f"/v1/responses/{body['id']}/events?stream_events=STANDARD"):
        assert_envelope(alice.get(path), 400, code="invalid_value", param="stream_events")
