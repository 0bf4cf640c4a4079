"""Request recording: shape, token redaction, filtering, clearing."""

from __future__ import annotations

import json

import httpx
from huggingface_hub import HfApi
from openai import OpenAI


def test_requests_are_recorded_without_tokens(emulator):
    HfApi(endpoint=emulator.url, token="hf_emu_alice").whoami()
    client = OpenAI(base_url=emulator.router_url, api_key="hf_emu_dave_fg", max_retries=0,
                    default_headers={"X-HF-Session-id": "sess-1"})
    client.chat.completions.create(model="moonshotai/Kimi-K2.6", messages=[{"role": "user", "content": "hi"}])
    httpx.get(f"{emulator.url}/api/models", params={"filter": ["a", "b"]}, headers={"Authorization": "Bearer hf_x"})

    log = httpx.get(f"{emulator.url}/_emulator/requests").json()["requests"]
    assert [r["path"] for r in log] == ["/api/whoami-v2", "/v1/chat/completions", "/api/models"]
    whoami, chat, listing = log
    assert whoami["account"] == "alice" and whoami["headers"]["authorization"] == "Bearer alice"
    assert chat["method"] == "POST" and chat["json"]["messages"][0]["content"] == "hi"
    assert chat["headers"]["x-hf-session-id"] == "sess-1" and chat["account"] == "dave"
    assert listing["query"] == {"filter": ["a", "b"]}
    assert listing["account"] is None and listing["headers"]["authorization"] == "Bearer <unknown>"
    dump = json.dumps(log)
    assert "hf_emu_" not in dump and "hf_x" not in dump

    only_chat = httpx.get(f"{emulator.url}/_emulator/requests", params={"path_prefix": "/v1/chat"}).json()
    assert len(only_chat["requests"]) == 1
    assert httpx.delete(f"{emulator.url}/_emulator/requests").status_code == 200
    assert httpx.get(f"{emulator.url}/_emulator/requests").json() == {"requests": []}


def test_log_is_bounded(emulator):
    for i in range(5_010):
        emulator.state.record({"method": "GET", "path": f"/x/{i}", "query": {}, "headers": {}, "json": None,
                               "account": None})
    recorded = emulator.state.recorded()
    assert len(recorded) == 5_000 and recorded[-1]["path"] == "/x/5009"
