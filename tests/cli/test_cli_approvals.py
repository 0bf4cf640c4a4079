"""A run paused for approval (its budget cap reached), answered without a terminal: ``approve``, ``--deny``,
``--auto-approve-up-to``."""

from __future__ import annotations

import httpx

from tests.cli.scenarios import RESPONSE_ID, answer, json_lines
from tests.conftest import ALICE

TINY_CAP = "0.0001"  # below the first model call's estimate: the run pauses before it


def _get(server, response_id: str) -> dict:
    return httpx.get(f"{server.url}/v1/responses/{response_id}", headers={"authorization": f"Bearer {ALICE}"},
                     timeout=30).json()


def test_a_pause_stops_a_script_with_4_and_says_how_to_approve_then_approve_resumes_it(run_cli, cli_server):
    paused = run_cli("submit", "--max-cost", TINY_CAP, answer("Answer after approval."))
    assert paused.returncode == 4, paused.stderr
    response_id = RESPONSE_ID.search(paused.stderr).group(0)
    required = _get(cli_server, response_id)["pending_approval"]["budget"]["required_max_cost_usd"]
    assert "is paused for approval" in paused.stderr and "next model call" in paused.stderr
    assert f"ml-intern approve {response_id} --max-cost {required:g}" in paused.stderr
    assert f"ml-intern approve {response_id} --deny --feedback" in paused.stderr

    # Approving without room for the pending call would only pause again: the client says what is needed.
    short = run_cli("approve", response_id)
    assert short.returncode == 2 and f"--max-cost {required:g}" in short.stderr
    assert _get(cli_server, response_id)["status"] == "incomplete"

    approved = run_cli("approve", response_id, "--max-cost", "1")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout == "Answer after approval.\n"
    assert "ml-intern" not in approved.stdout
    final = _get(cli_server, response_id)
    assert final["status"] == "completed" and final["max_cost_usd"] == 1.0

    # Nothing is pending any more.
    again = run_cli("approve", response_id, "--max-cost", "2")
    assert again.returncode == 7 and "not waiting for approval" in again.stderr


def test_approve_follows_only_what_comes_after_the_pause(run_cli, cli_server):
    paused = json_lines(run_cli("submit", "--json", "--max-cost", TINY_CAP, answer("After.")).stdout)
    assert paused[-1]["type"] == "response.incomplete"
    response_id = paused[0]["response"]["id"]
    resumed = run_cli("approve", response_id, "--max-cost", "1", "--json")
    assert resumed.returncode == 0, resumed.stderr
    events = json_lines(resumed.stdout)
    assert events[0]["sequence_number"] == paused[-1]["sequence_number"] + 1
    assert events[0]["type"] == "response.in_progress" and events[-1]["type"] == "response.completed"


def test_deny_with_feedback_fails_a_paused_model_call(run_cli, cli_server):
    paused = run_cli("submit", "--detach", "--quiet", "--max-cost", TINY_CAP, answer("never"))
    response_id = paused.stdout.strip()
    assert run_cli("watch", response_id).returncode == 4  # paused
    denied = run_cli("approve", response_id, "--deny", "--feedback", "too expensive")
    assert denied.returncode == 1, denied.stderr  # a denied model call fails the run
    assert "approval_denied" in denied.stderr and "too expensive" in denied.stderr
    assert _get(cli_server, response_id)["error"]["type"] == "approval_denied"
    both = run_cli("approve", response_id, "--deny", "--max-cost", "1")
    assert both.returncode == 2


def test_auto_approve_up_to_raises_the_cap_unattended_within_the_limit(run_cli, cli_server):
    done = run_cli("submit", "--max-cost", TINY_CAP, "--auto-approve-up-to", "0.5", answer("Unattended."))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Unattended.\n"
    assert "Approved with the cap raised to $0.50" in done.stderr
    assert _get(cli_server, RESPONSE_ID.search(done.stderr).group(0))["max_cost_usd"] == 0.5

    # A pause needing more than the limit is left for a person.
    too_little = run_cli("submit", "--max-cost", TINY_CAP, "--auto-approve-up-to", "0.00011", answer("No."))
    assert too_little.returncode == 4
    assert "above --auto-approve-up-to" in too_little.stderr
