"""Scripted answers run through the real server that pass, and that fail each kind of check: the harness must tell
them apart for the right reason, reading the Hub and datasets-server (the emulator) as it would the real ones."""

from __future__ import annotations

import pytest

from tests.evals.conftest import checks_of, unit_of, write_tasks

GOOD_URLS = ("Sources: https://huggingface.co/papers/2106.09685, https://huggingface.co/BAAI/bge-m3, "
             "https://huggingface.co/datasets/stanfordnlp/imdb, "
             "[upload guide](https://huggingface.co/docs/huggingface_hub/guides/upload), by https://huggingface.co/alice "
             "(a user) about https://huggingface.co/distilbert-base-uncased (a legacy model id).")

FAILING = [
    {"id": "bad-url", "input": "Cite pages.",
     "checks": [{"type": "cited_urls", "min_count": 2}, {"type": "word_limit", "max_words": 100}],
     "emulator_script": [{"say": GOOD_URLS + " Also https://huggingface.co/papers/2999.99999 and "
                                             "https://huggingface.co/datasets/nobody/no-such-dataset, by https://huggingface.co/nobody-at-all-xyz."}]},
    {"id": "good-url", "input": "Cite pages.", "checks": [{"type": "cited_urls", "min_count": 6}],
     "emulator_script": [{"say": GOOD_URLS}]},
    {"id": "bad-split", "input": "Splits of ultrachat?",
     "checks": [{"type": "dataset_splits", "dataset": "HuggingFaceH4/ultrachat_200k",
                 "must_include": ["train_sft", "test_sft"]}],
     "emulator_script": [{"say": "It has a `train` split and a `test` split with `messages`."}]},
    {"id": "good-split", "input": "Splits of ultrachat?",
     "checks": [{"type": "dataset_splits", "dataset": "HuggingFaceH4/ultrachat_200k",
                 "must_include": ["train_sft", "test_sft"]}],
     "emulator_script": [{"say": "Use `train_sft` to train and the test_sft split to evaluate (also train_gen)."}]},
    {"id": "bad-code", "input": "Code please.",
     "checks": [{"type": "code_parses"}, {"type": "repos_exist"}],
     "emulator_script": [{"say": "```python\nfrom transformers import pipeline\n"
                                 "asr = pipeline('automatic-speech-recognition', model='openai/whisper-large-v3-turbo'\n"
                                 "print(asr('a.wav')\n```"}]},
    {"id": "missing-repo", "input": "Code please.",
     "checks": [{"type": "code_parses"}, {"type": "repos_exist", "repos": ["BAAI/bge-m3"]}],
     "emulator_script": [{"say": "Use `BAAI/bge-m3`:\n```python\nfrom sentence_transformers import "
                                 "SentenceTransformer\nmodel = SentenceTransformer('nobody/imaginary-embedder')\n```"}]},
    {"id": "too-long", "input": "Be brief.", "checks": [{"type": "word_limit", "max_words": 5},
                                                       {"type": "facts", "all_of": ["LoRA"], "none_of": ["QLoRA"]}],
     "emulator_script": [{"say": "LoRA adds low-rank adapters; QLoRA quantizes the base model to 4 bits too."}]},
    {"id": "failed-job", "input": "Run it.", "budget": {"max_cost_usd": 2.0},
     "checks": [{"type": "job_completed"}, {"type": "artifacts", "expect": [{"type": "hf_job"}]}],
     "emulator_script": [
         {"call": "hf_job_run", "arguments": {"command": ["python", "-c", "raise SystemExit(1)"],
                                              "flavor": "cpu-basic", "timeout_seconds": 600,
                                              "env": {"EMULATOR_JOB_SECONDS": "0.5", "EMULATOR_JOB_RESULT": "ERROR"}}},
         {"call": "hf_job_wait", "arguments": {"job_id": {"$from_tool": "Job launched: ([0-9a-f]+)"},
                                               "max_wait_seconds": 60}},
         {"say": "The job failed."}]},
    {"id": "unicode-lines", "input": "Odd characters.",  # SSE lines end at CR/LF only, not at U+2028 or NEL
     "checks": [{"type": "facts", "all_of": ["one\u2028two\u0085three end"]}],
     "emulator_script": [{"say": "one\u2028two\u0085three end", "chunks": 3}]},
    {"id": "failed-run", "input": "Fail.", "checks": [{"type": "facts", "all_of": ["x"]}],
     "emulator_script": [{"error": 500, "times": 20}, {"say": "never"}]},
]


@pytest.fixture(scope="module")
def scored(run_eval, tmp_path_factory):
    """One run of every scenario above (concurrently), shared by the tests of this module."""
    folder = write_tasks(tmp_path_factory.mktemp("tasks"), *FAILING)
    data, _ = run_eval(folder)
    return data


def test_a_cited_url_that_does_not_exist_fails_and_real_ones_pass(scored):
    bad = checks_of(scored, "bad-url")["cited_urls"]
    assert bad["passed"] is False
    assert "https://huggingface.co/papers/2999.99999 does not resolve" in bad["detail"]
    assert "nobody/no-such-dataset" in bad["detail"]
    assert "https://huggingface.co/nobody-at-all-xyz does not resolve (account nobody-at-all-xyz)" in bad["detail"]
    assert "2106.09685" not in bad["detail"] and "bge-m3" not in bad["detail"]
    assert checks_of(scored, "bad-url")["word_limit"]["passed"] is True
    good = checks_of(scored, "good-url")
    assert good["cited_urls"] == {**good["cited_urls"], "passed": True, "detail": "6 URL(s) resolve"}
    assert unit_of(scored, "good-url")["passed"] is True and unit_of(scored, "bad-url")["passed"] is False


def test_a_wrong_split_name_fails_against_datasets_server(scored):
    bad = checks_of(scored, "bad-split")["dataset_splits"]
    assert bad["passed"] is False
    assert "names split(s) test, train that HuggingFaceH4/ultrachat_200k does not have" in bad["detail"]
    assert "train_sft is not named" in bad["detail"]
    good = checks_of(scored, "good-split")["dataset_splits"]
    assert good["passed"] is True, good


def test_a_syntax_error_in_a_code_block_fails(scored):
    checks = checks_of(scored, "bad-code")
    assert checks["code_parses"]["passed"] is False
    assert checks["code_parses"]["detail"] == "block 1, line 3: '(' was never closed"
    assert checks["repos_exist"]["passed"] is True  # the model id in the broken code is real


def test_a_repo_named_in_code_that_does_not_exist_fails(scored):
    checks = checks_of(scored, "missing-repo")
    assert checks["code_parses"]["passed"] is True
    assert checks["repos_exist"]["passed"] is False
    assert checks["repos_exist"]["detail"] == "nobody/imaginary-embedder does not exist on the Hub"


def test_word_limits_and_forbidden_facts(scored):
    checks = checks_of(scored, "too-long")
    assert checks["word_limit"]["passed"] is False and checks["word_limit"]["detail"].startswith("13 words")
    assert checks["facts"]["passed"] is False and checks["facts"]["detail"] == "states /QLoRA/"


def test_a_failed_job_fails_job_completed(scored):
    checks = checks_of(scored, "failed-job")
    assert checks["status"]["passed"] is True  # the run itself completed: the agent reported the failure
    assert checks["artifacts"]["passed"] is True
    assert checks["job_completed"]["passed"] is False
    assert ": ERROR" in checks["job_completed"]["detail"]


def test_a_failed_run_fails_every_check_and_says_why(scored):
    unit = unit_of(scored, "failed-run")
    assert unit["status"] == "failed" and unit["passed"] is False
    checks = checks_of(scored, "failed-run")
    assert checks["status"]["passed"] is False and checks["status"]["detail"].startswith("failed")
    assert checks["facts"]["passed"] is False


def test_every_scenario_saved_its_trace_and_the_report_lists_the_failures(scored):
    assert scored["models"]["moonshotai/Kimi-K2.6:novita"]["runs"] == len(FAILING)
    passed = {u["task_id"] for u in scored["units"] if u["passed"]}
    assert passed == {"good-url", "good-split", "unicode-lines"}
