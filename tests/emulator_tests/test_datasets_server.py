"""datasets-server endpoints, driven with httpx."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def ds(emulator) -> httpx.Client:
    with httpx.Client(base_url=emulator.url) as client:
        yield client


def test_is_valid_and_splits(ds):
    assert ds.get("/is-valid", params={"dataset": "stanfordnlp/imdb"}).json()["viewer"] is True
    splits = ds.get("/splits", params={"dataset": "HuggingFaceH4/ultrachat_200k"}).json()
    assert [s["split"] for s in splits["splits"]] == ["train_sft", "test_sft", "train_gen", "test_gen"]
    assert {s["config"] for s in splits["splits"]} == {"default"}
    assert splits["pending"] == [] and splits["failed"] == []


def test_info(ds):
    body = ds.get("/info", params={"dataset": "stanfordnlp/imdb", "config": "plain_text"}).json()
    info = body["dataset_info"]
    assert info["features"]["label"] == {"names": ["neg", "pos"], "_type": "ClassLabel"}
    assert info["splits"]["train"]["num_examples"] == 25_000
    all_configs = ds.get("/info", params={"dataset": "HuggingFaceH4/ultrachat_200k"}).json()["dataset_info"]
    assert all_configs["default"]["features"]["messages"] == [
        {"content": {"dtype": "string", "_type": "Value"}, "role": {"dtype": "string", "_type": "Value"}}]


def test_first_rows_and_rows(ds):
    first = ds.get("/first-rows", params={"dataset": "HuggingFaceH4/ultrachat_200k", "config": "default",
                                          "split": "train_sft"}).json()
    assert [f["name"] for f in first["features"]] == ["prompt", "prompt_id", "messages"]
    row = first["rows"][0]
    assert row["row_idx"] == 0 and row["truncated_cells"] == []
    assert row["row"]["messages"][0] == {"content": row["row"]["prompt"], "role": "user"}
    page = ds.get("/rows", params={"dataset": "stanfordnlp/imdb", "config": "plain_text", "split": "train",
                                   "offset": 12_499, "length": 2}).json()
    assert [r["row_idx"] for r in page["rows"]] == [12_499, 12_500]
    assert [r["row"]["label"] for r in page["rows"]] == [0, 1]
    assert page["num_rows_total"] == 25_000 and page["partial"] is False
    # Deterministic
    again = ds.get("/rows", params={"dataset": "stanfordnlp/imdb", "config": "plain_text", "split": "train",
                                    "offset": 12_499, "length": 2}).json()
    assert again == page
    too_long = ds.get("/rows", params={"dataset": "stanfordnlp/imdb", "config": "plain_text", "split": "train",
                                       "length": 101})
    assert too_long.status_code == 422


def test_size(ds):
    size = ds.get("/size", params={"dataset": "stanfordnlp/imdb"}).json()["size"]
    assert size["dataset"]["num_rows"] == 100_000
    assert {s["split"] for s in size["splits"]} == {"train", "test", "unsupervised"}


def test_errors(ds):
    r = ds.get("/splits", params={"dataset": "nobody/nothing"})
    assert r.status_code == 404
    assert r.json() == {"error": "The dataset does not exist."}
    assert r.headers["x-error-code"] == "DatasetNotFoundError"
    assert ds.get("/first-rows", params={"dataset": "stanfordnlp/imdb", "config": "plain_text",
                                         "split": "nope"}).status_code == 404
    assert ds.get("/rows", params={"dataset": "stanfordnlp/imdb"}).status_code == 422
