"""What operators and a shared process rely on: Prometheus metrics, JSON logs, one pooled client per upstream
that never carries one caller's token on another's request."""

from __future__ import annotations

import asyncio
import json

import httpx
from prometheus_client.parser import text_string_to_metric_families

from agent.hf_hosts import CallerHttp, HfOnlyBearerAuth
from agent.llm import RouterClient, stream_completion
from agent.settings import Settings
from tests.conftest import ALICE, BOB, script
from tests.integration.helpers import chat_requests, create, stream_events, uscript
from tests.process import server_env, start_server_process


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_cover_turns_model_calls_tools_streams_and_the_store(server, alice):
    before = _samples(httpx.get(f"{server.url}/metrics").text)
    body = create(alice, uscript({"call": "hub_search", "arguments": {"search": "bge", "limit": 1}},
                                 {"say": "Found it."}))
    assert body["status"] == "completed"
    stream_events(alice, "POST", "/v1/responses", json={"input": uscript({"say": "streamed"}), "stream": True})
    reply = httpx.get(f"{server.url}/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    after = _samples(reply.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    model = "moonshotai/Kimi-K2.6:novita"
    assert grew("ml_intern_turns_total", status="completed") >= 2
    assert grew("ml_intern_model_call_seconds_count", model=model, status="ok") >= 3
    assert grew("ml_intern_model_tokens_total", model=model, kind="reasoning") > 0
    assert grew("ml_intern_model_cost_usd_total", model=model) > 0
    assert grew("ml_intern_tool_call_seconds_count", tool="hub_search", status="ok") >= 1
    assert grew("ml_intern_model_first_delta_seconds_count", model=model) >= 3
    assert grew("ml_intern_stream_lag_seconds_count") >= 1
    assert grew("ml_intern_events_appended_total") > 10
    assert grew("ml_intern_store_commit_seconds_count") > 0
    assert ("ml_intern_open_streams", ()) in after and ("ml_intern_live_sessions", ()) in after
    # No token, account, id or free text in any label.
    labels = " ".join(str(key[1]) for key in after)
    for forbidden in ("alice", "hf_emu_", "resp_", "sess_", "Found it"):
        assert forbidden not in labels and forbidden not in reply.text


def test_json_logs_name_the_response_and_session(emulator, tmp_path):
    env = server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite", ML_INTERN_LOG_FORMAT="json",
                     ML_INTERN_LOG_LEVEL="debug")
    server = start_server_process(env, tmp_path / "server.log")
    try:
        body = httpx.post(f"{server.url}/v1/responses", headers={"authorization": f"Bearer {ALICE}"}, timeout=30,
                          json={"input": script({"call": "hub_search", "arguments": {"search": "x"}},
                                                {"say": "ok"})}).json()
        assert body["status"] == "completed"
    finally:
        server.stop()
    lines = [line for line in (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert records and all({"level", "logger", "message"} <= r.keys() for r in records)
    about_turn = [r for r in records if r.get("response_id") == body["id"]]
    assert about_turn and all(r["session_id"] == body["session_id"] for r in about_turn)
    assert ALICE not in (tmp_path / "server.log").read_text()


async def test_one_pooled_client_carries_each_callers_token_only_on_their_requests():
    seen: list[tuple[str, str | None]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.001)  # interleave the callers' requests on the shared pool
        seen.append((request.url.params.get("who"), request.headers.get("authorization")))
        return httpx.Response(200, json={})

    settings = Settings(hub_url="https://hub.test", database_url="sqlite://")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as shared:
        callers = {token: CallerHttp(shared, HfOnlyBearerAuth(token, settings)) for token in (ALICE, BOB)}
        await asyncio.gather(*(callers[token].get("https://hub.test/api/x", params={"who": token})
                               for _ in range(25) for token in (ALICE, BOB)))
        assert "authorization" not in shared.headers and shared.auth is None
    assert len(seen) == 50
    assert all(auth == f"Bearer {who}" for who, auth in seen)


async def test_the_router_pool_sends_each_sessions_token_and_header(emulator):
    router = RouterClient.create(emulator.router_url, timeout=30)
    try:
        async def ask(token: str, session: str) -> None:
            await stream_completion(router.bind(token, session), model="openai/gpt-oss-20b", tools=[],
                                    messages=[{"role": "user", "content": f"pool check {session}"}],
                                    on_text=_ignore)

        await asyncio.gather(*(ask(token, f"sess_pool_{token[-3:]}_{i}") for i in range(10) for token in (ALICE, BOB)))
        assert "Authorization" not in router.http.headers
    finally:
        await router.aclose()
    checked = 0
    for token, account in ((ALICE, "alice"), (BOB, "bob")):
        for i in range(10):
            [entry] = chat_requests(emulator, f"sess_pool_{token[-3:]}_{i}")
            assert entry["account"] == account
            checked += 1
    assert checked == 20


def _ignore(_delta: str) -> None:
    return None


def test_a_settled_response_is_served_to_its_owner_only_and_a_running_one_stays_fresh(alice, bob, emulator):
    done = create(alice, uscript({"say": "final answer"}))
    for _ in range(2):  # the second read comes from memory: same body, same rules
        reply = alice.get(f"/v1/responses/{done['id']}")
        assert reply.status_code == 200 and reply.json()["output_text"] == "final answer"
        assert bob.get(f"/v1/responses/{done['id']}").status_code == 404
    running = create(alice, uscript({"hang_ms": 30_000}, {"say": "late"}), background=True)
    assert alice.get(f"/v1/responses/{running['id']}").json()["status"] in ("queued", "in_progress")
    alice.post(f"/v1/responses/{running['id']}/cancel")
    from tests.integration.helpers import settle

    settle(alice, running["id"])
    assert alice.get(f"/v1/responses/{running['id']}").json()["status"] == "cancelled"
