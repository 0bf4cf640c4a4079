"""What a person sees: ``ml-intern`` in a pseudo-terminal (pexpect) — the live rendering, colours (and none with
NO_COLOR), the approval prompt, Ctrl-C to detach and a second Ctrl-C to cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.cli.scenarios import ANSWER, RESPONSE_ID, answer, hang, job_run, repo_name
from tests.conftest import ALICE

SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOUR_PARAMS = re.compile(r"^(3[0-9]|4[0-9]|9[0-7]|10[0-7])$")


def _colours(raw: str) -> set[str]:
    """The colour parameters of the SGR sequences written (bold, dim, italic... are not colours)."""
    return {param for params in SGR.findall(raw) for param in params.split(";") if COLOUR_PARAMS.match(param)}


def _get(server, response_id: str) -> dict:
    return httpx.get(f"{server.url}/v1/responses/{response_id}", headers={"authorization": f"Bearer {ALICE}"},
                     timeout=30).json()


@pytest.fixture
def cancel_at_teardown(cli_server) -> Iterator[list[str]]:
    """Runs left running by a test (a detach) are cancelled after it."""
    ids: list[str] = []
    yield ids
    for response_id in ids:
        httpx.post(f"{cli_server.url}/v1/responses/{response_id}/cancel",
                   headers={"authorization": f"Bearer {ALICE}"}, timeout=30)


def test_a_run_renders_live_with_steps_job_logs_plan_spend_and_links(terminal, cli_server):
    repo = repo_name()
    term = terminal("submit", job_run(repo, job_seconds=3, answer_delay_ms=100))
    # The live region, while the job runs: its log tail in a panel, the plan, the spend against the cap.
    live = term.expect(r"logs · hf_job_wait")
    assert re.search(r"in progress · resp_[0-9a-f]{32} · \$[0-9.]+ spent of a \$5\.00 cap", live)
    assert "▶ Find a base model" in live
    assert term.wait() == 0
    shown = term.text
    response_id = RESPONSE_ID.search(shown).group(0)
    assert "✓ hub_search  kind=model search=bge limit=3" in shown
    assert "✓ hf_job_wait" in shown
    assert ANSWER.format(repo=repo) in shown
    assert "✓ Completed" in shown
    # Artifacts are terminal hyperlinks (OSC 8) to their pages.
    model_url = next(a["url"] for a in _get(cli_server, response_id)["artifacts"] if a["type"] == "model")
    assert f"↗ model alice/{repo}" in shown
    assert re.search(r"\x1b\]8;[^;]*;" + re.escape(model_url), term.raw)
    assert {"32"} <= _colours(term.raw)  # green ticks: a terminal gets colours


def test_no_colours_with_no_color(terminal, cli_env):
    term = terminal("submit", answer("Plain, please.", chunks=3), env=cli_env(NO_COLOR="1"))
    assert term.wait() == 0
    assert "Plain, please." in term.text and "✓ Completed" in term.text
    assert _colours(term.raw) == set()


def test_the_approval_prompt_raises_the_cap_to_what_the_person_types(terminal, cli_server):
    term = terminal("submit", "--max-cost", "0.0001", answer("Approved at the prompt."))
    prompt = term.expect(r"Your choice \[a/r/d/l\] \(a\):")
    assert "is paused for approval" in prompt and "needs a cap of at least $0.01" in prompt
    term.child.sendline("r")
    term.expect(r"New cap in USD")
    term.child.sendline("2")
    term.expect(r"Approved with the cap raised to \$2\.00")
    assert term.wait() == 0
    assert "Approved at the prompt." in term.text
    response_id = RESPONSE_ID.search(term.text).group(0)
    assert _get(cli_server, response_id)["max_cost_usd"] == 2.0


def test_the_approval_prompt_denies_with_feedback(terminal, cli_server):
    term = terminal("submit", "--max-cost", "0.0001", answer("Never said."))
    term.expect(r"Your choice")
    term.child.sendline("d")
    term.expect(r"Feedback for the agent")
    term.child.sendline("not now")
    assert term.wait() == 1  # a denied model call fails the run
    assert "✗ Failed:" in term.text and "not now" in term.text
    assert _get(cli_server, RESPONSE_ID.search(term.text).group(0))["error"]["type"] == "approval_denied"


def test_ctrl_c_detaches_and_the_run_goes_on(terminal, cli_server, cancel_at_teardown):
    term = terminal("submit", hang())
    running = term.expect(r"(queued|in progress) · resp_[0-9a-f]{32}")
    response_id = RESPONSE_ID.search(running).group(0)
    cancel_at_teardown.append(response_id)
    term.child.sendintr()
    term.expect(r"Press Ctrl-C again within 3 s to cancel it now")
    assert term.wait() == 130
    assert f"Detached from {response_id}: it goes on." in term.text
    assert f"re-attach: ml-intern watch {response_id}" in term.text
    assert _get(cli_server, response_id)["status"] == "in_progress"


def test_a_second_ctrl_c_cancels_the_run(terminal, cli_server, cancel_at_teardown):
    term = terminal("submit", hang())
    response_id = RESPONSE_ID.search(term.expect(r"(queued|in progress) · resp_[0-9a-f]{32}")).group(0)
    cancel_at_teardown.append(response_id)
    term.child.sendintr()
    term.expect(r"Press Ctrl-C again")
    term.child.sendintr()
    assert term.wait() == 3
    assert f"Cancelling {response_id}" in term.text and "■ Cancelled" in term.text
    assert _get(cli_server, response_id)["status"] == "cancelled"


def test_cancel_on_interrupt_cancels_at_the_first_ctrl_c(terminal, cli_server, cancel_at_teardown):
    term = terminal("submit", "--cancel-on-interrupt", hang())
    response_id = RESPONSE_ID.search(term.expect(r"(queued|in progress) · resp_[0-9a-f]{32}")).group(0)
    cancel_at_teardown.append(response_id)
    term.child.sendintr()
    assert term.wait() == 3
    assert "Detached" not in term.text and "■ Cancelled" in term.text
    assert _get(cli_server, response_id)["status"] == "cancelled"
