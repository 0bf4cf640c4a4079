"""`python -m tests.emulator` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.emulator.__main__ import banner, parse_args

ROOT = Path(__file__).resolve().parents[2]


def test_parse_args():
    args = parse_args(["--port", "0"])
    assert (args.port, args.host) == (0, "127.0.0.1")
    assert parse_args(["--port", "9001", "--host", "0.0.0.0"]).host == "0.0.0.0"
    text = banner("127.0.0.1", 9000)
    assert "ML_INTERN_ROUTER_URL=http://127.0.0.1:9000/v1" in text


def test_module_runs_and_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        hub_url = None
        for line in proc.stdout:  # the banner is printed after the socket is bound and listening
            if "ML_INTERN_HUB_URL=" in line:
                hub_url = line.split("=", 1)[1].strip()
                break
        assert hub_url
        r = httpx.get(f"{hub_url}/api/whoami-v2", headers={"Authorization": "Bearer hf_emu_bob"}, timeout=10)
        assert r.json()["name"] == "bob"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
