"""The one-shot commands: show, artifacts, models, list."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.scenarios import ANSWER, RESPONSE_ID, job_run, json_lines, repo_name
from tests.conftest import ALICE


@pytest.fixture(scope="module")
def finished_job_run(cli_server, emulator, tmp_path_factory) -> tuple[str, str]:
    """A completed run that used tools and produced artifacts (created over HTTP, followed to its end)."""
    repo = repo_name()
    headers = {"authorization": f"Bearer {ALICE}"}
    created = httpx.post(f"{cli_server.url}/v1/responses", headers=headers,
                         json={"input": job_run(repo), "background": True}, timeout=30).json()
    with httpx.stream("GET", f"{cli_server.url}/v1/responses/{created['id']}/events", headers=headers,
                      timeout=60) as stream:
        for _ in stream.iter_lines():
            pass
    return created["id"], repo


def test_show_prints_status_steps_artifacts_and_answer(run_cli, finished_job_run):
    response_id, repo = finished_job_run
    shown = run_cli("show", response_id)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.splitlines()[0] == f"{response_id}  completed"
    assert "✓ hub_search" in text and "✓ hf_job_wait" in text
    assert f"↗ model alice/{repo}" in text
    assert ANSWER.format(repo=repo) in text
    raw = run_cli("show", response_id, "--json")
    body = json_lines(raw.stdout)[0]
    assert body["id"] == response_id and body["status"] == "completed"


def test_artifacts_lists_the_runs_hub_resources(run_cli, cli_server, finished_job_run):
    response_id, repo = finished_job_run
    listed = run_cli("artifacts", response_id)
    assert listed.returncode == 0, listed.stderr
    served = httpx.get(f"{cli_server.url}/v1/responses/{response_id}/artifacts",
                       headers={"authorization": f"Bearer {ALICE}"}, timeout=30).json()
    assert {a["type"] for a in served["data"]} >= {"hf_job", "model", "collection"}
    for artifact in served["data"]:
        assert artifact["url"] in listed.stdout
    assert f"alice/{repo}" in listed.stdout
    assert json_lines(run_cli("artifacts", response_id, "--json").stdout)[0] == served


def test_models_lists_the_deployments_models_and_marks_the_default(run_cli, cli_server):
    config = httpx.get(f"{cli_server.url}/api/config/model", timeout=30).json()
    listed = run_cli("models")
    assert listed.returncode == 0, listed.stderr
    rows = dict(line.split("\t") for line in listed.stdout.splitlines()[1:])
    assert set(rows) == {entry["id"] for entry in config["data"]}
    assert [model for model, marks in rows.items() if marks == "default"] == [config["default"]]
    raw = json_lines(run_cli("models", "--json").stdout)[0]
    assert {entry["id"] for entry in raw["data"]} == set(rows)


def test_list_shows_the_callers_responses_newest_first(run_cli, cli_env, cli_server):
    probe = httpx.get(f"{cli_server.url}/v1/responses", headers={"authorization": f"Bearer {ALICE}"}, timeout=30)
    if probe.status_code in (404, 405):
        pytest.skip("GET /v1/responses not on this server yet")
    ids = [json_lines(run_cli("submit", "--detach", "--json", f"listed {n}").stdout)[0]["id"] for n in range(3)]
    for response_id in ids:
        run_cli("watch", response_id, "--quiet")

    listed = run_cli("list", "--limit", "2", "--json")
    assert listed.returncode == 0, listed.stderr
    page = json_lines(listed.stdout)[0]
    assert page["object"] == "list" and [r["id"] for r in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True and page["last_id"] == ids[1]
    following = json_lines(run_cli("list", "--limit", "1", "--after", ids[1], "--json").stdout)[0]
    assert [r["id"] for r in following["data"]] == [ids[0]]

    table = run_cli("list", "--limit", "3")
    assert table.returncode == 0
    rows = [line for line in table.stdout.splitlines() if RESPONSE_ID.match(line)]
    assert [RESPONSE_ID.match(row).group(0) for row in rows] == ids[::-1]
    assert all("completed" in row for row in rows)

    session = page["data"][0]["session_id"]
    only = json_lines(run_cli("list", "--session", session, "--json").stdout)[0]
    assert [r["id"] for r in only["data"]] == [ids[2]]
    done = json_lines(run_cli("list", "--status", "completed", "--limit", "1", "--json").stdout)[0]
    assert [r["status"] for r in done["data"]] == ["completed"]


def test_watching_a_finished_run_replays_it_without_made_up_durations(run_cli, finished_job_run):
    response_id, repo = finished_job_run
    watched = run_cli("watch", response_id)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout == f"Launching the job.\n{ANSWER.format(repo=repo)}\n"
    steps = [line for line in watched.stderr.splitlines() if line.startswith("✓ ")]
    assert [line.split()[1] for line in steps] == ["plan", "hub_search", "hf_job_run_uv", "hf_job_wait", "Completed"]
    # The steps ran before we attached: no duration is shown for them (it would be the replay's).
    assert "✓ hub_search  kind=model search=bge limit=3" in steps
