"""Hub faults, injected by the emulator (tests/emulator/hub_faults.py), end in clean, documented states:

- token validation (whoami-v2) that errs, answers garbage or no account, or hangs → 503 ``hub_unavailable`` on
  /v1 and /mcp, nothing stored, nothing cached: the same token works as soon as the Hub does;
- datasets-server that errs, answers garbage or the wrong shape, or hangs → the ``dataset_inspect`` call is a tool
  error the model reads (``mcp_call`` status ``failed``), the turn goes on and completes; nothing is left running.

The server keeps serving after each case."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ALICE, ServerHandle, make_settings, run_server
from tests.emulator import EmulatorHandle, run_emulator
from tests.emulator.hub_faults import HubFault
from tests.integration.helpers import assert_envelope, count_responses, create, db_scalar, tool_error, uscript

WHOAMI_TIMEOUT = 0.5
TOOL_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    """An emulator of this module's own: its faults touch no other test."""
    with run_emulator() as handle:
        yield handle


@pytest.fixture(scope="module")
def server(emu: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    path = tmp_path_factory.mktemp("hub-faults") / "db.sqlite"
    # No validation cache, so every request meets the fault; short timeouts, so a hang costs the test little.
    settings = make_settings(emu, f"sqlite:///{path}", whoami_cache_seconds=0,
                             whoami_timeout_seconds=WHOAMI_TIMEOUT, tool_timeout_seconds=TOOL_TIMEOUT)
    with run_server(settings, path) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _no_fault_left(emu: EmulatorHandle) -> Iterator[None]:
    yield
    emu.state.hub_faults.clear()


def mcp_post(server: ServerHandle) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    return httpx.post(f"{server.url}/mcp", json=body, timeout=30, headers={
        "authorization": f"Bearer {ALICE}", "accept": "application/json, text/event-stream"})


@pytest.mark.parametrize("fault", [HubFault("error", status=500), HubFault("error", status=502),
                                   HubFault("error", status=503), HubFault("garbage"), HubFault("wrong_shape"),
                                   HubFault("hang", seconds=5)], ids=lambda f: f"{f.mode}-{f.status}")
def test_token_validation_faults_are_503_hub_unavailable(emu, server, fault):
    with server.client() as alice:
        done = create(alice, uscript({"say": "before"}))
        before = count_responses(server.database_path)
        emu.state.hub_faults.set("whoami", fault)
        started = time.monotonic()
        for reply in (alice.post("/v1/responses", json={"input": uscript({"say": "x"})}),
                      alice.get(f"/v1/responses/{done['id']}")):
            error = assert_envelope(reply, 503, code="hub_unavailable")
            assert error["type"] == "server_error" and ALICE not in error["message"]
        # /mcp answers the same refusal as a JSON-RPC error carrying the /v1 error object.
        reply = mcp_post(server)
        assert reply.status_code == 503 and reply.json()["error"]["data"]["code"] == "hub_unavailable"
        assert ALICE not in reply.text
        # A hang costs the configured timeout per request, not the Hub's stall.
        assert time.monotonic() - started < 3 * (WHOAMI_TIMEOUT + 1.5)
        assert count_responses(server.database_path) == before
        emu.state.hub_faults.clear()
        # Nothing was cached from the fault: the same token is served as soon as the Hub answers again.
        assert create(alice, uscript({"say": "after"}))["output_text"] == "after"
        assert mcp_post(server).status_code == 200


def test_a_hub_rate_limit_is_503_with_the_hubs_reset_as_retry_after(emu, server):
    """The Hub's 429 says when its window resets: a client retrying sooner only spends the quota again."""
    emu.state.hub_faults.set("whoami", HubFault("error", status=429, seconds=42))
    with server.client() as alice:
        reply = alice.post("/v1/responses", json={"input": "x"})
        error = assert_envelope(reply, 503, code="hub_rate_limited")
        assert reply.headers["retry-after"] == "42" and "42 s" in error["message"]


def test_a_fault_that_clears_between_requests_is_seen_by_one_request_only(emu, server):
    emu.state.hub_faults.set("whoami", HubFault("garbage", times=1))
    with server.client() as alice:
        assert_envelope(alice.post("/v1/responses", json={"input": "x"}), 503, code="hub_unavailable")
        assert create(alice, uscript({"say": "served"}))["status"] == "completed"


def inspect_turn(alice: httpx.Client) -> dict:
    return create(alice, uscript(
        {"say": "Looking at the data.", "calls": [{"call": "dataset_inspect",
                                                   "arguments": {"dataset": "stanfordnlp/imdb", "rows": 1}}]},
        {"say": "The viewer is down; I will try again later."}), wait_timeout_seconds=60)


@pytest.mark.parametrize(("fault", "message"), [
    (HubFault("error", status=500), "Dataset viewer /is-valid failed for stanfordnlp/imdb (500)"),
    # /is-valid goes through, /splits fails: the fault strikes in the middle of the tool's work.
    (HubFault("error", status=503, times=1, after=1), "Dataset viewer /splits failed for stanfordnlp/imdb (503)"),
    (HubFault("garbage"), "unreadable reply to /is-valid"),
    (HubFault("wrong_shape"), "unreadable reply to /is-valid"),
    (HubFault("hang", seconds=10), "did not finish within its time limit"),
], ids=["error-500", "error-503-mid-tool", "garbage", "wrong_shape", "hang"])
def test_dataset_viewer_faults_are_tool_errors_and_the_turn_completes(emu, server, fault, message):
    emu.state.hub_faults.set("datasets-server", fault)
    with server.client() as alice:
        started = time.monotonic()
        body = inspect_turn(alice)
        assert body["status"] == "completed", body
        (call,) = [item for item in body["output"] if item["type"] == "mcp_call"]
        assert call["name"] == "dataset_inspect" and call["status"] == "failed", call
        assert message in tool_error(call) and "unexpectedly" not in tool_error(call)
        assert body["output_text"].endswith("I will try again later.")
        assert time.monotonic() - started < TOOL_TIMEOUT + 8
        # No turn is left running, and the server serves the next one (the viewer is back).
        emu.state.hub_faults.clear()
        assert db_scalar(server.database_path,
                         "SELECT count(*) FROM responses WHERE status IN ('queued', 'in_progress')") == 0
        again = inspect_turn(alice)
        (call,) = [item for item in again["output"] if item["type"] == "mcp_call"]
        assert again["status"] == "completed" and call["status"] == "completed", call

