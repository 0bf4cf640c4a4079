"""The seed's example: one CPU HF Job fine-tunes and pushes a model; the turn waits, streams logs, reports URLs."""

from __future__ import annotations

import json

import httpx

from tests.conftest import script

SCRIPT = """# /// script
# dependencies = ["transformers", "datasets"]
# ///
# EMULATOR_JOB_SECONDS=1 EMULATOR_JOB_LOG_LINES=3 EMULATOR_JOB_CREATES_REPO=alice/ml-intern-api-imdb-distilbert
print("fine-tuning distilbert-base-uncased on an IMDb subset")
"""


def test_cpu_job_launched_waited_and_pushed_repo_listed(alice: httpx.Client, server):
    steps = [
        {"say": "Launching the job.", "calls": [{"call": "hf_job_run_uv", "arguments": {
            "script": SCRIPT, "flavor": "cpu-basic", "timeout_seconds": 1800, "hf_token": True,
            "env": {"HUB_MODEL_ID": "alice/ml-intern-api-imdb-distilbert"}}}]},
        {"call": "hf_job_wait", "arguments": {"job_id": {"$from_tool": "Job launched: ([0-9a-f]+)"},
                                              "max_wait_seconds": 60}},
        {"say": "Done: model at alice/ml-intern-api-imdb-distilbert, eval accuracy reported in the logs."},
    ]
    events = []
    with alice.stream("POST", "/v1/responses", json={"input": script(*steps, prompt="Run the IMDb job."),
                                                      "stream": True, "max_cost_usd": 15.0}, timeout=120) as reply:
        for line in reply.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["type"] == "response.completed", events[-1]
    final = events[-1]["response"]

    calls = [item for item in final["output"] if item["type"] == "mcp_call"]
    assert [c["name"] for c in calls] == ["hf_job_run_uv", "hf_job_wait"]
    assert all(c["status"] == "completed" for c in calls), calls
    assert "COMPLETED" in calls[1]["output"]

    # The job was recorded the moment it existed, before the wait began.
    kinds = [e["type"] for e in events]
    job_event = next(i for i, e in enumerate(events)
                     if e["type"] == "response.artifact.created" and e["artifact"]["type"] == "hf_job")
    wait_added = next(i for i, e in enumerate(events) if e["type"] == "response.output_item.added"
                      and e["item"].get("name") == "hf_job_wait")
    assert job_event < wait_added
    # Logs streamed as tool_log events while waiting.
    assert any(e["type"] == "response.tool_log" and "step" in e["text"] for e in events)
    assert "response.approval_required" not in kinds  # the estimate fitted the 15 USD budget

    # The repo the job pushed (no in-process event) was recovered from the session collection at turn end.
    artifacts = {(a["type"], a.get("repo_id") or a.get("id") or a.get("slug")) for a in final["artifacts"]}
    assert ("model", "alice/ml-intern-api-imdb-distilbert") in artifacts
    assert any(kind == "collection" for kind, _ in artifacts)
    model = next(a for a in final["artifacts"] if a["type"] == "model")
    assert model["url"].endswith("/alice/ml-intern-api-imdb-distilbert")
    # Listed once, and the same through the artifacts endpoint.
    listed = alice.get(f"/v1/responses/{final['id']}/artifacts").json()["data"]
    assert len(listed) == len(final["artifacts"]) == len({(a["type"], a["url"]) for a in listed})
