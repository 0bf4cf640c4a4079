"""Options for load tests: many accounts, and scripted answers whose chunks carry their send time."""

from __future__ import annotations

import json
import re
import time

import httpx

from tests.emulator import EmulatorState, run_emulator
from tests.emulator.__main__ import banner, parse_args

KIMI = "moonshotai/Kimi-K2.6"
STAMP = re.compile(r"^\[t=(\d+\.\d{6})\] $")


def script(*steps) -> str:
    return "Stamp it.\n```emulator-script\n" + json.dumps(list(steps)) + "\n```"


def chat(url: str, steps: list, *, stream: bool, token: str = "hf_emu_alice") -> httpx.Response:
    body = {"model": KIMI, "stream": stream, "messages": [{"role": "user", "content": script(*steps)}]}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=10,
                      headers={"authorization": f"Bearer {token}"})


def test_load_accounts_are_classic_write_users_that_infer_and_pay():
    with run_emulator(state=EmulatorState(load_accounts=3)) as emu:
        assert "hf_emu_load_0003" not in emu.state.accounts
        who = httpx.get(f"{emu.url}/api/whoami-v2", headers={"authorization": "Bearer hf_emu_load_0002"},
                        timeout=10).json()
        assert (who["name"], who["type"], who["canPay"]) == ("load0002", "user", True)
        assert who["auth"]["accessToken"]["role"] == "write"
        answer = chat(emu.url, [{"say": "ok"}], stream=False, token="hf_emu_load_0000")
        assert answer.status_code == 200 and answer.json()["choices"][0]["message"]["content"] == "ok"
        # The default accounts are still there.
        assert emu.state.account_for_token("hf_emu_alice").name == "alice"


def test_cli_takes_load_accounts():
    assert parse_args([]).load_accounts == 0
    assert parse_args(["--load-accounts", "64"]).load_accounts == 64
    text = banner("127.0.0.1", 9000, 64)
    assert "ML_INTERN_ROUTER_URL=http://127.0.0.1:9000/v1" in text and "hf_emu_load_0063" in text


def test_stamped_chunks_carry_their_send_time(emulator):
    started = time.time()
    received: list[tuple[float, dict]] = []
    body = {"model": KIMI, "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": script({"stamped": 5, "delay_ms": 30})}]}
    with httpx.stream("POST", f"{emulator.router_url}/chat/completions", json=body, timeout=10,
                      headers={"authorization": "Bearer hf_emu_alice"}) as reply:
        for line in reply.iter_lines():
            if line.startswith("data: {"):
                received.append((time.time(), json.loads(line[6:])))
    contents = [(at, c["choices"][0]["delta"].get("content")) for at, c in received if c["choices"]]
    stamped = [(at, text) for at, text in contents if text]
    assert len(stamped) == 5
    stamps = [float(STAMP.match(text).group(1)) for _, text in stamped]
    assert all(started <= s <= at for s, (at, _) in zip(stamps, stamped))
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert min(gaps) >= 0.025  # stamped when sent, 30 ms apart, not when planned
    # The model still thinks first and reports usage as usual.
    assert any(c["choices"] and c["choices"][0]["delta"].get("reasoning_content") for _, c in received)
    usage = received[-1][1]["usage"]
    assert received[-1][1]["choices"] == [] and usage["completion_tokens"] > usage["completion_tokens_details"][
        "reasoning_tokens"]


def test_stamped_answer_without_streaming(emulator):
    before = time.time()
    text = chat(emulator.url, [{"stamped": 3}], stream=False).json()["choices"][0]["message"]["content"]
    parts = re.findall(r"\[t=(\d+\.\d{6})\] ", text)
    assert len(parts) == 3 and all(before <= float(p) <= time.time() for p in parts)


def test_stamped_step_is_validated(emulator):
    for step in ({"stamped": 0}, {"stamped": "5"}, {"stamped": 3, "say": "x"}, {"stamped": 3, "chunks": 2}):
        reply = chat(emulator.url, [step], stream=True)
        assert reply.status_code == 400, step
        assert reply.json()["error"]["code"] == "emulator_script_invalid"
