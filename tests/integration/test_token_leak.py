"""Nothing secret is ever written: no caller token in the database file (nor its WAL) or in the server's log,
even at debug level and even when the token passes through a turn's text and tool calls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALICE, BOB, make_settings, run_server
from tests.integration.helpers import create, settle, stream_events, uscript
from tests.process import free_port, server_env

TOKENS = (ALICE.encode(), BOB.encode())
# A real-looking token (hf_ + 34 chars) that is nobody's: token-shaped strings are redacted wherever they appear.
FOREIGN_TOKEN = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"


def database_bytes(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            data += candidate.read_bytes()
    return data


def run_turns(client: httpx.Client, token: str) -> list[dict]:
    """Turns exercising every stored path: text, parallel tool calls (arguments and outputs), a failed tool call,
    a chained turn, a cancelled turn, a failed run."""
    done = create(client, uscript({"say": "Searching.", "calls": [
        {"call": "hub_search", "arguments": {"search": "bge", "limit": 50}},
        {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}]},
        {"bad_arguments": "hub_search"}, {"say": "All done."}))
    chained = create(client, uscript({"say": "Chained."}), previous_response_id=done["id"])
    cancelled = create(client, uscript({"hang_ms": 30_000}, {"say": "never"}), background=True)
    client.post(f"/v1/responses/{cancelled['id']}/cancel")
    failed = create(client, uscript({"error": 500, "times": 10}, {"say": f"fail {token[-3:]} {time.time()}"}))
    results = [done, chained, settle(client, cancelled["id"]), failed]
    assert [r["status"] for r in results] == ["completed", "completed", "cancelled", "failed"]
    return results


def test_no_token_in_the_database_after_turns(emulator, tmp_path):
    path = tmp_path / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}"), path) as server:
        for token in (ALICE, BOB):
            with server.client(token) as client:
                run_turns(client, token)
    stored = database_bytes(path)
    assert b"hub_repo_details" in stored and b"BAAI/bge-m3" in stored  # the turns were stored here
    for token in TOKENS:
        assert token not in stored


def test_a_token_passing_through_a_turn_is_never_stored(emulator, tmp_path):
    """The caller pastes their token (and someone else's) into the task; the model echoes both in its text and in
    tool-call arguments. The run works, and neither is written anywhere."""
    path = tmp_path / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}"), path) as server:
        with server.client(ALICE) as alice:
            task = uscript(
                {"say": f"Your token {ALICE} and {FOREIGN_TOKEN} noted.",
                 "calls": [{"call": "hub_search", "arguments": {"search": ALICE, "author": FOREIGN_TOKEN}}]},
                {"say": f"Done with {ALICE}."})
            body = create(alice, f"My token is {ALICE}; also try {FOREIGN_TOKEN}.\n{task}",
                          instructions=f"Act with {ALICE}.", metadata={"token": FOREIGN_TOKEN})
            assert body["status"] == "completed"
            follow = create(alice, "Thanks", previous_response_id=body["id"])
            assert follow["status"] == "completed"
            served = alice.get(f"/v1/responses/{body['id']}").text
            events = b"".join(alice.get(f"/v1/responses/{body['id']}/events").iter_bytes())
    stored = database_bytes(path)
    assert b"hub_search" in stored
    for secret in (ALICE.encode(), FOREIGN_TOKEN.encode()):
        assert secret not in stored
        assert secret not in events
        assert secret.decode() not in served
    assert b"[REDACTED]" in stored


def test_live_text_deltas_never_carry_a_token_split_across_chunks(alice: httpx.Client):
    """The model streams the caller's token (and a token-shaped string) in small chunks: what a live stream
    receives is redacted delta by delta, not only the stored text."""
    say = f"Token {ALICE} and {FOREIGN_TOKEN} are secret; Bearer {FOREIGN_TOKEN[::-1]} too."
    events = stream_events(alice, "POST", "/v1/responses",
                           json={"input": uscript({"say": say, "chunks": len(say) // 3, "delay_ms": 5}),
                                 "stream": True})
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    # The model sent ~3-char chunks, 5 ms apart (chunks that arrive together are joined into one delta): every
    # token arrived split across reads.
    assert len(deltas) > 3
    fragments = {s[i:i + 5] for s in (ALICE, FOREIGN_TOKEN, FOREIGN_TOKEN[::-1]) for i in range(len(s) - 4)}
    leaked = [d for d in deltas if any(f in d for f in fragments)]
    assert not leaked, leaked
    text = "".join(deltas)
    assert text == "Token [REDACTED] and [REDACTED] are secret; Bearer [REDACTED] too."
    [done] = [e for e in events if e["type"] == "response.output_text.done"]
    assert done["text"] == text


def test_no_token_in_the_server_log_at_debug_level(emulator, tmp_path):
    executable = Path(sys.executable).parent / "ml-intern-api"
    if not executable.exists():
        pytest.skip("the ml-intern-api console script is not installed in this environment")
    port = free_port()
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_INTERN_")}
    env.update(server_env(emulator, f"sqlite:///{tmp_path / 'db.sqlite'}", ML_INTERN_LOG_LEVEL="debug"))
    # The console script imports this checkout (not the one its environment was installed from, e.g. a worktree's).
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(executable), "serve", "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # a starting child process gives no readiness signal: probe its health endpoint
            assert process.poll() is None, log_path.read_text()[-2000:]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        for token in (ALICE, BOB):
            with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=30) as client:
                run_turns(client, token)
        with httpx.Client(base_url=url, headers={"authorization": "Bearer hf_emu_wrong"}, timeout=30) as client:
            assert client.get("/v1/responses/resp_" + "0" * 32).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    log = log_path.read_bytes()
    assert b"DEBUG" in log and b"/v1/chat/completions" in log  # debug logging really was on
    for token in (*TOKENS, b"hf_emu_wrong"):
        assert token not in log
