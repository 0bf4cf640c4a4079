"""POST /v1/responses/{id}/cancel: asynchronous, idempotent, owner-only."""

from __future__ import annotations

import threading

from tests.integration.helpers import (
    acting, all_events, assert_envelope, chat_requests, create, hang, poll_until, settle, stream_events, uscript,
)


def test_cancel_a_running_turn(alice, server):
    running = create(alice, hang(), background=True)
    # A live stream follows the turn and must end with response.cancelled.
    collected: list[dict] = []

    def follow():
        with server.client() as client:
            collected.extend(stream_events(client, "GET", f"/v1/responses/{running['id']}/events"))

    follower = threading.Thread(target=follow)
    follower.start()
    poll_until(alice, running["id"], ("in_progress",))

    reply = alice.post(f"/v1/responses/{running['id']}/cancel")
    assert reply.status_code == 200
    snapshot = reply.json()
    assert snapshot["id"] == running["id"] and snapshot["object"] == "response"
    assert snapshot["status"] in ("in_progress", "cancelled")

    follower.join(15)
    assert not follower.is_alive()
    assert collected[-1]["type"] == "response.cancelled"
    assert [e["sequence_number"] for e in collected] == list(range(len(collected)))
    final = alice.get(f"/v1/responses/{running['id']}").json()
    assert final["status"] == "cancelled"
    assert final["error"] is None and final["completed_at"] is None  # set only on a completed response
    assert collected[-1]["response"]["status"] == "cancelled"

    # Cancelling again is idempotent: 200 and the unchanged object.
    again = alice.post(f"/v1/responses/{running['id']}/cancel")
    assert again.status_code == 200
    assert again.json() == final
    # A replayed stream of the cancelled response ends the same way.
    assert all_events(alice, running["id"]) == collected


def test_cancel_of_a_completed_response_returns_it_unchanged(alice):
    done = create(alice, uscript({"say": "finished"}))
    assert done["status"] == "completed"
    reply = alice.post(f"/v1/responses/{done['id']}/cancel")
    assert reply.status_code == 200
    assert reply.json() == alice.get(f"/v1/responses/{done['id']}").json() == done


def test_a_cancelled_session_accepts_the_next_turn(alice):
    running = create(alice, hang(), background=True)
    poll_until(alice, running["id"], ("in_progress",))
    alice.post(f"/v1/responses/{running['id']}/cancel")
    assert poll_until(alice, running["id"])["status"] == "cancelled"
    follow = create(alice, uscript({"say": "after cancel"}), previous_response_id=running["id"])
    assert follow["status"] == "completed" and follow["session_id"] == running["session_id"]


def test_cancel_after_tool_calls_settles_cancelled_and_the_next_turn_runs(alice, emulator):
    # The first model call asks for a tool; the second model call hangs: cancel lands there.
    running = create(alice, uscript({"call": "hub_search", "arguments": {"search": "bert", "limit": 1}},
                                    {"hang_ms": 30_000}, {"say": "never"}), background=True)
    stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                  until=lambda e: e["type"] == "response.output_item.done" and e["item"]["type"] == "mcp_call")
    assert alice.post(f"/v1/responses/{running['id']}/cancel").status_code == 200
    final = settle(alice, running["id"])
    assert final["status"] == "cancelled"
    assert [(i["type"], i["status"]) for i in final["output"]] == [("reasoning", "completed"),
                                                                   ("mcp_call", "completed")]
    follow = create(alice, uscript({"say": "next"}), previous_response_id=running["id"])
    assert follow["status"] == "completed"
    # The next turn's history holds the completed tool call with its result.
    messages = chat_requests(emulator, running["session_id"])[-1]["json"]["messages"]
    tool = [m for m in messages if m["role"] == "tool"]
    assert len(tool) == 1 and tool[0]["content"] == final["output"][1]["output"]


def test_cancel_of_another_accounts_response_is_404(alice, bob, cancel_later):
    bobs = create(bob, hang(), background=True)
    cancel_later(bobs["id"], token="hf_emu_bob")
    reply = alice.post(f"/v1/responses/{bobs['id']}/cancel")
    error = assert_envelope(reply, 404, code="response_not_found")
    unknown = alice.post(f"/v1/responses/resp_{'2' * 32}/cancel")
    assert error["message"] == unknown.json()["error"]["message"].replace("2" * 32, bobs["id"][5:])
    # Bob's turn is untouched.
    assert bob.get(f"/v1/responses/{bobs['id']}").json()["status"] in ("queued", "in_progress")


def test_cancel_of_an_unknown_response_is_404(alice):
    assert_envelope(alice.post("/v1/responses/resp_nope/cancel"), 404, code="response_not_found")


def test_cancelled_turn_keeps_its_partial_output_marked_incomplete(alice):
    running = create(alice, uscript({"say": "partial answer " * 10, "chunks": 40, "delay_ms": 100}),
                     background=True)
    events = stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                           until=lambda e: e["type"] == "response.output_text.delta")
    assert events[-1]["type"] == "response.output_text.delta"
    alice.post(f"/v1/responses/{running['id']}/cancel")
    final = settle(alice, running["id"])
    assert final["status"] == "cancelled"
    [message] = acting(final["output"])
    assert message["status"] == "incomplete"
    assert 0 < len(message["content"][0]["text"]) < len("partial answer " * 10)
