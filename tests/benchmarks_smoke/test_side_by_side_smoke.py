"""The side-by-side benchmark runs end to end: two servers loaded at once, a ratio per wave, no errors.

Only that it works: CI never gates on absolute times, which depend on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(180)
def test_two_servers_loaded_at_once_give_a_ratio_per_wave(tmp_path: Path) -> None:
    out = tmp_path / "side.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.side_by_side", "--streams", "3", "--chunks", "6",
                          "--waves", "2", "--b-env", "ML_INTERN_DELTA_FLUSH_MS=5", "--json", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=150,
                         env={k: v for k, v in os.environ.items() if not k.startswith("ML_INTERN_")})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads(out.read_text())
    assert len(data["waves"]) == 2 and data["figures"]["errors"] == 0
    # (A few tiny streams cost a CPU tick or two: the figures exist, their size means nothing here.)
    assert all(isinstance(w[k], float) for w in data["waves"] for k in ("a_us_per_delta", "b_us_per_delta"))
    assert all(w["a_lag_p50_ms"] is not None and w["b_lag_p50_ms"] is not None for w in data["waves"])
    assert "B/A median" in run.stdout


def test_settings_for_a_side_must_be_the_servers_own() -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks.side_by_side", "--b-env", "PATH=/tmp"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "ML_INTERN_NAME=value" in run.stderr
