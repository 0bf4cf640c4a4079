"""Pure parts of the harness: task files, URL classification, split claims, the approval decision, the CLI's
refusals, and the token's hosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from evals.checks.hub import claimed_splits
from evals.cli import main
from evals.follow import decide
from evals.hf_urls import classify, find_urls, hf_host_set, named_repo_ids
from evals.lookups import token_allowed
from evals.tasks import Budget, TaskFileError, load_task, load_tasks
from tests.evals.conftest import write_tasks


def test_task_files_are_validated_with_the_file_named(tmp_path: Path):
    write_tasks(tmp_path, {"id": "ok", "input": "x", "checks": [{"type": "word_limit", "max_words": 3}]})
    (tmp_path / "typo.yaml").write_text("id: typo\nversion: 1\ntitle: t\nfamily: f\ninput: x\n"
                                        "checks: [{type: word_limt, max_words: 3}]\n")
    with pytest.raises(TaskFileError, match=r"(?s)typo.yaml: .*word_limt.*expected tags"):
        load_tasks([tmp_path])
    (tmp_path / "typo.yaml").write_text("id: other\nversion: 1\ntitle: t\nfamily: f\ninput: x\n")
    with pytest.raises(TaskFileError, match="must be the file's name"):
        load_task(tmp_path / "typo.yaml")
    (tmp_path / "typo.yaml").unlink()
    with pytest.raises(TaskFileError, match="no task matches nothing"):
        load_tasks([tmp_path], ["nothing"])


def test_render_substitutes_placeholders_everywhere_and_changes_the_digest_only_with_the_definition(tmp_path):
    write_tasks(tmp_path, {"id": "t", "input": "push ${namespace}/x-${run_tag}", "checks": [
        {"type": "artifacts", "expect": [{"type": "model", "repo_id": "${namespace}/x-${run_tag}"}]}],
        "emulator_script": [{"call": "c", "arguments": {"repo": "${namespace}/x", "keep": "$other"}}]})
    task = load_task(tmp_path / "t.yaml")
    rendered = task.render({"namespace": "alice", "run_tag": "ab01"})
    assert rendered.turns[0].input == "push alice/x-ab01"
    assert rendered.turns[0].checks[1 - 1].expect[0].repo_id == "alice/x-ab01"
    assert rendered.turns[0].emulator_script == [{"call": "c", "arguments": {"repo": "alice/x", "keep": "$other"}}]
    assert task.digest == load_task(tmp_path / "t.yaml").digest != rendered.digest


def test_hf_urls_are_classified_by_what_they_name():
    hosts = hf_host_set("http://127.0.0.1:9000")
    cases = {
        "https://huggingface.co/BAAI/bge-m3/tree/main": ("model", "BAAI/bge-m3"),
        "https://hf.co/datasets/stanfordnlp/imdb/viewer": ("dataset", "stanfordnlp/imdb"),
        "https://huggingface.co/spaces/alice/demo": ("space", "alice/demo"),
        "https://huggingface.co/papers/2106.09685": ("paper", "2106.09685"),
        "https://huggingface.co/collections/alice/my-stuff-123": ("collection", "alice/my-stuff-123"),
        "https://huggingface.co/jobs/alice/abc123": ("job", "alice/abc123"),
        "https://huggingface.co/docs/trl/sft_trainer": ("page", "/docs/trl/sft_trainer"),
        "https://huggingface.co/gpt2": ("account", "gpt2"),
        "http://127.0.0.1:9000/alice/model": ("model", "alice/model"),
    }
    for url, expected in cases.items():
        ref = classify(url, hosts)
        assert ref is not None and (ref.kind, ref.ident) == expected, url
    assert classify("https://alice-demo.hf.space/", hosts) is None
    assert classify("https://github.com/huggingface/trl", hosts) is None
    assert find_urls("See (https://huggingface.co/a/b). And https://hf.co/c/d, ok") == [
        "https://huggingface.co/a/b", "https://hf.co/c/d"]


def test_named_repo_ids_skip_paths_and_prose():
    answer = "Use `BAAI/bge-m3`, not speed/accuracy or `src/train.py`."
    code = ['m = AutoModel.from_pretrained("Qwen/Qwen3-0.6B")\nopen("data/train.json")']
    assert named_repo_ids(answer, code) == ["BAAI/bge-m3", "Qwen/Qwen3-0.6B"]


def test_split_claims_ignore_prose_and_code_identifiers():
    text = ("Run a smoke-test, train a model with `SFTTrainer(train_dataset=ds)`; eval_steps=50. "
            "Splits: `train_sft`, test_gen and the validation split.")
    assert claimed_splits(text) == {"train_sft", "test_gen", "validation"}


def test_the_runner_approves_only_within_the_ceiling():
    paused = {"pending_approval": {"actions": [{"kind": "tool_call", "estimate_usd": 0.5}],
                                   "budget": {"max_cost_usd": 0.05, "required_max_cost_usd": 0.56}}}
    assert decide(paused, Budget(max_cost_usd=0.05)).kind == "deny"
    approved = decide(paused, Budget(max_cost_usd=0.05, approve_up_to_usd=3))
    assert (approved.kind, approved.new_max_cost_usd) == ("approve", 3)
    assert decide(paused, Budget(max_cost_usd=0.05, approve_up_to_usd=0.5)).kind == "deny"
    unknown = {"pending_approval": {"actions": [{"kind": "tool_call", "estimate_usd": None}],
                                    "budget": {"max_cost_usd": 1}}}
    assert decide(unknown, Budget(approve_up_to_usd=3)).kind == "deny"
    assert decide(unknown, Budget(approve_up_to_usd=3, approve_unestimated=True)).kind == "approve"


def test_the_token_goes_only_to_hugging_face_hosts_or_loopback():
    assert token_allowed("https://huggingface.co/api/models/x")
    assert token_allowed("https://datasets-server.huggingface.co/splits")
    assert token_allowed("https://router.huggingface.co/v1")
    assert token_allowed("http://127.0.0.1:9000/api")
    assert not token_allowed("http://huggingface.co/api")  # not over plain http
    assert not token_allowed("https://huggingface.co.evil.example/api")
    assert not token_allowed("https://evil.example/?huggingface.co")


def test_cli_refuses_without_a_token_and_lists_the_tasks(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["run", "--tasks", "seed-*"])
    assert result.exit_code == 2 and "Set HF_TOKEN" in result.output
    monkeypatch.setenv("HF_TOKEN", "hf_x")
    result = CliRunner().invoke(main, ["run", "--tasks", "nope"])
    assert result.exit_code == 2 and "no task matches nope" in result.output
    result = CliRunner().invoke(main, ["run", "--base-url", "ftp://x", "--tasks", "seed-*"])
    assert result.exit_code == 2 and "--base-url must be an http:// or https:// URL" in result.output
    listed = CliRunner().invoke(main, ["list"])
    assert listed.exit_code == 0 and "seed-ultrachat-audit v1 [dataset-inspection]" in listed.output


def test_the_harness_is_a_client_and_imports_no_server_code():
    import subprocess
    import sys

    probe = ("import sys, evals.cli, evals.runner, evals.replay; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'agent', 'responses_api', 'mcp_server', "
             "'tests'}))")
    imported = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2],
                              capture_output=True, text=True, timeout=60, check=False)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]"


def test_tool_limits_do_not_count_the_plan_and_word_limits_can_skip_code():
    import asyncio

    from evals.checks import TurnView
    from evals.checks.run import ToolsUsed
    from evals.checks.text import WordLimit

    def call(name: str, n: int) -> dict:
        return {"type": "response.output_item.done", "item": {"type": "mcp_call", "id": f"c{n}", "name": name,
                                                               "status": "completed"}}

    answer = "Two notes here.\n```python\nx = [1, 2, 3, 4, 5, 6, 7, 8]\n```\n"
    view = TurnView(index=0, status="completed", answer=answer,
                    events=[call("plan", 0), call("hub_search", 1), call("hub_repo_details", 2), call("plan", 3)])
    run = lambda check: asyncio.run(check.evaluate(view, None))  # these checks make no lookup
    assert run(ToolsUsed(type="tools_used", max_calls=2, any_of=["hub_search"])).passed is True
    assert run(ToolsUsed(type="tools_used", max_calls=1)).detail == "2 tool calls, at most 1"
    assert run(ToolsUsed(type="tools_used", max_calls=3, uncounted=[])).passed is False
    assert run(WordLimit(type="word_limit", max_words=3, exclude_code=True)).passed is True
    assert run(WordLimit(type="word_limit", max_words=3)).passed is False


def test_hub_lookups_send_the_token_only_to_hugging_face_and_follow_redirects_only_on_the_same_host():
    import asyncio

    import httpx

    from evals.lookups import HubSource

    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.path == "/api/models/old/name":  # a renamed repo
            return httpx.Response(307, headers={"location": "/api/models/new/name"})
        if request.url.path == "/api/models/away/name":
            return httpx.Response(302, headers={"location": "https://elsewhere.example/api/models/x/y"})
        return httpx.Response(200 if request.url.path == "/api/models/new/name" else 404, json={})

    async def lookups(hub: str) -> list:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            source = HubSource(hub, "https://datasets-server.huggingface.co", "hf_secret", http=http)
            return [await source.get("model:old/name"), await source.get("model:away/name"),
                    await source.get("model:old/name")]

    renamed, away, cached = asyncio.run(lookups("https://huggingface.co"))
    assert renamed == cached == {"status": 200} and away == {"status": 302}
    assert [url for url, _ in seen] == ["https://huggingface.co/api/models/old/name",
                                        "https://huggingface.co/api/models/new/name",
                                        "https://huggingface.co/api/models/away/name"]  # cached; elsewhere not asked
    assert {auth for _, auth in seen} == {"Bearer hf_secret"}
    seen.clear()
    asyncio.run(lookups("https://hub.example.org"))
    assert seen and all(auth is None for _, auth in seen)
