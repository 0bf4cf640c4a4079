"""``ml-intern submit`` / ``watch`` with pipes (a script's view): followed runs, --json, detach then watch, a failed
model attempt's text dropped."""

from __future__ import annotations

import httpx

from ml_intern_cli.formatting import usd
from tests.cli.scenarios import ANSWER, RESPONSE_ID, answer, job_run, json_lines, repo_name
from tests.conftest import ALICE
from tests.integration.helpers import nonce, uscript, sse_lines


def _get(server, response_id: str) -> dict:
    return httpx.get(f"{server.url}/v1/responses/{response_id}", headers={"authorization": f"Bearer {ALICE}"},
                     timeout=30).json()


def test_a_followed_run_shows_the_answer_the_steps_the_logs_and_the_artifact_links(run_cli, cli_server):
    repo = repo_name()
    done = run_cli("submit", job_run(repo))
    assert done.returncode == 0, done.stderr
    # Not a terminal: stdout is the answer alone, progress is on stderr, no escape codes anywhere.
    assert done.stdout == f"Launching the job.\n{ANSWER.format(repo=repo)}\n"
    assert "\x1b[" not in done.stdout + done.stderr
    progress = done.stderr
    response_id = RESPONSE_ID.search(progress).group(0)
    assert f"ml-intern {response_id}" in progress.splitlines()[0]
    assert "✓ hub_search  kind=model search=bge limit=3" in progress
    assert "✓ hf_job_wait" in progress
    assert "  │ step 2/3" in progress                                 # the job's log, as it streamed
    assert "▶ Find a base model" in progress and "○ Fine-tune it" in progress  # the plan as a checklist
    final = _get(cli_server, response_id)
    links = {artifact["url"] for artifact in final["artifacts"]}
    model_url = next(a["url"] for a in final["artifacts"] if a["type"] == "model")
    job_url = next(a["url"] for a in final["artifacts"] if a["type"] == "hf_job")
    assert f"↗ model alice/{repo}  {model_url}" in progress and job_url in progress
    assert all(link in progress for link in links)
    assert progress.rstrip().splitlines()[-1].startswith("✓ Completed")
    spend = f"(session {usd(final['usage']['session_cost_usd'])} of a $5.00 cap)"  # spend against the cap
    assert spend in progress


def test_json_output_is_one_event_per_line_each_once_in_order(run_cli, cli_server):
    done = run_cli("submit", "--json", answer("Hello from the JSON stream.", chunks=4))
    assert done.returncode == 0, done.stderr
    events = json_lines(done.stdout)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert text == "Hello from the JSON stream." == events[-1]["response"]["output_text"]
    assert events == _replayed(cli_server, events[0]["response"]["id"])  # exactly what the server stored


def test_an_answer_holding_line_separators_arrives_whole(run_cli):
    # U+2028, U+2029 and NEL are line breaks to str.splitlines, not to SSE: the server sends them unescaped.
    text = "one\u2028two\u2029three\x85four"
    done = run_cli("submit", "--json", answer(text, chunks=3))
    assert done.returncode == 0, done.stderr
    events = json_lines(done.stdout)
    assert "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == text
    plain = run_cli("submit", answer(text, chunks=2))
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == text + "\n"


def _replayed(server, response_id: str) -> list[dict]:
    from tests.integration.helpers import parse_sse

    with httpx.stream("GET", f"{server.url}/v1/responses/{response_id}/events",
                      headers={"authorization": f"Bearer {ALICE}"}, timeout=30) as reply:
        return [frame["data"] for frame in parse_sse(sse_lines(reply))]


def test_detached_submit_then_watch(run_cli):
    submitted = run_cli("submit", "--detach", "--json", answer("Watched to the end.", chunks=3, delay_ms=50))
    assert submitted.returncode == 0, submitted.stderr
    created = json_lines(submitted.stdout)
    assert len(created) == 1 and created[0]["status"] in ("queued", "in_progress")
    response_id = created[0]["id"]

    watched = run_cli("watch", response_id)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout == "Watched to the end.\n"
    assert "✓ Completed" in watched.stderr
    # Watching a finished run replays it; --quiet prints only the answer.
    again = run_cli("watch", response_id, "--quiet")
    assert (again.returncode, again.stdout, again.stderr) == (0, "Watched to the end.\n", "")

    # --quiet --detach prints the id alone, for $(...).
    quiet = run_cli("submit", "--detach", "--quiet", answer("x"))
    assert quiet.returncode == 0 and RESPONSE_ID.fullmatch(quiet.stdout.strip()), quiet


def test_a_failed_model_attempts_text_is_not_shown(run_cli):
    # The first attempt streams half its text, then the provider errs mid-answer; the retry streams it whole.
    text = f"Alpha beta gamma delta epsilon zeta {nonce()}."
    done = run_cli("submit", uscript({"stream_error": 500, "times": 1}, {"say": text, "chunks": 6}))
    assert done.returncode == 0, done.stderr
    assert done.stdout == text + "\n"
    assert "model call attempt 1 failed (model_provider_error); retrying" in done.stderr

    events = json_lines(run_cli("watch", "--json", RESPONSE_ID.search(done.stderr).group(0)).stdout)
    assert any(e["type"] == "response.output_item.discarded" for e in events)  # there was void text to drop


def test_a_failed_run_exits_1_with_its_reason(run_cli):
    done = run_cli("submit", uscript({"error": 500, "times": 10}, {"say": f"never {nonce()}"}))
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "✗ Failed:" in done.stderr and "model_provider_error" in done.stderr


def test_continue_chains_a_session_and_a_file_is_the_task(run_cli, tmp_path):
    first = run_cli("submit", "--detach", "--json", answer("First turn."))
    first_id = json_lines(first.stdout)[0]["id"]
    run_cli("watch", first_id, "--quiet")
    task = tmp_path / "task.md"
    task.write_text(answer("Second turn, from a file."))
    second = run_cli("submit", "--file", str(task), "--continue", first_id, "--json")
    assert second.returncode == 0, second.stderr
    final = json_lines(second.stdout)[-1]["response"]
    assert final["previous_response_id"] == first_id and final["output_text"] == "Second turn, from a file."
