"""dataset_inspect against the emulator's datasets-server, and the training-format diagnosis."""

from __future__ import annotations

import json

import pytest

from agent.tools.base import ToolFailure
from agent.tools.datasets.format import diagnose
from agent.tools.datasets.inspect import DatasetInspect
from tests.tools.context import call

STRING = {"dtype": "string", "_type": "Value"}
CHAT = [{"content": STRING, "role": STRING}]


async def inspect(ctx, **kwargs) -> dict:
    return json.loads(await call(DatasetInspect(), ctx, **kwargs))


async def test_chat_dataset_report(ctx, emu):
    report = await inspect(ctx, dataset="HuggingFaceH4/ultrachat_200k", split="train_sft", rows=2)
    assert report["configs"] == {"default": ["train_sft", "test_sft", "train_gen", "test_gen"]}
    assert report["rows_per_split"]["train_sft"] == 207_865
    assert report["features"]["messages"] == [{"content": "string", "role": "string"}]
    assert report["format"]["type"] == "language modeling" and report["format"]["style"] == "conversational"
    assert "SFTTrainer" in report["format"]["trainers"] and "issues" not in report["format"]
    assert len(report["sample"]["rows"]) == 2
    # Every datasets-server request carried the caller's token (an HF host).
    assert {r["account"] for r in emu.state.recorded("/")} == {"alice"}


async def test_generation_split_is_prompt_only(ctx):
    report = await inspect(ctx, dataset="HuggingFaceH4/ultrachat_200k", split="test_gen")
    assert report["format"]["type"].startswith("prompt-only") and "GRPOTrainer" in report["format"]["trainers"]


@pytest.mark.parametrize(("dataset", "kind", "style", "trainer"), [
    ("Anthropic/hh-rlhf", "preference (implicit prompt)", "standard", "DPOTrainer"),
    ("trl-lib/ultrafeedback_binarized", "preference (implicit prompt)", "conversational", "DPOTrainer"),
    ("trl-lib/tldr", "prompt-completion", "standard", "SFTTrainer"),
    ("trl-lib/DeepMath-103K", "prompt-only", "conversational", "GRPOTrainer"),
    ("trl-lib/kto-mix-14k", "unpaired preference", "conversational", "KTOTrainer"),
    ("trl-lib/Capybara", "language modeling", "conversational", "SFTTrainer"),
    ("stanfordnlp/imdb", "text classification", "standard", "Trainer + AutoModelForSequenceClassification"),
])
async def test_training_formats(ctx, dataset, kind, style, trainer):
    report = await inspect(ctx, dataset=dataset, rows=1)
    assert (report["format"]["type"], report["format"]["style"]) == (kind, style)
    assert trainer in report["format"]["trainers"]


async def test_formats_that_need_conversion_say_how(ctx):
    sharegpt = await inspect(ctx, dataset="alice/support-chats")
    assert "ShareGPT" in sharegpt["format"]["type"] and "human->user" in sharegpt["format"]["fix"]
    gsm8k = await inspect(ctx, dataset="openai/gsm8k", config="socratic", rows=1)
    assert gsm8k["config"] == "socratic" and set(gsm8k["configs"]) == {"main", "socratic"}
    assert "question->prompt" in gsm8k["format"]["fix"]
    imdb = await inspect(ctx, dataset="imdb", rows=0)  # legacy id resolves
    assert imdb["format"]["fix"] == "num_labels=2 (neg, pos)" and "sample" not in imdb


async def test_sample_rows_are_bounded(ctx):
    report = await inspect(ctx, dataset="trl-lib/Capybara", rows=20, offset=5)
    assert report["sample"]["offset"] == 5 and len(report["sample"]["rows"]) == 20


async def test_errors_name_what_exists(ctx):
    with pytest.raises(ToolFailure, match="hub_search kind=dataset"):
        await call(DatasetInspect(), ctx, dataset="nobody/nothing")
    with pytest.raises(ToolFailure, match=r"Splits: \['train', 'test', 'unsupervised'\]"):
        await call(DatasetInspect(), ctx, dataset="stanfordnlp/imdb", split="validation")
    with pytest.raises(ToolFailure, match="Configs"):
        await call(DatasetInspect(), ctx, dataset="openai/gsm8k", config="nope")
    with pytest.raises(ToolFailure, match="rows"):
        DatasetInspect().parse(json.dumps({"dataset": "a/b", "rows": 500}))


def test_offset_is_bounded():
    assert DatasetInspect().parse(json.dumps({"dataset": "a/b", "offset": 2**53 - 1})).offset == 2**53 - 1
    for offset in (2**53, 2**63, 10**400):
        with pytest.raises(ToolFailure, match="offset"):
            DatasetInspect().parse(json.dumps({"dataset": "a/b", "offset": offset}))


def test_diagnosis_flags_bad_chat_rows():
    rows = [{"messages": [{"role": "human", "content": "hi"}, {"role": "assistant", "content": ""}]},
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                          {"role": "user", "content": "and?"}]}]
    d = diagnose({"messages": CHAT}, rows)
    assert d.kind == "language modeling"
    assert any("unknown roles ['human']" in issue for issue in d.issues)
    assert any("empty content" in issue for issue in d.issues)
    assert any("ends with a user message" in issue for issue in d.issues)


def test_diagnosis_of_explicit_preference_and_unknown_columns():
    assert diagnose({"prompt": STRING, "chosen": STRING, "rejected": STRING}, []).kind == "preference (explicit prompt)"
    unknown = diagnose({"foo": STRING, "bar": STRING}, [])
    assert unknown.kind == "unrecognized" and "dataset_formats" in unknown.fix
