"""Scripted runs for the CLI tests (the emulator's model language: tests/emulator/README.md)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.integration.helpers import nonce, uscript

ANSWER = "The model is at alice/{repo}: eval accuracy 0.91."


def job_script(repo: str, seconds: int = 1) -> str:
    return ("# /// script\n# dependencies = [\"transformers\"]\n# ///\n"
            f"# EMULATOR_JOB_SECONDS={seconds} EMULATOR_JOB_LOG_LINES=3 EMULATOR_JOB_CREATES_REPO=alice/{repo}\n"
            "print(\"fine-tuning\")\n")


def job_run(repo: str, *, job_seconds: int = 1, answer_delay_ms: int = 0) -> str:
    """A plan, a Hub search, an HF Job (its logs stream while the agent waits) that pushes a model, the answer."""
    return uscript(
        {"call": "plan", "arguments": {"steps": [{"title": "Find a base model", "status": "in_progress"},
                                                 {"title": "Fine-tune it", "status": "pending"}]}},
        {"call": "hub_search", "arguments": {"kind": "model", "search": "bge", "limit": 3}},
        {"say": "Launching the job.", "calls": [{"call": "hf_job_run_uv", "arguments": {
            "script": job_script(repo, job_seconds), "flavor": "cpu-basic", "timeout_seconds": 1800,
            "hf_token": True}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": {"$from_tool": "Job launched: ([0-9a-f]+)"},
                                              "max_wait_seconds": 60}},
        {"say": ANSWER.format(repo=repo), "chunks": 6, "delay_ms": answer_delay_ms},
    )


def repo_name() -> str:
    return f"cli-{nonce()}"


def answer(text: str, **step: Any) -> str:
    return uscript({"say": text, **step})


def hang(ms: int = 60_000) -> str:
    return uscript({"hang_ms": ms}, {"say": "finally"})


def json_lines(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object."""
    return [json.loads(line) for line in stdout.split("\n") if line]


RESPONSE_ID = re.compile(r"resp_[0-9a-f]{32}")
