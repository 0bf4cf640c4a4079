"""The runner as a client of the public API: built-in tasks pass with their scripted answers, budget pauses are
approved up to the task's ceiling (denied above it), the wall-clock limit cancels, a dropped stream resumes without
a gap, and the report's figures are the sums of the saved events."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from evals import trace as traces
from tests.conftest import ALICE
from tests.evals.conftest import checks_of, unit_of, write_tasks

BUILTIN_SAMPLE = ["seed-rag-two-turn", "seed-ultrachat-audit", "budget-pause-gpu-job", "trackio-dashboard",
                  "code-mode-hub-query", "repo-push-model-card"]


@pytest.fixture(scope="module")
def builtin_run(run_eval):
    return run_eval(patterns=BUILTIN_SAMPLE)


def test_builtin_tasks_pass_with_their_scripted_answers(builtin_run):
    data, _ = builtin_run
    failures = {u["task_id"]: [c for c in u["checks"] if c["passed"] is not True] for u in data["units"]
                if not u["passed"]}
    assert not failures
    assert sorted(u["task_id"] for u in data["units"]) == sorted(BUILTIN_SAMPLE)
    two_turn = next(u for u in data["units"] if u["task_id"] == "seed-rag-two-turn")
    assert {c["turn"] for c in two_turn["checks"]} == {0, 1}


def test_chained_turn_continues_the_first(builtin_run):
    _, out = builtin_run
    trace = traces.load(next((out / "traces").glob("seed-rag-two-turn__*.json")))
    first, second = trace.turns
    assert second.request["previous_response_id"] == first.response_id
    assert second.response["previous_response_id"] == first.response_id


def test_budget_pause_approved_up_to_the_ceiling(builtin_run, server):
    data, out = builtin_run
    unit = unit_of(data, "budget-pause-gpu-job")
    assert unit["passed"] and unit["metrics"]["approvals_requested"] >= 1
    trace = traces.load(out / "traces" / unit["trace_file"])
    (turn,) = trace.turns
    approvals = [a for a in turn.actions if a.kind == "approve"]
    assert approvals and approvals[0].new_max_cost_usd == 3.0
    pause = next(e for e in turn.events if e["type"] == "response.incomplete")
    assert approvals[0].after_sequence == pause["sequence_number"]
    with server.client(ALICE) as client:  # the deployment's own record: the cap was raised by the approval
        assert client.get(f"/v1/responses/{turn.response_id}").json()["max_cost_usd"] == 3.0
    assert turn.events[-1]["type"] == "response.completed"


def test_budget_pause_above_the_ceiling_is_denied(run_eval, tmp_path: Path):
    task = {"id": "over-ceiling", "input": "GPU job.", "budget": {"max_cost_usd": 0.05, "approve_up_to_usd": 0.2},
            "checks": [{"type": "budget_pause", "approved": True}],
            "emulator_script": [
                {"call": "hf_job_run", "arguments": {"command": ["nvidia-smi"], "flavor": "a10g-small",
                                                     "timeout_seconds": 1800, "env": {"EMULATOR_JOB_SECONDS": "0.2"}}},
                {"say": "I was not allowed to run the job."}]}
    data, out = run_eval(write_tasks(tmp_path, task))
    check = checks_of(data, "over-ceiling")["budget_pause"]
    assert check["passed"] is False and "the runner approved nothing" in check["detail"]
    trace = traces.load(next((out / "traces").glob("*.json")))
    (deny,) = [a for a in trace.turns[0].actions if a.kind == "deny"]
    assert "above the task's ceiling of 0.20 USD" in deny.reason
    assert trace.turns[0].status == "completed"  # the agent got the denial back and answered
    assert not any(e["type"] == "response.artifact.created" for e in trace.turns[0].events)


def test_wall_clock_limit_cancels_the_run(run_eval, tmp_path: Path):
    task = {"id": "slow", "input": "Think long.", "wall_clock_seconds": 1.5,
            "checks": [{"type": "facts", "all_of": ["finally"]}],
            "emulator_script": [{"hang_ms": 60_000}, {"say": "finally"}]}
    started = time.monotonic()
    data, out = run_eval(write_tasks(tmp_path, task))
    assert time.monotonic() - started < 30
    unit = unit_of(data, "slow")
    assert unit["cancelled_by_runner"] and unit["status"] == "cancelled" and not unit["passed"]
    assert data["models"][unit["model"]]["cancelled_by_runner"] == 1
    trace = traces.load(out / "traces" / unit["trace_file"])
    assert [a.kind for a in trace.turns[0].actions] == ["cancel"]
    assert trace.turns[0].events[-1]["type"] == "response.cancelled"
    assert 1.5 <= trace.wall_seconds < 30


class CuttingTransport(httpx.AsyncBaseTransport):
    """In front of the deployment: the first ``cuts`` event streams are cut after ``after_bytes`` (as a network drop)."""

    def __init__(self, cuts: int, after_bytes: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.cuts = cuts
        self.after_bytes = after_bytes
        self.resumed_from: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/events"):
            return response
        self.resumed_from.append(request.headers.get("last-event-id"))
        if self.cuts <= 0:
            return response
        self.cuts -= 1
        limit, stream = self.after_bytes, response.stream

        class Cut(httpx.AsyncByteStream):
            async def __aiter__(self):
                sent = 0
                async for chunk in stream:
                    if sent + len(chunk) >= limit:
                        yield chunk[:limit - sent]
                        raise httpx.ReadError("connection reset (test)")
                    sent += len(chunk)
                    yield chunk

            async def aclose(self) -> None:
                await stream.aclose()

        return httpx.Response(response.status_code, headers=response.headers, stream=Cut(), request=request)


def test_a_dropped_stream_resumes_with_last_event_id_without_gap_or_duplicate(run_eval, tmp_path: Path):
    task = {"id": "resumed", "input": "Stream.", "checks": [{"type": "facts", "all_of": ["end of answer"]}],
            "emulator_script": [{"call": "paper_search", "arguments": {"query": "lora"}},
                                {"say": "A long answer " * 40 + "end of answer", "chunks": 20, "delay_ms": 5}]}
    transport = CuttingTransport(cuts=3, after_bytes=1500)
    data, out = run_eval(write_tasks(tmp_path, task), transport=transport)
    unit = unit_of(data, "resumed")
    assert unit["passed"], unit["checks"]
    trace = traces.load(out / "traces" / unit["trace_file"])
    sequences = [e["sequence_number"] for e in trace.turns[0].events]
    assert sequences == list(range(len(sequences)))
    assert trace.turns[0].reconnects >= 3
    assert transport.resumed_from[0] is None and all(r is not None for r in transport.resumed_from[1:4])


def test_report_figures_are_the_sums_of_the_saved_events(builtin_run, server):
    data, out = builtin_run
    loaded = traces.load_all(out / "traces")
    events = [(t.model, e) for t in loaded for turn in t.turns for e in turn.events]
    llm = [e for _, e in events if e["type"] == "response.llm_call"]
    actions = [e for _, e in events if e["type"] == "response.action_cost"]
    tool_items = {e["item"]["id"] for _, e in events if e["type"] == "response.output_item.added"
                  and e["item"]["type"] == "mcp_call"}
    (model,) = data["models"]
    summary = data["models"][model]
    assert summary["model_calls_total"] == len(llm) > 0
    assert summary["input_tokens_total"] == sum(e["input_tokens"] for e in llm)
    assert summary["output_tokens_total"] == sum(e["output_tokens"] for e in llm)
    assert summary["cost_usd_total"] == pytest.approx(sum(e["cost_usd"] for e in llm + actions), abs=1e-6)
    assert summary["action_cost_usd_total"] == pytest.approx(sum(e["cost_usd"] for e in actions), abs=1e-6)
    assert summary["action_cost_usd_total"] > 0  # the GPU job was charged
    assert summary["tool_calls_total"] == len(tool_items) > 0
    assert summary["approvals_requested_total"] == sum(1 for _, e in events if e["type"] == "response.approval_required")
    assert summary["wall_seconds_total"] == pytest.approx(sum(t.wall_seconds for t in loaded), abs=1e-3)
    # Per unit, the cost read from the events is what the deployment reports as the response's spend.
    for trace in loaded:
        unit = next(u for u in data["units"] if u["trace_file"] == trace.file_name)
        reported = sum(turn.response["usage"]["cost_usd"] for turn in trace.turns)
        assert unit["metrics"]["cost_usd"] == pytest.approx(reported, abs=1e-6), trace.task_id
    markdown = (out / "report.md").read_text()
    assert f"| {model} | {summary['runs']} | 100% ({summary['runs']}) |" in markdown


def test_several_models_and_repeats_each_get_a_unit_and_a_trace(run_eval, tmp_path: Path):
    task = {"id": "tiny", "input": "Hi.", "checks": [{"type": "facts", "all_of": ["hello"]}],
            "emulator_script": [{"say": "hello"}]}
    models = ["moonshotai/Kimi-K2.6:novita", "openai/gpt-oss-120b:cerebras"]
    data, out = run_eval(write_tasks(tmp_path, task), models=models, repeat=2)
    assert sorted((u["model"], u["repeat"]) for u in data["units"]) == sorted((m, r) for m in models for r in (0, 1))
    assert {m: s["runs"] for m, s in data["models"].items()} == {m: 2 for m in models}
    assert len(list((out / "traces").glob("tiny__*.json"))) == 4
    for trace in traces.load_all(out / "traces"):
        assert trace.turns[0].request["model"] == trace.model
        assert trace.turns[0].response["model"].startswith(trace.model.split(":")[0])


def test_the_judge_is_reported_apart_from_the_checks(run_eval, tmp_path: Path):
    from tests.conftest import script

    rubric = script({"say": '{"score": 5, "reasons": "Clear and correct."}'}, prompt="5: correct. 1: wrong.")
    task = {"id": "judged", "input": "What is LoRA?", "judge": {"rubric": rubric, "pass_score": 4},
            "checks": [{"type": "word_limit", "max_words": 3}],
            "emulator_script": [{"say": "LoRA trains low-rank adapters on frozen weights."}]}
    data, out = run_eval(write_tasks(tmp_path, task), judge_model="openai/gpt-oss-120b:cerebras")
    unit = unit_of(data, "judged")
    assert unit["passed"] is False  # the word limit failed; the judge's 5 does not change that
    assert (unit["judge"]["score"], unit["judge"]["passed"]) == (5, True)
    assert data["models"][unit["model"]]["judge"] == {"judged": 1, "mean_score": 5, "pass_rate": 1.0}
    assert "## Judge (apart from the automatic checks)" in (out / "report.md").read_text()
    assert traces.load(out / "traces" / unit["trace_file"]).judge["reasons"] == "Clear and correct."
