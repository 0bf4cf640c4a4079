"""Pure pieces: log cleaning, hardware prices and fallback, uv commands, argument validation, collection notes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.tools.repos.collection import dashboard_note, item_artifact
from agent.tools.jobs.launch import UvJobArgs, uv_command
from agent.tools.jobs.hardware import STATIC_FLAVORS, HardwareCatalog, parse_hardware
from agent.tools.jobs.logs import clean_log_line
from agent.tools.jobs.scheduled import ScheduledCreateArgs
from tests.jobs.context import tool_context


@pytest.mark.parametrize("raw, expected", [
    ("epoch 1 loss 0.3", "epoch 1 loss 0.3"),
    ("\x1b[32mINFO\x1b[0m ready", "INFO ready"),
    (" 10%|█         | 1/10 [00:01<00:09,  1.00s/it]", None),
    ("Map:   0%|    | 0/10\rMap: 100%|████| 10/10 [00:00<00:00]", "Map: 100%|████| 10/10 [00:00<00:00]"),
    ("a\rb\rfinal state", "final state"),
    ("  3%|3         | 30/1000 [00:01<00:30, 31.2it/s]\r  4%|4         | 40/1000", None),
    ("===== Job started at 2025-01-01 =====", None),
    ("   ", None),
    ("accuracy 100%", "accuracy 100%"),
])
def test_clean_log_line(raw, expected):
    assert clean_log_line(raw) == expected


def test_parse_hardware_units():
    flavors = parse_hardware([
        {"name": "cpu-basic", "prettyName": "CPU Basic", "cpu": "2 vCPU", "ram": "16 GB", "accelerator": None,
         "unitCostMicroUSD": 167, "unitCostUSD": 0.000167, "unitLabel": "minute"},
        {"name": "x-hour", "prettyName": "X", "cpu": "1", "ram": "1", "unitCostMicroUSD": 2_000_000,
         "unitLabel": "hour", "accelerator": {"model": "H200", "quantity": "1", "vram": "141 GB"}},
        {"name": "broken"}, "junk",
    ])
    assert flavors["cpu-basic"].usd_per_hour == pytest.approx(0.01002)
    assert flavors["x-hour"].usd_per_hour == 2.0 and flavors["x-hour"].accelerator == "1x H200 (141 GB)"
    assert set(flavors) == {"cpu-basic", "x-hour"}


async def test_catalog_falls_back_to_static_prices_when_the_hub_is_unreachable():
    catalog = HardwareCatalog()
    async with tool_context("http://127.0.0.1:9") as (ctx, _rec):
        flavors, live = await catalog.flavors(ctx)
    assert not live and flavors is STATIC_FLAVORS
    assert catalog.estimate_usd("http://127.0.0.1:9", "a100-large", 1800) == pytest.approx(1.25)
    assert catalog.estimate_usd("http://127.0.0.1:9", "nope", 1800) is None


def test_uv_command_for_a_url_runs_it_directly():
    command, env = uv_command(UvJobArgs(script="https://example.com/sft.py", script_args=["--lr", "1e-5"],
                                        dependencies=["trl"]))
    assert command == ["uv", "run", "--with", "trl", "https://example.com/sft.py", "--lr", "1e-5"] and env == {}


def test_argument_bounds():
    with pytest.raises(ValidationError):
        UvJobArgs(script="x", timeout_seconds=10)
    with pytest.raises(ValidationError):
        UvJobArgs(script="x", flavor="A100 LARGE")
    with pytest.raises(ValidationError):
        UvJobArgs(script="x", dependencies=["trl; rm -rf /`"])
    with pytest.raises(ValidationError, match="too large"):
        UvJobArgs(script="é" * 63_000)
    with pytest.raises(ValidationError, match="exactly one of"):
        ScheduledCreateArgs(schedule="@daily")
    with pytest.raises(ValidationError, match="preset"):
        ScheduledCreateArgs(schedule="tomorrow", command=["echo"])
    assert ScheduledCreateArgs(schedule="*/15 * * * *", script="print(1)").workload()[0].startswith("ghcr.io/astral")


def test_collection_notes_map_back_to_artifact_types():
    dash = item_artifact("https://hf.co", "space", "alice/trackio-x", dashboard_note("x"))
    assert (dash.type, dash.space_id, dash.project, dash.url) == ("trackio_dashboard", "alice/trackio-x", "x",
                                                                  "https://hf.co/spaces/alice/trackio-x")
    plain = item_artifact("https://hf.co", "dataset", "alice/d", "a user note")
    assert (plain.type, plain.repo_id, plain.url) == ("dataset", "alice/d", "https://hf.co/datasets/alice/d")
    assert item_artifact("https://hf.co", "paper", "2401.00001", None) is None
