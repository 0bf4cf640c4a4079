"""previous_response_id: one session across turns, the history the model sees, and the one-turn-at-a-time rule."""

from __future__ import annotations

import threading

from tests.integration.helpers import (
    acting, assert_envelope, chat_requests, count_responses, create, hang, nonce, settle, uscript,
)


def test_chained_turn_reuses_the_session_and_the_model_sees_the_history(alice, emulator):
    first_task = uscript({"say": "Turn one recommends BAAI/bge-m3."})
    first = create(alice, first_task, background=True, max_cost_usd=2.0)
    first = settle(alice, first["id"])
    assert first["status"] == "completed"

    second = create(alice, uscript({"say": "Here is the code."}), previous_response_id=first["id"],
                    instructions="Reuse the recommendation.")
    assert second["status"] == "completed"
    assert second["session_id"] == first["session_id"]
    assert second["previous_response_id"] == first["id"]
    assert second["max_cost_usd"] == 2.0  # the session's cap carries over when not given

    requests = chat_requests(emulator, first["session_id"])
    assert len(requests) == 2
    messages = requests[1]["json"]["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == first_task
    assert messages[2]["content"] == "Turn one recommends BAAI/bge-m3."
    assert messages[3]["content"].startswith("Reuse the recommendation.\n\n")


def test_chained_history_includes_tool_calls_and_results(alice, emulator):
    first = create(alice, uscript({"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
                                  {"say": "Checked."}))
    second = create(alice, "And now?", previous_response_id=first["id"])
    assert second["status"] == "completed"
    messages = chat_requests(emulator, first["session_id"])[-1]["json"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert messages[2]["tool_calls"][0]["function"]["name"] == "hub_repo_details"
    assert messages[3]["tool_call_id"] == messages[2]["tool_calls"][0]["id"]
    assert messages[3]["content"] == acting(first["output"])[0]["output"]


def test_three_turn_chain_accumulates_history(alice, emulator):
    one = create(alice, uscript({"say": "one"}))
    two = create(alice, uscript({"say": "two"}), previous_response_id=one["id"])
    three = create(alice, uscript({"say": "three"}), previous_response_id=two["id"])
    assert one["session_id"] == two["session_id"] == three["session_id"]
    messages = chat_requests(emulator, one["session_id"])[-1]["json"]["messages"]
    assert [m["content"] for m in messages if m["role"] == "assistant"] == ["one", "two"]


def test_model_is_ignored_when_chaining(alice, emulator):
    first = create(alice, uscript({"say": "first"}), model="openai/gpt-oss-120b:cerebras")
    assert first["model"] == "openai/gpt-oss-120b:cerebras"
    second = create(alice, uscript({"say": "second"}), previous_response_id=first["id"],
                    model="moonshotai/Kimi-K2.6:novita")
    assert second["model"] == "openai/gpt-oss-120b:cerebras"
    assert [r["json"]["model"] for r in chat_requests(emulator, first["session_id"])] == [
        "openai/gpt-oss-120b:cerebras"] * 2


def test_latest_max_cost_replaces_the_session_cap(alice):
    first = create(alice, uscript({"say": "a"}), max_cost_usd=1.5)
    second = create(alice, uscript({"say": "b"}), previous_response_id=first["id"], max_cost_usd=7.0)
    third = create(alice, uscript({"say": "c"}), previous_response_id=second["id"])
    assert (first["max_cost_usd"], second["max_cost_usd"], third["max_cost_usd"]) == (1.5, 7.0, 7.0)
    # Spend is cumulative per session.
    costs = [r["usage"]["cost_usd"] for r in (first, second, third)]
    assert all(c > 0 for c in costs)
    assert abs(third["usage"]["session_cost_usd"] - sum(costs)) < 1e-5


def test_chaining_while_the_session_runs_is_409_and_not_retryable(alice, server, cancel_later):
    running = create(alice, hang(), background=True)
    cancel_later(running["id"])
    before = count_responses(server.database_path)
    reply = alice.post("/v1/responses", json={"input": "next", "previous_response_id": running["id"]})
    error = assert_envelope(reply, 409, code="session_busy", param="previous_response_id")
    assert "processing" in error["message"]
    assert reply.headers["x-should-retry"] == "false"
    assert count_responses(server.database_path) == before


def test_concurrent_chained_submits_only_one_wins(alice, server, cancel_later):
    base = create(alice, uscript({"say": "base"}))
    replies = []

    def submit():
        with server.client() as client:
            replies.append(client.post("/v1/responses", json={
                "input": uscript({"hang_ms": 30_000}, {"say": "x"}), "previous_response_id": base["id"],
                "background": True}))

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 409, 409]
    winner = next(r.json() for r in replies if r.status_code == 200)
    cancel_later(winner["id"])
    assert winner["session_id"] == base["session_id"]


def test_chaining_to_an_unknown_id_is_404(alice):
    missing = f"resp_{'0' * 32}"
    reply = alice.post("/v1/responses", json={"input": "x", "previous_response_id": missing})
    # ``param`` names the request field that carried the id, as for any other bad field.
    error = assert_envelope(reply, 404, code="response_not_found", param="previous_response_id")
    assert missing in error["message"]


def test_chaining_to_another_accounts_response_is_404(alice, bob):
    bobs = create(bob, uscript({"say": f"bob {nonce()}"}))
    reply = alice.post("/v1/responses", json={"input": "x", "previous_response_id": bobs["id"]})
    error = assert_envelope(reply, 404, code="response_not_found", param="previous_response_id")
    unknown = alice.post("/v1/responses", json={"input": "x", "previous_response_id": f"resp_{'1' * 32}"}).json()
    assert error["message"] == unknown["error"]["message"].replace("1" * 32, bobs["id"][5:])


def test_chaining_to_a_malformed_id_is_400(alice):
    reply = alice.post("/v1/responses", json={"input": "x", "previous_response_id": "not-an-id"})
    assert_envelope(reply, 400, param="previous_response_id")


def test_a_failed_turn_can_be_continued(alice):
    failed = create(alice, uscript({"error": 500, "times": 10}, {"say": nonce()}))
    assert failed["status"] == "failed"
    follow = create(alice, uscript({"say": "continued"}), previous_response_id=failed["id"])
    assert follow["status"] == "completed" and follow["session_id"] == failed["session_id"]
