"""Replay re-scores saved traces without any request; comparison tables and the plot; the judge, reported apart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import yaml

from evals import compare, judge as judging, report
from evals.replay import replay, rescore
from evals.tasks import JudgeSpec, load_tasks
from tests.conftest import ALICE, script
from tests.evals.conftest import write_tasks

TASKS = [
    {"id": "cite", "input": "Cite LoRA.",
     "checks": [{"type": "cited_urls", "min_count": 1, "kinds": ["paper"]},
                {"type": "dataset_splits", "dataset": "stanfordnlp/imdb", "must_include": ["train"]},
                {"type": "word_limit", "max_words": 40}],
     "emulator_script": [{"say": "LoRA (https://huggingface.co/papers/2106.09685) was tested on the `train` split "
                                 "of stanfordnlp/imdb by many people since then, in several different setups."}]},
    {"id": "job", "input": "Run.", "checks": [{"type": "job_completed"}],
     "emulator_script": [
         {"call": "hf_job_run", "arguments": {"command": ["true"], "timeout_seconds": 600,
                                              "env": {"EMULATOR_JOB_SECONDS": "0.3"}}},
         {"call": "hf_job_wait", "arguments": {"job_id": {"$from_tool": "Job launched: ([0-9a-f]+)"},
                                               "max_wait_seconds": 60}},
         {"say": "Done."}]},
]


@pytest.fixture(scope="module")
def saved_run(run_eval, tmp_path_factory):
    folder = write_tasks(tmp_path_factory.mktemp("tasks"), *TASKS)
    data, out = run_eval(folder)
    return folder, data, out


class NoNetwork(Exception):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any HTTP request made by httpx fails the test."""
    async def refuse(self, request, **kwargs):
        raise NoNetwork(f"replay made a request: {request.method} {request.url}")
    monkeypatch.setattr(httpx.AsyncClient, "send", refuse)


def test_replay_scores_like_the_live_run_without_any_request(saved_run, no_network, tmp_path: Path):
    folder, live, out = saved_run
    assert all(u["passed"] for u in live["units"]), live["units"]
    data, path, missing = asyncio.run(replay(out, tmp_path / "replayed", tasks_dirs=[folder]))
    assert missing == []
    strip = lambda units: sorted((u["task_id"], u["passed"], json.dumps(u["checks"]), u["metrics"]["cost_usd"])
                                 for u in units)
    assert strip(data["units"]) == strip(live["units"])
    assert path.read_text().startswith(f"# Eval run {live['run']['label']} (replayed)")
    assert (tmp_path / "replayed" / "report.json").exists()


def test_replay_applies_changed_checks_and_flags_what_it_cannot_decide(saved_run, no_network, tmp_path: Path):
    folder, _, out = saved_run
    changed = yaml.safe_load((folder / "cite.yaml").read_text())
    changed["version"] = 2
    changed["checks"][2]["max_words"] = 10  # tighter: the saved answer now fails
    changed["checks"].append({"type": "dataset_splits", "dataset": "openai/gsm8k"})  # never looked up live
    edited = tmp_path / "tasks"
    write_tasks(edited, changed, TASKS[1])
    results, missing = asyncio.run(rescore(out, tasks_dirs=[edited]))
    cite = next(r for r in results if r.task_id == "cite")
    assert cite.task_changed and not cite.passed and cite.task_version == 2
    by_label = {c.label: c for c in cite.checks}
    assert by_label["at most 10 words"].passed is False
    assert by_label["split names of openai/gsm8k are the real ones"].passed is None  # undecided, not failed
    assert by_label["split names of stanfordnlp/imdb are the real ones"].passed is True  # from the recorded lookup
    assert any(key.endswith("splits:openai/gsm8k") for key in missing)
    job = next(r for r in results if r.task_id == "job")
    assert job.passed and not job.task_changed
    # --as-run ignores the edited definitions.
    as_run, _ = asyncio.run(rescore(out, tasks_dirs=[edited], as_run=True))
    assert all(r.passed for r in as_run)


def _report(label: str, outcomes: dict[str, tuple[bool, float]], model: str = "m") -> dict:
    """A report of one model's units built from (passed, cost) per task, through report.build."""
    from evals.scoring import UnitResult

    units = [UnitResult(task_id=task, task_version=1, task_digest="d", family="f", model=model, repeat=0,
                        status="completed", passed=passed, checks=[], metrics={
                            **{name: 0 for name in ("llm_cost_usd", "action_cost_usd", "tokens", "input_tokens",
                                                    "output_tokens", "reasoning_tokens", "model_calls",
                                                    "model_call_errors", "tool_calls", "tool_errors",
                                                    "approvals_requested", "wall_seconds", "model_seconds")},
                            "cost_usd": cost}, trace_file=f"{task}.json")
             for task, (passed, cost) in outcomes.items()]
    meta = {"run_id": label, "label": label, "base_url": "x", "repeat": 1, "concurrency": 1, "started_at": "t",
            "wall_seconds": 1.0, "tasks": {task: {"digest": "d"} for task in outcomes}}
    return report.build(meta, units)


def test_comparison_of_two_runs_lists_regressions_and_plots_each_arm(tmp_path: Path):
    before = _report("before", {"a": (True, 0.10), "b": (True, 0.20), "c": (False, 0.30)})
    after = _report("after", {"a": (True, 0.05), "b": (False, 0.05), "c": (True, 0.05)})
    for name, data in (("before", before), ("after", after)):
        report.write(data, tmp_path / name)
    path = compare.write([tmp_path / "before", tmp_path / "after"], tmp_path / "cmp")
    data = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert data["regressions"] == [{"task": "b", "before": 1.0, "after": 0.0}]
    arms = {arm["arm"]: arm["summary"] for arm in data["arms"]}
    assert arms["before · m"]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert arms["after · m"]["cost_usd_per_run"] == pytest.approx(0.05)
    text = path.read_text()
    assert "| b | 100% | 0% |" in text and "- b: 100% → 0%" in text
    svg = (tmp_path / "cmp" / "comparison.svg").read_text()
    assert svg.count("<circle") == 4 and "before · m: 67% at $0.2000" in svg
    # In CI after a prompt change: a regression is a failure, none is a success.
    from click.testing import CliRunner

    from evals.cli import main

    args = ["compare", "--fail-on-regression", "--out", str(tmp_path / "cli")]
    assert CliRunner().invoke(main, [*args, str(tmp_path / "before"), str(tmp_path / "after")]).exit_code == 1
    assert CliRunner().invoke(main, [*args, str(tmp_path / "after"), str(tmp_path / "after")]).exit_code == 0


def test_comparison_of_the_models_of_one_run(tmp_path: Path):
    first = _report("run", {"a": (True, 0.1)}, model="small")
    second = _report("run", {"a": (False, 0.3)}, model="large")
    merged = report.build(first["run"], [])
    merged["models"] = {**first["models"], **second["models"]}
    merged["tasks"] = {"a": {**first["tasks"]["a"], **second["tasks"]["a"]}}
    data = compare.build([merged])
    assert [arm["arm"] for arm in data["arms"]] == ["small", "large"]
    assert data["tasks"] == [{"task": "a", "pass_rate": {"small": 1.0, "large": 0.0},
                              "cost_usd_per_run": {"small": 0.1, "large": 0.3}}]


def test_judge_through_the_router_is_parsed_and_reported_apart(emulator):
    rubric = script({"say": '{"score": 4, "reasons": "Accurate and cited."}'}, prompt="5: perfect. 1: wrong.")

    async def ask():
        async with httpx.AsyncClient() as http:
            return await judging.judge(http, emulator.router_url, ALICE, "openai/gpt-oss-120b",
                                       JudgeSpec(rubric=rubric, pass_score=4), "What is LoRA?", "Low-rank adapters.")

    verdict = asyncio.run(ask())
    assert (verdict.score, verdict.passed, verdict.reasons, verdict.error) == (4, True, "Accurate and cited.", None)
    assert verdict.input_tokens > 0
    # The token never goes to a host that is not Hugging Face's (nor loopback).
    refused = asyncio.run(judging.judge(httpx.AsyncClient(), "https://router.example.com/v1", ALICE, "m",
                                        JudgeSpec(rubric="r"), "q", "a"))
    assert refused.score is None and "not a Hugging Face host" in refused.error


def test_judge_parses_loose_replies():
    assert judging.parse('Here: {"score": 5, "reasons": "great"}') == (5, "great")
    assert judging.parse('"score": 2 because it is wrong') == (2, "")
    assert judging.parse("no idea") == (None, "")


def test_builtin_suite_has_the_seed_tasks_and_every_tool_family():
    tasks = load_tasks()
    seeds = [t for t in tasks if "seed" in t.tags]
    assert len(seeds) >= 8 and len(tasks) - len(seeds) >= 10
    families = {t.family for t in tasks}
    assert {"code-mode", "papers", "docs", "dataset-inspection", "jobs", "repo-push", "trackio", "budget",
            "multi-turn", "research", "model-selection", "hub-search"} <= families
    for task in tasks:
        assert task.turns and all(turn.checks and turn.emulator_script for turn in task.turns), task.id
    assert [t.id for t in load_tasks(patterns=["seed-*"])] == sorted(t.id for t in seeds)
    assert [t.id for t in load_tasks(patterns=["trackio"])] == ["trackio-dashboard"]
