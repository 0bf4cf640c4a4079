"""Hub fault injection (tests/emulator/hub_faults.py): whoami and datasets-server fail on demand, the documented
way — in process, over /_emulator/faults, or from the command line — and only for as long as they are told to."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.emulator import EmulatorState, run_emulator
from tests.emulator.__main__ import parse_args
from tests.emulator.hub_faults import GARBAGE_PAGE, HubFault

ALICE = {"authorization": "Bearer hf_emu_alice"}


def whoami(url: str) -> httpx.Response:
    return httpx.get(f"{url}/api/whoami-v2", headers=ALICE, timeout=10)


def splits(url: str) -> httpx.Response:
    return httpx.get(f"{url}/splits", params={"dataset": "stanfordnlp/imdb"}, headers=ALICE, timeout=10)


@pytest.fixture
def emu():
    with run_emulator() as handle:
        yield handle


def test_each_mode_on_each_service(emu):
    faults = emu.state.hub_faults
    for service, call in (("whoami", whoami), ("datasets-server", splits)):
        faults.set(service, HubFault("error", status=502))
        reply = call(emu.url)
        assert reply.status_code == 502 and "fault" in reply.json()["error"]
        faults.set(service, HubFault("garbage"))
        reply = call(emu.url)
        assert (reply.status_code, reply.headers["content-type"], reply.text) == (
            200, "text/html; charset=utf-8", GARBAGE_PAGE)
        faults.set(service, HubFault("wrong_shape"))
        assert call(emu.url).json() == ({"type": "user"} if service == "whoami" else {})
        faults.set(service, HubFault("hang", seconds=0.3))
        started = time.monotonic()
        reply = call(emu.url)
        assert reply.status_code == 200 and time.monotonic() - started >= 0.3  # then the normal answer
        faults.clear(service)
        assert call(emu.url).status_code == 200
    # Other services are untouched by a fault.
    faults.set("whoami", HubFault("error"))
    assert splits(emu.url).status_code == 200
    assert httpx.get(f"{emu.url}/api/models/Qwen/Qwen3-0.6B", timeout=10).status_code == 200


def test_times_limits_a_fault_to_the_next_requests(emu):
    emu.state.hub_faults.set("whoami", HubFault("error", status=500, times=2))
    assert [whoami(emu.url).status_code for _ in range(3)] == [500, 500, 200]
    assert emu.state.hub_faults.describe() == {}


def test_faults_over_http_and_reset():
    with run_emulator(state=EmulatorState()) as emu:
        reply = httpx.post(f"{emu.url}/_emulator/faults", json={"service": "datasets-server", "mode": "error",
                                                                 "status": 500, "times": 3}, timeout=10)
        assert reply.json()["faults"]["datasets-server"]["left"] == 3
        assert splits(emu.url).status_code == 500
        assert httpx.get(f"{emu.url}/_emulator/faults", timeout=10).json()["faults"]["datasets-server"]["left"] == 2
        httpx.delete(f"{emu.url}/_emulator/faults", timeout=10)
        assert splits(emu.url).status_code == 200
        httpx.post(f"{emu.url}/_emulator/faults", json={"service": "whoami", "mode": "garbage"}, timeout=10)
        httpx.post(f"{emu.url}/_emulator/reset", timeout=10)
        assert whoami(emu.url).json()["name"] == "alice"
        for bad in ({"service": "router", "mode": "error"}, {"service": "whoami", "mode": "explode"},
                    {"service": "whoami", "mode": "error", "status": 200}, {"mode": "error"},
                    {"service": "whoami", "mode": "hang", "seconds": -1}):
            assert httpx.post(f"{emu.url}/_emulator/faults", json=bad, timeout=10).status_code == 400


def test_cli_sets_faults_at_start():
    args = parse_args(["--hub-fault", "whoami=error:500", "--hub-fault", "datasets-server=hang:2.5",
                       "--hub-fault", "whoami=garbage"])
    assert args.hub_faults == [("whoami", HubFault("error", status=500)),
                               ("datasets-server", HubFault("hang", seconds=2.5)), ("whoami", HubFault("garbage"))]
    for bad in ("nowhere=error", "whoami=explode", "whoami=error:abc", "whoami=garbage:3"):
        with pytest.raises(SystemExit):
            parse_args(["--hub-fault", bad])


def test_after_lets_requests_through_first(emu):
    emu.state.hub_faults.set("datasets-server", HubFault("error", status=500, times=1, after=2))
    assert [splits(emu.url).status_code for _ in range(4)] == [200, 200, 500, 200]
