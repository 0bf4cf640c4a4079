"""The sandbox end to end: real server processes and the emulator's Spaces (running the shipped template server).

- a scripted turn creates the session's sandbox, writes hello.py, runs it, reads 42 back, edits it, re-runs it and
  lists the sandbox artifact; the server is killed (-9); a chained turn on a new process reuses the same sandbox,
  whose files are intact;
- cancelling a turn while a sandbox command runs never deletes the sandbox;
- a denied approval for paid hardware creates nothing; an approved one is charged once, in the commit that records
  its artifact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ALICE, script
from tests.integration.helpers import emulator_requests, nonce, stream_events
from tests.process import ServerProcess, server_env, start_server_process

AUTH = {"authorization": f"Bearer {ALICE}"}
HELLO = "answer = 6 * 7\nprint('hello', answer)\nopen('answer.txt', 'w').write(str(answer))\n"


@contextmanager
def _client(process: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=process.url, headers=AUTH, timeout=30.0) as client:
        yield client


def _calls(response: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for item in response["output"]:
        if item["type"] == "mcp_call":
            found.setdefault(item["name"], []).append(item)
    return found


def _sandboxes(artifacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in artifacts if a["type"] == "space" and a.get("sandbox")]


def _session_spaces(emulator: Any, session_id: str) -> list[str]:
    """Sandbox Spaces of a session that exist on the (emulated) Hub."""
    return [rid for rid in emulator.state.spaces.runs if rid.endswith(session_id.replace("_", "").lower()[-16:])]


def test_a_turn_works_in_its_sandbox_and_a_chained_turn_after_kill_9_reuses_it(emulator, tmp_path: Path):
    tag = nonce()
    first_turn = [
        {"say": "Setting up a sandbox.", "calls": [{"call": "sandbox_create", "arguments": {}}]},
        {"call": "sandbox_write", "arguments": {"path": "hello.py", "content": HELLO}},
        {"call": "sandbox_exec", "arguments": {"command": "python3 hello.py"}},
        {"call": "sandbox_read", "arguments": {"path": "answer.txt"}},
        {"call": "sandbox_edit", "arguments": {"path": "hello.py", "old_text": "6 * 7", "new_text": "6 * 8"}},
        {"call": "sandbox_exec", "arguments": {"command": "python3 hello.py"}},
        {"say": f"The script works ({tag})."},
    ]
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite")
    first = start_server_process(env, tmp_path / "first.log")
    try:
        with _client(first) as client:
            created = client.post("/v1/responses", json={"input": script(*first_turn, prompt=f"Try it {tag}."),
                                                         "background": True}).json()
            response_id, session_id = created["id"], created["session_id"]
            events = stream_events(client, "GET", f"/v1/responses/{response_id}/events",
                                   timeout=httpx.Timeout(30.0, read=90.0))
            done = client.get(f"/v1/responses/{response_id}").json()
            listed = client.get(f"/v1/responses/{response_id}/artifacts").json()["data"]
    finally:
        first.kill()

    assert done["status"] == "completed", done
    calls = _calls(done)
    assert all(c["status"] == "completed" for group in calls.values() for c in group), calls
    assert [len(calls[n]) for n in ("sandbox_create", "sandbox_write", "sandbox_exec", "sandbox_read",
                                    "sandbox_edit")] == [1, 1, 2, 1, 1]
    assert calls["sandbox_read"][0]["output"] == "42"
    assert "hello 42" in calls["sandbox_exec"][0]["output"] and "hello 48" in calls["sandbox_exec"][1]["output"]
    [sandbox] = _sandboxes(listed)
    assert sandbox["repo_id"].startswith("alice/ml-intern-sandbox-") and _sandboxes(done["artifacts"]) == [sandbox]
    # Build stages and the command's output streamed as tool logs of their calls.
    logs = {e["item_id"]: [] for e in events if e["type"] == "response.tool_log"}
    for e in events:
        if e["type"] == "response.tool_log":
            logs[e["item_id"]].append(e["text"])
    assert logs[calls["sandbox_create"][0]["id"]][-1].endswith(": RUNNING")
    assert logs[calls["sandbox_exec"][1]["id"]] == ["hello 48"]
    assert _session_spaces(emulator, session_id) == [sandbox["repo_id"]]

    second_turn = [
        {"call": "sandbox_create", "arguments": {}},
        {"call": "sandbox_exec", "arguments": {"command": "cat answer.txt && python3 hello.py"}},
        {"say": "Still here."},
    ]
    second = start_server_process(env, tmp_path / "second.log")
    try:
        with _client(second) as client:
            follow = client.post("/v1/responses", json={"input": script(*second_turn, prompt="Again."),
                                                        "previous_response_id": response_id}).json()
            # The first turn's response still lists its sandbox after the crash.
            assert _sandboxes(client.get(f"/v1/responses/{response_id}/artifacts").json()["data"]) == [sandbox]
    finally:
        second.stop()
    assert follow["status"] == "completed" and follow["session_id"] == session_id, follow
    calls = _calls(follow)
    assert calls["sandbox_create"][0]["output"].startswith(f"Reusing this session's sandbox: {sandbox['repo_id']}")
    assert calls["sandbox_exec"][0]["output"].splitlines()[1:] == ["48hello 48"]
    assert _sandboxes(follow["artifacts"]) == []  # nothing new was created
    assert _session_spaces(emulator, session_id) == [sandbox["repo_id"]]


def test_cancel_during_a_sandbox_command_never_deletes_the_sandbox(alice: httpx.Client, emulator):
    tag = nonce()
    steps = [
        {"call": "sandbox_create", "arguments": {}},
        {"call": "sandbox_exec", "arguments": {"command": f"echo started {tag}; sleep 60", "timeout_seconds": 120}},
        {"say": "never reached: the caller cancels during the command"},
    ]
    created = alice.post("/v1/responses", json={"input": script(*steps, prompt=f"Run {tag}."),
                                                "background": True}).json()
    response_id, session_id = created["id"], created["session_id"]
    before = stream_events(alice, "GET", f"/v1/responses/{response_id}/events",
                           until=lambda e: e["type"] == "response.tool_log" and e["text"] == f"started {tag}",
                           timeout=httpx.Timeout(30.0, read=60.0))
    assert alice.post(f"/v1/responses/{response_id}/cancel").status_code == 200
    tail = stream_events(alice, "GET", f"/v1/responses/{response_id}/events",
                         params={"starting_after": before[-1]["sequence_number"]})
    assert tail[-1]["type"] == "response.cancelled"
    [space_id] = _session_spaces(emulator, session_id)
    assert emulator.state.catalog.get("spaces", space_id) is not None
    assert emulator.state.spaces.runs[space_id].stage() == "RUNNING"
    assert not [r for r in emulator_requests(emulator, "/api/repos/delete") if space_id.split("/")[1]
                in str(r["json"])]
    final = alice.get(f"/v1/responses/{response_id}").json()
    assert [a["repo_id"] for a in _sandboxes(final["artifacts"])] == [space_id]


def test_denied_approval_creates_nothing_and_an_approved_one_is_charged_once(alice: httpx.Client, emulator):
    tag = nonce()
    steps = [{"say": "A GPU sandbox.", "calls": [{"call": "sandbox_create", "arguments": {"hardware": "a10g-large"}}]},
             {"say": f"Done {tag}."}]
    # Denied: no Space, no artifact, no charge.
    created = alice.post("/v1/responses", json={"input": script(*steps, prompt=f"GPU box {tag}."),
                                                "background": True, "max_cost_usd": 0.05}).json()
    first = stream_events(alice, "GET", f"/v1/responses/{created['id']}/events")
    pause = next(e for e in first if e["type"] == "response.approval_required")
    [action] = pause["actions"]
    assert action["tool"] == "sandbox_create" and action["estimate_usd"] == pytest.approx(2.25, rel=1e-4)
    denied = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": False, "feedback": "no GPU"})
    assert denied.status_code == 200
    stream_events(alice, "GET", f"/v1/responses/{created['id']}/events",
                  params={"starting_after": first[-1]["sequence_number"]})
    final = alice.get(f"/v1/responses/{created['id']}").json()
    assert final["status"] == "completed" and _sandboxes(final["artifacts"]) == []
    assert _session_spaces(emulator, created["session_id"]) == []
    assert not [r for r in emulator_requests(emulator, "/api/repos/create")
                if created["session_id"].replace("_", "")[-16:] in str(r["json"])]

    # Approved with a cap that covers it: created, charged its estimate once, with its artifact.
    created = alice.post("/v1/responses", json={"input": script(*steps, prompt=f"GPU box again {tag}."),
                                                "background": True, "max_cost_usd": 0.05}).json()
    first = stream_events(alice, "GET", f"/v1/responses/{created['id']}/events")
    approved = alice.post(f"/v1/responses/{created['id']}/approvals",
                          json={"approve": True, "new_max_cost_usd": 5.0})
    assert approved.status_code == 200
    tail = stream_events(alice, "GET", f"/v1/responses/{created['id']}/events",
                         params={"starting_after": first[-1]["sequence_number"]},
                         timeout=httpx.Timeout(30.0, read=60.0))
    assert tail[-1]["type"] == "response.completed", [e["type"] for e in tail]
    costs = [e for e in tail if e["type"] == "response.action_cost"]
    assert [e["cost_usd"] for e in costs] == [pytest.approx(2.25, rel=1e-4)] and costs[0]["tool"] == "sandbox_create"
    # The charge and the artifact are one commit: the artifact is the event right after it.
    after = tail[tail.index(costs[0]) + 1]
    assert after["type"] == "response.artifact.created" and after["artifact"]["sandbox"] is True
    [space_id] = _session_spaces(emulator, created["session_id"])
    assert emulator.state.spaces.runs[space_id].hardware == "a10g-large"
    final = alice.get(f"/v1/responses/{created['id']}").json()
    assert 2.25 <= final["usage"]["session_cost_usd"] < 5.0


TRAIN = """# /// script
# dependencies = ["transformers", "datasets"]
# ///
# EMULATOR_JOB_SECONDS=1 EMULATOR_JOB_LOG_LINES=2 EMULATOR_JOB_CREATES_REPO=alice/imdb-sandbox-tested
import sys

samples = int(sys.argv[sys.argv.index("--max-samples") + 1]) if "--max-samples" in sys.argv else 25000
print(f"fine-tuning on {samples} IMDb reviews")
"""


def test_seed_style_task_research_then_sandbox_slice_then_the_job_with_the_tested_script(alice: httpx.Client,
                                                                                         emulator):
    import base64

    from agent.tools.jobs.launch import SCRIPT_ENV

    steps = [
        {"say": "Checking the data.", "calls": [{"call": "dataset_inspect", "arguments": {
            "dataset": "stanfordnlp/imdb", "config": "plain_text", "split": "train"}}]},
        {"call": "sandbox_create", "arguments": {}},
        {"call": "sandbox_write", "arguments": {"path": "train.py", "content": TRAIN}},
        {"call": "sandbox_exec", "arguments": {"command": "python3 train.py --max-samples 8"}},
        {"say": "The slice ran; launching the full run.", "calls": [{"call": "hf_job_run_uv", "arguments": {
            "script": TRAIN, "script_args": ["--max-samples", "2000"], "flavor": "cpu-basic",
            "timeout_seconds": 1800, "hf_token": True}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": {"$from_tool": "Job launched: ([0-9a-f]+)"},
                                              "max_wait_seconds": 60}},
        {"say": "Trained and pushed alice/imdb-sandbox-tested."},
    ]
    final = alice.post("/v1/responses", json={"input": script(*steps, prompt=f"Fine-tune on IMDb {nonce()}."),
                                              "max_cost_usd": 5.0}, timeout=120).json()
    assert final["status"] == "completed", final
    calls = _calls(final)
    assert all(c["status"] == "completed" for group in calls.values() for c in group), calls
    assert "fine-tuning on 8 IMDb reviews" in calls["sandbox_exec"][0]["output"]
    assert "COMPLETED" in calls["hf_job_wait"][0]["output"]
    # The job ran the very script the sandbox tested.
    kinds = {a["type"] for a in final["artifacts"]}
    assert {"space", "hf_job", "model", "collection"} <= kinds, final["artifacts"]
    [job] = [a for a in final["artifacts"] if a["type"] == "hf_job"]
    [sandbox] = _sandboxes(final["artifacts"])
    shipped = emulator.state.compute.jobs[job["id"]].spec["environment"][SCRIPT_ENV]
    tested = emulator.state.spaces.runs[sandbox["repo_id"]]
    assert base64.b64decode(shipped).decode() == TRAIN
    assert (Path(tested.workspace.name) / "workspace" / "train.py").read_text() == TRAIN
