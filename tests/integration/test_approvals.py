"""The approval-gated budget: pause at the cap, approve with a raised cap, deny with feedback, 409s."""

from __future__ import annotations

import json

import httpx

from tests.conftest import script
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
