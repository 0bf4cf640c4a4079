"""Money across restarts and approvals, end to end against a real server process (kill -9, then a new process on the
same SQLite file) and the emulator's HF Jobs:

- a server killed while a turn waits on an HF Job it launched: the response reads incomplete/server_restart, the job
  artifact stays listed once, the job keeps running (never cancelled), and the session goes on;
- a turn paused on approval before a costly job launch survives a kill -9 unchanged and is approved on the new
  process, continuing the same response id and the same gapless event sequence;
- denying a paused tool batch over HTTP: nothing in the batch runs, the model reads the caller's feedback, the turn
  completes;
- cancelling a turn over HTTP while it waits on its job settles the turn and leaves the job running.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.tools.jobs.launch import SESSION_LABEL, session_label
from tests.conftest import ALICE, script
from tests.integration.helpers import chat_requests, emulator_requests, nonce, stream_events
from tests.process import ServerProcess, server_env, start_server_process

AUTH = {"authorization": f"Bearer {ALICE}"}
JOB_ID_FROM_TOOL = {"$from_tool": "Job launched: ([0-9a-f]+)"}


@contextmanager
def _client(process: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=process.url, headers=AUTH, timeout=30.0) as client:
        yield client


def _uv_script(seconds: int, tag: str) -> str:
    """An inline uv script; the emulator reads its EMULATOR_JOB_* directives from the (base64) script source. The
    emulator spreads a job's log lines evenly over its run: one extra line per second keeps a log line coming about
    every second however long the job runs."""
    return (f"# /// script\n# dependencies = [\"transformers\"]\n# ///\n"
            f"# EMULATOR_JOB_SECONDS={seconds} EMULATOR_JOB_LOG_LINES={seconds}\nprint('training run {tag}')\n")


def _job(emulator: Any, job_id: str) -> dict[str, Any]:
    """The job as the Hub reports it to its owner."""
    reply = httpx.get(f"{emulator.url}/api/jobs/alice/{job_id}", headers=AUTH, timeout=10)
    reply.raise_for_status()
    return reply.json()


def _session_jobs(emulator: Any, session_id: str) -> list[dict[str, Any]]:
    """Every job launched for a session (the server labels jobs with their session)."""
    reply = httpx.get(f"{emulator.url}/api/jobs/alice", headers=AUTH, timeout=10,
                      params={"label": f"{SESSION_LABEL}={session_label(session_id)}"})
    reply.raise_for_status()
    return reply.json()


def _whole_log(client: httpx.Client, response_id: str) -> list[dict[str, Any]]:
    """Every stored event of a response. A stream ends at each pause (response.incomplete), so follow it with
    starting_after until it has nothing more."""
    events: list[dict[str, Any]] = []
    while True:
        after = events[-1]["sequence_number"] if events else -1
        more = stream_events(client, "GET", f"/v1/responses/{response_id}/events", params={"starting_after": after})
        if not more:
            return events
        events += more


def _assert_gapless(events: list[dict[str, Any]]) -> None:
    assert [e["sequence_number"] for e in events] == list(range(len(events))), [
        (e["sequence_number"], e["type"]) for e in events]


def _hf_jobs(artifacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in artifacts if a["type"] == "hf_job"]


# ---------------------------------------------------------------------------------------------------------- 1



def _events_until_the_wait_logs(client: httpx.Client, response_id: str) -> list[dict[str, Any]]:
    """The response's events up to the first job log line streamed by its hf_job_wait (the wait is in progress)."""
    wait_item: dict[str, str] = {}

    def waiting(event: dict[str, Any]) -> bool:
        if event["type"] == "response.output_item.added" and event["item"].get("name") == "hf_job_wait":
            wait_item["id"] = event["item"]["id"]
        return event["type"] == "response.tool_log" and event["item_id"] == wait_item.get("id")

    return stream_events(client, "GET", f"/v1/responses/{response_id}/events", until=waiting)

def test_kill_while_waiting_on_a_job_keeps_the_job_running_and_listed_once(emulator, tmp_path: Path):
    tag = nonce()
    steps = [
        {"say": "Launching the training job.", "calls": [{"call": "hf_job_run_uv", "arguments": {
            "script": _uv_script(1800, tag), "flavor": "cpu-basic", "timeout_seconds": 3600}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": JOB_ID_FROM_TOOL, "max_wait_seconds": 3600}},
        {"say": "never reached: the server dies during the wait"},
    ]
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite")
    first = start_server_process(env, tmp_path / "first.log")
    try:
        with _client(first) as client:
            created = client.post("/v1/responses", json={
                "input": script(*steps, prompt=f"Train a model {tag}."), "background": True}).json()
            response_id, session_id = created["id"], created["session_id"]
            before = _events_until_the_wait_logs(client, response_id)
    finally:
        first.kill()

    # The job was recorded as an artifact the moment it existed, before the wait began.
    kinds = [e["type"] for e in before]
    recorded = [e for e in before if e["type"] == "response.artifact.created" and e["artifact"]["type"] == "hf_job"]
    assert len(recorded) == 1, kinds
    job_id = recorded[0]["artifact"]["id"]
    assert kinds.index("response.artifact.created") < next(
        i for i, e in enumerate(before) if e["type"] == "response.output_item.added"
        and e["item"].get("name") == "hf_job_wait")
    assert _job(emulator, job_id)["status"]["stage"] == "RUNNING"

    second = start_server_process(env, tmp_path / "second.log")
    try:
        with _client(second) as client:
            after = client.get(f"/v1/responses/{response_id}").json()
            assert after["status"] == "incomplete", after
            assert after["incomplete_details"] == {"reason": "server_restart"}
            assert after["pending_approval"] is None
            jobs = _hf_jobs(after["artifacts"])
            assert len(jobs) == 1 and jobs[0]["id"] == job_id
            assert jobs[0]["url"].endswith(f"/jobs/alice/{job_id}")
            listed = client.get(f"/v1/responses/{response_id}/artifacts").json()["data"]
            assert [a for a in listed if a["type"] == "hf_job"] == jobs
            assert len(listed) == len({(a["type"], a["url"]) for a in listed}), listed
            # The launch completed; the interrupted wait stays in the output as it was.
            calls = {i["name"]: i for i in after["output"] if i["type"] == "mcp_call"}
            assert calls["hf_job_run_uv"]["status"] == "completed"
            assert f"Job launched: {job_id}" in calls["hf_job_run_uv"]["output"]
            assert "hf_job_wait" in calls

            # The replayed log keeps what the first process committed, then ends with the restart marker.
            replay = stream_events(client, "GET", f"/v1/responses/{response_id}/events")
            _assert_gapless(replay)
            assert replay[-1]["type"] == "response.incomplete"
            committed = {e["sequence_number"]: e["type"] for e in before}
            assert all(committed[e["sequence_number"]] == e["type"]
                       for e in replay if e["sequence_number"] in committed)

            # Neither the crash nor the recovery touched the job: it still runs and nobody asked to cancel it.
            assert _job(emulator, job_id)["status"]["stage"] == "RUNNING"
            assert not [r for r in emulator_requests(emulator, "/api/jobs/") if r["path"].endswith("/cancel")
                        and job_id in r["path"]]
            assert [j["id"] for j in _session_jobs(emulator, session_id)] == [job_id]

            # The session goes on: a chained turn looks the job up again (it reads RUNNING) and answers.
            follow = client.post("/v1/responses", json={
                "input": script({"call": "hf_job_inspect", "arguments": {"job_id": job_id}},
                                {"say": "The job is still running."}, prompt="Is my job still going?"),
                "previous_response_id": response_id}).json()
            assert follow["status"] == "completed", follow
            assert follow["session_id"] == session_id
            assert follow["output_text"] == "The job is still running."
            # The job's estimate (cpu-basic x 1 h) was charged to the session before the crash and still counts
            # against its budget.
            charged = sum(e["cost_usd"] for e in replay if e["type"] == "response.action_cost")
            assert charged == pytest.approx(0.01, rel=1e-2), [e for e in replay if e["type"] == "response.action_cost"]
            assert follow["usage"]["session_cost_usd"] >= after["usage"]["session_cost_usd"] >= charged
            inspect = next(i for i in follow["output"] if i["type"] == "mcp_call")
            assert inspect["status"] == "completed" and "RUNNING" in inspect["output"], inspect
            # The model saw the interrupted wait answered (history patched), and the job is still untouched.
            messages = chat_requests(emulator, session_id)[-1]["json"]["messages"]
            assert any(m.get("role") == "tool" and "interrupted" in (m.get("content") or "") for m in messages)
            assert _job(emulator, job_id)["status"]["stage"] == "RUNNING"
            assert [j["id"] for j in _session_jobs(emulator, session_id)] == [job_id]
            # The first response still lists its job exactly once.
            assert _hf_jobs(client.get(f"/v1/responses/{response_id}").json()["artifacts"]) == jobs
    finally:
        second.stop()
    assert _job(emulator, job_id)["status"]["stage"] == "RUNNING"  # a graceful stop does not cancel it either


# ---------------------------------------------------------------------------------------------------------- 2


def test_pending_approval_survives_kill_and_is_approved_on_the_new_process(emulator, tmp_path: Path):
    tag = nonce()
    steps = [
        {"say": "This needs a GPU job.", "calls": [{"call": "hf_job_run", "arguments": {
            "image": "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel", "command": ["python", "-c", f"print('{tag}')"],
            "flavor": "a10g-large", "timeout_seconds": 3600, "env": {"EMULATOR_JOB_SECONDS": "1"}}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": JOB_ID_FROM_TOOL, "max_wait_seconds": 60}},
        {"say": f"Training {tag} finished."},
    ]
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite")
    first = start_server_process(env, tmp_path / "first.log")
    try:
        with _client(first) as client:
            # 5 cents covers the model calls, not an hour of A10G (1.50 USD).
            created = client.post("/v1/responses", json={
                "input": script(*steps, prompt=f"Fine-tune on a GPU {tag}."), "background": True,
                "max_cost_usd": 0.05}).json()
            response_id, session_id = created["id"], created["session_id"]
            before = stream_events(client, "GET", f"/v1/responses/{response_id}/events")
            paused = client.get(f"/v1/responses/{response_id}").json()
    finally:
        first.kill()

    assert before[-1]["type"] == "response.incomplete", [e["type"] for e in before]
    _assert_gapless(before)
    pause = next(e for e in before if e["type"] == "response.approval_required")
    [action] = pause["actions"]
    assert action["kind"] == "tool_call" and action["tool"] == "hf_job_run"
    assert action["estimate_usd"] == pytest.approx(1.5, rel=1e-4)
    assert action["estimate_usd"] > pause["budget"]["remaining_usd"]
    assert pause["budget"]["max_cost_usd"] == 0.05
    assert paused["status"] == "incomplete" and paused["incomplete_details"] == {"reason": "approval_required"}
    assert _session_jobs(emulator, session_id) == []  # nothing launched before the approval

    second = start_server_process(env, tmp_path / "second.log")
    try:
        with _client(second) as client:
            # The pause is not a running turn: the restart leaves it exactly as it was, pending actions included.
            after = client.get(f"/v1/responses/{response_id}").json()
            assert after["status"] == "incomplete"
            assert after["incomplete_details"] == {"reason": "approval_required"}
            assert after["pending_approval"] == paused["pending_approval"]
            assert after["pending_approval"]["actions"] == pause["actions"]
            assert after == paused
            replay = stream_events(client, "GET", f"/v1/responses/{response_id}/events")
            assert replay == before  # no server_restart event appended
            busy = client.post("/v1/responses", json={"input": "more", "previous_response_id": response_id})
            assert busy.status_code == 409 and busy.json()["error"]["code"] == "session_paused"

            # Approving on the new process resumes the same response id, continuing the same sequence.
            last = before[-1]["sequence_number"]
            approved = client.post(f"/v1/responses/{response_id}/approvals",
                                   json={"approve": True, "new_max_cost_usd": 5.0})
            assert approved.status_code == 200, approved.text
            assert approved.json()["id"] == response_id and approved.json()["max_cost_usd"] == 5.0
            tail = stream_events(client, "GET", f"/v1/responses/{response_id}/events",
                                 params={"starting_after": last}, timeout=httpx.Timeout(30.0, read=90.0))
            assert tail[0]["sequence_number"] == last + 1 and tail[0]["type"] == "response.in_progress"
            assert tail[-1]["type"] == "response.completed", [e["type"] for e in tail]
            everything = _whole_log(client, response_id)
            _assert_gapless(everything)
            assert everything == before + tail

            final = client.get(f"/v1/responses/{response_id}").json()
            assert final["id"] == response_id and final["status"] == "completed"
            assert final["pending_approval"] is None and final["incomplete_details"] is None
            assert final["output_text"].endswith(f"Training {tag} finished.")
            calls = [i for i in final["output"] if i["type"] == "mcp_call"]
            assert [c["name"] for c in calls] == ["hf_job_run", "hf_job_wait"]
            assert all(c["status"] == "completed" for c in calls), calls
            assert "COMPLETED" in calls[1]["output"]
            # One job, launched once (after the approval), listed once.
            [job] = _session_jobs(emulator, session_id)
            assert job["flavor"] == "a10g-large" and job["status"]["stage"] == "COMPLETED"
            assert [a["id"] for a in _hf_jobs(final["artifacts"])] == [job["id"]]
            listed = client.get(f"/v1/responses/{response_id}/artifacts").json()["data"]
            assert [a["id"] for a in _hf_jobs(listed)] == [job["id"]]
            # The approved estimate is accounted for under the raised cap, which the session keeps for its next turn.
            assert 1.5 <= final["usage"]["session_cost_usd"] <= 5.0, final["usage"]
            follow = client.post("/v1/responses", json={"input": "Thanks.", "previous_response_id": response_id}).json()
            assert follow["status"] == "completed" and follow["max_cost_usd"] == 5.0, follow
            assert follow["usage"]["session_cost_usd"] >= final["usage"]["session_cost_usd"]
    finally:
        second.stop()


# ---------------------------------------------------------------------------------------------------------- 3


def test_denied_tool_batch_never_runs_and_the_model_reads_the_feedback(alice: httpx.Client, emulator):
    tag = nonce()
    search = f"nothing-{tag}"
    batch = [
        {"call": "hf_job_run_uv", "arguments": {"script": _uv_script(1, tag), "flavor": "a100-large",
                                                "timeout_seconds": 7200}},
        {"call": "hf_job_run", "arguments": {"image": "python:3.12", "command": ["python", "-c", "print(1)"],
                                             "flavor": "t4-small", "timeout_seconds": 3600}},
        {"call": "hub_search", "arguments": {"kind": "model", "search": search}},
    ]
    steps = [{"say": "Launching two jobs and searching.", "calls": batch},
             {"say": "Understood: no jobs launched, I will propose a cheaper plan."}]
    created = alice.post("/v1/responses", json={
        "input": script(*steps, prompt=f"Train twice {tag}."), "background": True, "max_cost_usd": 0.05}).json()
    response_id, session_id = created["id"], created["session_id"]
    first = stream_events(alice, "GET", f"/v1/responses/{response_id}/events")
    assert first[-1]["type"] == "response.incomplete", [e["type"] for e in first]
    pause = next(e for e in first if e["type"] == "response.approval_required")
    # Only the costly calls are listed as actions; the whole batch (the free search too) waits on the decision.
    # Estimates: flavor price (the Hub quotes per minute, in micro-USD) x timeout.
    assert [a["tool"] for a in pause["actions"]] == ["hf_job_run_uv", "hf_job_run"]
    assert [a["estimate_usd"] for a in pause["actions"]] == [pytest.approx(5.0, rel=1e-4), pytest.approx(0.4, rel=1e-4)]
    assert [c["function"]["name"] for c in pause["tool_calls"]] == ["hf_job_run_uv", "hf_job_run", "hub_search"]

    feedback = f"Too expensive ({tag}); use a CPU flavor instead."
    denied = alice.post(f"/v1/responses/{response_id}/approvals", json={"approve": False, "feedback": feedback})
    assert denied.status_code == 200, denied.text
    tail = stream_events(alice, "GET", f"/v1/responses/{response_id}/events",
                         params={"starting_after": first[-1]["sequence_number"]})
    assert tail[0]["sequence_number"] == first[-1]["sequence_number"] + 1
    assert tail[-1]["type"] == "response.completed", [e["type"] for e in tail]
    final = alice.get(f"/v1/responses/{response_id}").json()
    assert final["status"] == "completed" and final["error"] is None
    assert final["output_text"].endswith("Understood: no jobs launched, I will propose a cheaper plan.")

    # Nothing in the denied batch ran: no job on the Hub, no artifact, no search request. Each denied call shows
    # in output[] as a failed mcp_call whose error is the denial the agent read.
    denied_items = [i for i in final["output"] if i["type"] == "mcp_call"]
    assert [i["name"] for i in denied_items] == ["hf_job_run_uv", "hf_job_run", "hub_search"]
    for item, call in zip(denied_items, pause["tool_calls"]):
        assert item["status"] == "failed" and item["output"] is None
        assert item["arguments"] == call["function"]["arguments"]
        assert item["error"]["type"] == "mcp_tool_execution_error"
        (text,) = [block["text"] for block in item["error"]["content"]]
        assert text.startswith("The user denied this action.") and feedback in text
    assert _session_jobs(emulator, session_id) == []
    assert not [r for r in emulator_requests(emulator, "/api/jobs/alice") if r["method"] == "POST"
                and session_label(session_id) in json.dumps(r["json"] or {})]
    assert _hf_jobs(final["artifacts"]) == []
    assert alice.get(f"/v1/responses/{response_id}/artifacts").json()["data"] == []
    assert not [r for r in emulator_requests(emulator, "/api/models") if search in json.dumps(r["query"])]
    assert final["usage"]["session_cost_usd"] < 0.05  # only inference was spent

    # The model's next call carries an answer for every call of the batch, each with the caller's feedback.
    messages = chat_requests(emulator, session_id)[-1]["json"]["messages"]
    answers = {m["tool_call_id"]: m["content"] for m in messages if m.get("role") == "tool"}
    assert set(answers) == {c["id"] for c in pause["tool_calls"]}
    assert all("denied" in text and feedback in text for text in answers.values()), answers


# ---------------------------------------------------------------------------------------------------------- 4


def test_cancelling_a_turn_that_waits_on_its_job_leaves_the_job_running(alice: httpx.Client, emulator):
    tag = nonce()
    steps = [
        {"say": "Launching.", "calls": [{"call": "hf_job_run_uv", "arguments": {
            "script": _uv_script(1800, tag), "flavor": "cpu-basic", "timeout_seconds": 3600}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": JOB_ID_FROM_TOOL, "max_wait_seconds": 3600}},
        {"say": "never reached: the caller cancels during the wait"},
    ]
    created = alice.post("/v1/responses", json={"input": script(*steps, prompt=f"Train {tag}."),
                                                "background": True}).json()
    response_id, session_id = created["id"], created["session_id"]
    before = _events_until_the_wait_logs(alice, response_id)
    [job_id] = [e["artifact"]["id"] for e in before
                if e["type"] == "response.artifact.created" and e["artifact"]["type"] == "hf_job"]
    assert alice.post(f"/v1/responses/{response_id}/cancel").status_code == 200
    tail = stream_events(alice, "GET", f"/v1/responses/{response_id}/events",
                         params={"starting_after": before[-1]["sequence_number"]})
    assert tail[-1]["type"] == "response.cancelled", [e["type"] for e in tail]
    final = alice.get(f"/v1/responses/{response_id}").json()
    assert final["status"] == "cancelled"
    assert [a["id"] for a in _hf_jobs(final["artifacts"])] == [job_id]
    assert _job(emulator, job_id)["status"]["stage"] == "RUNNING"
    assert not [r for r in emulator_requests(emulator, "/api/jobs/") if r["path"].endswith("/cancel")
                and job_id in r["path"]]
    assert [j["id"] for j in _session_jobs(emulator, session_id)] == [job_id]
