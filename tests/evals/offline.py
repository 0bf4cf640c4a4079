"""``make eval`` offline: start the Hugging Face emulator and the server as child processes, run the eval suite
against them with the emulator's scripted model (each task's ``emulator_script``), write the report, then compare
the models run. Arguments after the command go to ``ml-intern-eval run`` (e.g. ``--tasks 'seed-*'``).

    python -m tests.evals.offline [--out DIR] [ml-intern-eval run options...]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks.load_procs import server_env, start_emulator, start_server
from evals import compare
from evals.cli import main as eval_main
from evals.runner import new_run_id

ROOT = Path(__file__).resolve().parents[2]
# Two models of the emulator's router, priced differently: the comparison shows pass rate against cost.
DEFAULT_MODELS = ["moonshotai/Kimi-K2.6:novita", "openai/gpt-oss-120b:cerebras"]
EMULATED_TOKEN = "hf_emu_alice"


def main(argv: list[str]) -> int:
    out = ROOT / "evals-runs" / f"offline-{new_run_id()}"
    if "--out" in argv:
        out = Path(argv[argv.index("--out") + 1])
        del argv[argv.index("--out"):argv.index("--out") + 2]
    models = [] if "--model" in argv else [arg for model in DEFAULT_MODELS for arg in ("--model", model)]
    with tempfile.TemporaryDirectory(prefix="ml-intern-eval-") as scratch:
        logs = Path(scratch)
        emulator = start_emulator(0, logs / "emulator.log")
        try:
            server = start_server(server_env(emulator.url, f"sqlite:///{logs / 'eval.db'}"), logs / "server.log")
            try:
                os.environ["HF_TOKEN"] = EMULATED_TOKEN
                eval_main(["-v", "run", "--base-url", server.url, "--hub-url", emulator.url, "--datasets-server-url",
                           emulator.url, "--router-url", emulator.router_url, "--scripted", "--label", "offline",
                           "--out", str(out), *models, *argv], standalone_mode=False)
            finally:
                server.stop()
        finally:
            emulator.stop()
    path = compare.write([out], out / "comparison")
    print(f"Comparison of the models: {path} (plot: {out / 'comparison' / 'comparison.svg'})")
    print("These figures come from the emulator's scripted model: they test the harness, not any real model.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
