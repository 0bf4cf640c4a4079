"""A server killed mid-turn: after restart the response reads incomplete/server_restart and the session goes on."""

from __future__ import annotations

import httpx

from tests.conftest import ALICE, script
from tests.process import server_env, start_server_process, wait_for

AUTH = {"authorization": f"Bearer {ALICE}"}


def _get(url: str, response_id: str) -> dict:
    return httpx.get(f"{url}/v1/responses/{response_id}", headers=AUTH, timeout=10).json()


def test_kill_mid_turn_then_restart_reports_server_restart(emulator, tmp_path):
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite")
    first = start_server_process(env, tmp_path / "first.log")
    try:
        created = httpx.post(f"{first.url}/v1/responses", headers=AUTH, timeout=10, json={
            "input": script({"say": "Starting a long step.", "calls": [
                                {"call": "hub_search", "arguments": {"kind": "model", "search": "bge"}}]},
                            {"hang_ms": 60000}, {"say": "never reached"}, prompt="Long task"),
            "background": True}).json()
        # Wait until the first answer is recorded and the second model call is hanging.
        wait_for(lambda: [(i["type"], i["status"]) for i in _get(first.url, created["id"])["output"]] == [
            ("reasoning", "completed"), ("message", "completed"), ("mcp_call", "completed")])
        assert _get(first.url, created["id"])["status"] == "in_progress"
    finally:
        first.kill()

    second = start_server_process(env, tmp_path / "second.log")
    try:
        after = _get(second.url, created["id"])
        assert after["status"] == "incomplete"
        assert after["incomplete_details"] == {"reason": "server_restart"}
        assert after["output_text"] == "Starting a long step."

        # The event stream replays and ends with the incomplete event.
        with httpx.stream("GET", f"{second.url}/v1/responses/{created['id']}/events", headers=AUTH,
                          timeout=10) as stream:
            types = [line.removeprefix("event: ") for line in stream.iter_lines() if line.startswith("event: ")]
        assert types[0] == "response.created" and types[-1] == "response.incomplete"

        # The caller continues the session with a chained request; the model sees the earlier turn.
        follow = httpx.post(f"{second.url}/v1/responses", headers=AUTH, timeout=30, json={
            "input": "Continue where you left off.", "previous_response_id": created["id"]}).json()
        assert follow["status"] == "completed"
        assert follow["session_id"] == created["session_id"]
        chats = httpx.get(f"{emulator.url}/_emulator/requests", params={"path_prefix": "/v1/chat"}).json()["requests"]
        last_messages = chats[-1]["json"]["messages"]
        contents = [m.get("content") or "" for m in last_messages]
        assert any("Long task" in c for c in contents)
        assert any(c == "Starting a long step." for c in contents)
        # The tool call and its result from the interrupted turn are in the history, paired.
        assert any(m.get("role") == "tool" for m in last_messages)
        assert last_messages[-1]["content"] == "Continue where you left off."
    finally:
        second.stop()
