"""``make eval``'s path: the emulator and a server as child processes, the scripted suite, a report per run and a
comparison of the two models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_offline_eval_writes_the_report_and_the_model_comparison(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ML_INTERN_", "HF_TOKEN"))}
    done = subprocess.run([sys.executable, "-m", "tests.evals.offline", "--out", str(tmp_path / "run"),
                           "--tasks", "papers-lora-init,seed-rag-two-turn"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((tmp_path / "run" / "report.json").read_text())
    assert set(data["models"]) == {"moonshotai/Kimi-K2.6:novita", "openai/gpt-oss-120b:cerebras"}
    assert all(s["pass_rate"] == 1.0 and s["runs"] == 2 for s in data["models"].values()), data["models"]
    assert data["run"]["scripted"] is True
    assert len(list((tmp_path / "run" / "traces").glob("*.json"))) == 4
    assert "# Eval run offline" in (tmp_path / "run" / "report.md").read_text()
    comparison = json.loads((tmp_path / "run" / "comparison" / "comparison.json").read_text())
    assert [arm["model"] for arm in comparison["arms"]] == list(data["models"])
    assert (tmp_path / "run" / "comparison" / "comparison.svg").read_text().count("<circle") == 4
    assert "they test the harness, not any real model" in done.stdout
