"""The approval-gated budget: pause at the cap, approve with a raised cap, deny with feedback, 409s."""

from __future__ import annotations

import json

import httpx
from openai import OpenAI

from responses_api.sse import SETTLED_RETRY_MS
from tests.conftest import ALICE, script
from tests.integration.helpers import nonce
from tests.process import wait_for


def _events(client: httpx.Client, response_id: str, starting_after: int = -1) -> list[dict]:
    events = []
    with client.stream("GET", f"/v1/responses/{response_id}/events", params={"starting_after": starting_after},
                       timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


def test_cap_pauses_then_approval_with_raised_cap_completes_under_same_id(alice: httpx.Client):
    created = alice.post("/v1/responses", json={
        "input": script({"say": "Answer after approval.", "chunks": 3}), "background": True,
        "max_cost_usd": 0.0001}).json()
    first = _events(alice, created["id"])
    assert first[-1]["type"] == "response.incomplete"
    pause = next(e for e in first if e["type"] == "response.approval_required")
    assert pause["actions"][0]["kind"] == "model_call"
    assert pause["budget"]["max_cost_usd"] == 0.0001 and pause["budget"]["remaining_usd"] >= 0
    paused = alice.get(f"/v1/responses/{created['id']}").json()
    assert paused["status"] == "incomplete"
    assert paused["incomplete_details"] == {"reason": "approval_required"}
    assert paused["pending_approval"]["actions"][0]["kind"] == "model_call"

    # A new submit to the paused session is refused.
    busy = alice.post("/v1/responses", json={"input": "more", "previous_response_id": created["id"]})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "session_paused"

    # Approving without headroom re-pauses at once.
    again = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": True})
    assert again.status_code == 200
    resumed = _events(alice, created["id"], starting_after=first[-1]["sequence_number"])
    assert resumed[0]["type"] == "response.in_progress" and resumed[-1]["type"] == "response.incomplete"

    # Raising the cap resumes the same response id, continuing the same sequence.
    last = resumed[-1]["sequence_number"]
    approved = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": True, "new_max_cost_usd": 1.0})
    assert approved.status_code == 200 and approved.json()["max_cost_usd"] == 1.0
    tail = _events(alice, created["id"], starting_after=last)
    assert tail[0]["sequence_number"] == last + 1
    assert tail[-1]["type"] == "response.completed"
    final = alice.get(f"/v1/responses/{created['id']}").json()
    assert final["id"] == created["id"] and final["output_text"] == "Answer after approval."
    assert final["pending_approval"] is None

    # Nothing is pending any more.
    nothing = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": True})
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_pending_approval"


def test_deny_model_call_fails_with_feedback(alice: httpx.Client):
    created = alice.post("/v1/responses", json={"input": script({"say": "never"}), "background": True,
                                                "max_cost_usd": 0.0001}).json()
    wait_for(lambda: alice.get(f"/v1/responses/{created['id']}").json()["status"] == "incomplete")
    denied = alice.post(f"/v1/responses/{created['id']}/approvals",
                        json={"approve": False, "feedback": "too expensive"})
    assert denied.status_code == 200
    final = wait_for(lambda: (r := alice.get(f"/v1/responses/{created['id']}").json())["status"] == "failed" and r)
    assert final["error"]["type"] == "approval_denied" and "too expensive" in final["error"]["message"]
    assert final["error"]["code"] == "server_error"


def test_approval_request_validation_and_isolation(alice: httpx.Client, bob: httpx.Client):
    created = alice.post("/v1/responses", json={"input": script({"say": "x"}), "background": True,
                                                "max_cost_usd": 0.0001}).json()
    wait_for(lambda: alice.get(f"/v1/responses/{created['id']}").json()["status"] == "incomplete")
    bad = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": True, "new_max_cost_usd": 501})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "new_max_cost_usd"
    missing = alice.post(f"/v1/responses/{created['id']}/approvals", json={})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_required_parameter"
    other = bob.post(f"/v1/responses/{created['id']}/approvals", json={"approve": True})
    assert other.status_code == 404
    # Still paused: the bad requests changed nothing.
    assert alice.get(f"/v1/responses/{created['id']}").json()["status"] == "incomplete"


# ---------------------------------------------------------------- streams through a pause

RETRY_HINT = f"retry: {SETTLED_RETRY_MS}\n"


def _raw(client: httpx.Client, response_id: str, **params) -> str:
    with client.stream("GET", f"/v1/responses/{response_id}/events", params=params, timeout=60) as stream:
        assert stream.status_code == 200
        return stream.read().decode()


def _paused(client: httpx.Client, task: str) -> tuple[str, list[dict]]:
    created = client.post("/v1/responses", json={"input": task, "background": True, "max_cost_usd": 0.0001}).json()
    events = _events(client, created["id"])
    assert events[-1]["type"] == "response.incomplete"
    return created["id"], events


def test_replay_of_a_resumed_response_runs_through_its_pause_to_the_end(alice: httpx.Client):
    response_id, first = _paused(alice, script({"say": f"Resumed and done {nonce()}.", "chunks": 2}))
    pause = first[-1]["sequence_number"]
    approved = alice.post(f"/v1/responses/{response_id}/approvals", json={"approve": True, "new_max_cost_usd": 1.0})
    assert approved.status_code == 200
    tail = _events(alice, response_id, starting_after=pause)
    assert tail[-1]["type"] == "response.completed"
    # From 0, and from anywhere before the pause, the replay goes through the old response.incomplete to the end.
    for starting_after in (-1, 0, pause - 1):
        replay = _events(alice, response_id, starting_after=starting_after)
        assert [e["sequence_number"] for e in replay] == list(range(starting_after + 1, tail[-1]["sequence_number"] + 1))
        assert replay[-1]["type"] == "response.completed"
        assert [e["type"] for e in replay].count("response.incomplete") == 1
    # The SDK's path (GET /v1/responses/{id}?stream=true) too.
    with alice.stream("GET", f"/v1/responses/{response_id}", params={"stream": "true"}, timeout=60) as stream:
        types = [json.loads(line[6:])["type"] for line in stream.iter_lines() if line.startswith("data: ")]
    assert types[-1] == "response.completed" and "response.incomplete" in types


def test_replay_of_a_paused_then_cancelled_response_ends_at_the_cancel(alice: httpx.Client):
    response_id, first = _paused(alice, script({"say": "never"}))
    assert alice.post(f"/v1/responses/{response_id}/cancel").json()["status"] == "cancelled"
    replay = _events(alice, response_id)
    assert [e["type"] for e in replay[-2:]] == ["response.incomplete", "response.cancelled"]
    assert replay[:len(first)] == first


def test_a_paused_stream_ends_with_a_reconnection_hint(alice: httpx.Client):
    """While paused, a stream ends at the pause (whose frame says when to reconnect), and a stream resumed after the
    pause's event ends at once with the hint alone, so that an auto-reconnecting client waits instead of spinning."""
    response_id, first = _paused(alice, script({"say": f"later {nonce()}"}))
    raw = _raw(alice, response_id)
    frames = [block for block in raw.split("\n\n") if block.strip()]
    assert frames[-1].startswith(f"id: {first[-1]['sequence_number']}\nevent: response.incomplete\n{RETRY_HINT}")
    assert sum(RETRY_HINT in block for block in frames) == 1
    after = _raw(alice, response_id, starting_after=first[-1]["sequence_number"])
    assert after == RETRY_HINT  # no event, and no blank line: nothing an SDK's decoder would dispatch
    # The openai SDK's decoder reads such a stream as empty.
    with OpenAI(base_url=str(alice.base_url).rstrip("/") + "/v1", api_key=ALICE, max_retries=0) as sdk:
        assert list(sdk.responses.retrieve(response_id, stream=True,
                                           starting_after=first[-1]["sequence_number"])) == []
    # Still paused: nothing changed, and the hint says so for as long as it lasts.
    assert _raw(alice, response_id, starting_after=first[-1]["sequence_number"]) == RETRY_HINT
    assert alice.post(f"/v1/responses/{response_id}/cancel").status_code == 200
