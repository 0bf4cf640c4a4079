"""The session ledger is exact: every dollar it holds is carried by an event, priced from the live catalogs."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.helpers import all_events, create, nonce, settle
from tests.conftest import script

MODEL = "Qwen/Qwen3-Coder-480B-A35B-Instruct:novita"
JOB_SCRIPT = "# EMULATOR_JOB_SECONDS=0\nprint('ok')\n"


def _router_price(emulator, model: str) -> tuple[float, float]:
    """The price on the router's own /v1/models for ``org/name:provider``."""
    base, provider = model.split(":")
    listing = httpx.get(f"{emulator.router_url}/models").json()["data"]
    entry = next(e for e in listing if e["id"] == base)
    pricing = next(p for p in entry["providers"] if p["provider"] == provider)["pricing"]
    return pricing["input"], pricing["output"]


def _flavor_usd_per_hour(emulator, flavor: str) -> float:
    hardware = httpx.get(f"{emulator.url}/api/jobs/hardware").json()
    entry = next(h for h in hardware if h["name"] == flavor)
    assert entry["unitLabel"] == "minute"
    return entry["unitCostUSD"] * 60


def test_inference_and_job_spend_are_exact_and_priced_from_live_catalogs(alice: httpx.Client, emulator):
    price_in, price_out = _router_price(emulator, MODEL)
    # The live price differs from the static fallback table, so this proves the catalog is what is used.
    from agent.costs import STATIC_TOKEN_PRICES
    assert (price_in, price_out) != STATIC_TOKEN_PRICES[MODEL.split(":")[0]]
    per_hour = _flavor_usd_per_hour(emulator, "cpu-upgrade")

    steps = [{"call": "hf_job_run_uv", "arguments": {"script": JOB_SCRIPT, "flavor": "cpu-upgrade",
                                                     "timeout_seconds": 5400}},
             {"say": f"launched {nonce()}"}]
    first = settle(alice, create(alice, script(*steps), model=MODEL, max_cost_usd=5.0)["id"])
    assert first["status"] == "completed", first

    events = all_events(alice, first["id"])
    llm_calls = [e for e in events if e["type"] == "response.llm_call" and e["status"] == "ok"]
    assert len(llm_calls) == 2
    for call in llm_calls:
        assert call["price_source"] == "router"
        expected = round((call["input_tokens"] * price_in + call["output_tokens"] * price_out) / 1_000_000, 6)
        assert call["cost_usd"] == expected

    [action] = [e for e in events if e["type"] == "response.action_cost"]
    assert action["tool"] == "hf_job_run_uv"
    assert action["cost_usd"] == round(per_hour * 5400 / 3600, 6)
    # Charged as the job came to exist: the charge precedes the job's artifact, which is committed before the run
    # goes on, so no crash can leave a launched job out of the ledger.
    [job] = [e for e in events if e["type"] == "response.artifact.created" and e["artifact"]["type"] == "hf_job"]
    assert action["sequence_number"] < job["sequence_number"]

    charged = round(sum(e["cost_usd"] for e in llm_calls) + action["cost_usd"], 6)
    assert first["usage"]["cost_usd"] == pytest.approx(charged, abs=1e-9)
    assert first["usage"]["session_cost_usd"] == pytest.approx(charged, abs=1e-9)

    # A chained response starts from the session's ledger and adds its own spend, exactly.
    second = settle(alice, create(alice, script({"say": f"more {nonce()}"}), model=MODEL,
                                  previous_response_id=first["id"], max_cost_usd=5.0)["id"])
    assert second["status"] == "completed", second
    [call] = [e for e in all_events(alice, second["id"]) if e["type"] == "response.llm_call"]
    assert second["usage"]["cost_usd"] == call["cost_usd"]
    assert second["usage"]["session_cost_usd"] == pytest.approx(charged + call["cost_usd"], abs=1e-9)


def test_a_failed_action_is_released_not_charged(alice: httpx.Client):
    """A job the Hub refuses (unknown flavor on the wire) spent nothing: no action_cost, reservation released."""
    steps = [{"call": "hf_job_run_uv", "arguments": {"script": JOB_SCRIPT, "flavor": "cpu-basic",
                                                     "timeout_seconds": 600, "namespace": "someone-else"}},
             {"say": f"could not launch {nonce()}"}]
    body = settle(alice, create(alice, script(*steps), max_cost_usd=5.0)["id"])
    assert body["status"] == "completed", body
    [item] = [i for i in body["output"] if i["type"] == "mcp_call"]
    assert item["status"] == "failed"
    events = all_events(alice, body["id"])
    assert not [e for e in events if e["type"] == "response.action_cost"]
    llm_total = round(sum(e.get("cost_usd", 0.0) for e in events if e["type"] == "response.llm_call"), 6)
    assert body["usage"]["session_cost_usd"] == pytest.approx(llm_total, abs=1e-9)
