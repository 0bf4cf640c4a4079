"""Exit codes that mean something, and where the token comes from."""

from __future__ import annotations

from pathlib import Path

import httpx

from ml_intern_cli.exit_codes import ExitCode
from tests.cli.scenarios import answer, hang, json_lines
from tests.conftest import ALICE, BOB
from tests.process import free_port

UNKNOWN_ID = "resp_" + "0" * 32


def test_cancel_then_watch_exits_3(run_cli, cli_server):
    created = httpx.post(f"{cli_server.url}/v1/responses", headers={"authorization": f"Bearer {ALICE}"},
                         json={"input": hang(), "background": True}, timeout=30).json()
    cancelled = run_cli("cancel", created["id"])
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout == f"Cancelled {created['id']}.\n"
    watched = run_cli("watch", created["id"])
    assert watched.returncode == ExitCode.CANCELLED == 3, watched.stderr
    assert "■ Cancelled" in watched.stderr
    # Cancelling a finished run changes nothing and says so.
    again = run_cli("cancel", created["id"], "--json")
    assert again.returncode == 0 and json_lines(again.stdout)[0]["status"] == "cancelled"


def test_not_found_exits_6_and_another_accounts_run_is_not_found(run_cli, cli_env):
    for command in ("show", "watch", "cancel", "artifacts"):
        missing = run_cli(command, UNKNOWN_ID)
        assert missing.returncode == ExitCode.NOT_FOUND == 6, (command, missing.stderr)
        assert "response_not_found" in missing.stderr
    mine = json_lines(run_cli("submit", "--detach", "--json", answer("mine")).stdout)[0]["id"]
    assert run_cli("show", mine, env=cli_env(token=BOB)).returncode == 6


def test_auth_exits_5_without_a_token_or_with_a_refused_one(run_cli, cli_env):
    missing = run_cli("submit", "hello", env=cli_env(token=None))
    assert missing.returncode == ExitCode.AUTH == 5
    assert "No Hugging Face token found" in missing.stderr and "hf auth login" in missing.stderr
    assert "HF_TOKEN" in missing.stderr
    refused = run_cli("show", UNKNOWN_ID, env=cli_env(token="hf_not_a_real_token"))
    assert refused.returncode == 5 and "invalid_token" in refused.stderr


def test_the_token_huggingface_hub_stored_is_used(run_cli, cli_env, hf_home: Path):
    (hf_home / "token").write_text(ALICE)  # what `hf auth login` writes
    done = run_cli("submit", "--json", answer("Logged in."), env=cli_env(token=None))
    assert done.returncode == 0, done.stderr
    assert json_lines(done.stdout)[-1]["response"]["output_text"] == "Logged in."


def test_a_token_is_never_an_argument(run_cli):
    given = run_cli("submit", "--token", ALICE, "hello")
    assert given.returncode == ExitCode.USAGE == 2 and "No such option" in given.stderr


def test_usage_errors_exit_2(run_cli):
    nothing = run_cli("submit")
    assert nothing.returncode == 2 and "Give the task" in nothing.stderr
    odd = run_cli("show", "../../api/config/model")
    assert odd.returncode == 2 and "not a response id" in odd.stderr
    cap = run_cli("submit", "--max-cost", "0", "hello")
    assert cap.returncode == 2


def test_a_refused_request_exits_7(run_cli):
    refused = run_cli("submit", "--model", "nobody/no-such-model", "hello")
    assert refused.returncode == ExitCode.REFUSED == 7
    assert "model_not_found" in refused.stderr


def test_an_unreachable_server_exits_8(run_cli, cli_env):
    nowhere = f"http://127.0.0.1:{free_port()}"
    down = run_cli("submit", "hello", env=cli_env(ML_INTERN_BASE_URL=nowhere))
    assert down.returncode == ExitCode.UNAVAILABLE == 8
    assert f"Cannot reach the ML Intern API at {nowhere}" in down.stderr

