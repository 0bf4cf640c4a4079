"""Datasets-server (dataset viewer) data: configs, splits, features and deterministic synthetic rows.

Rows are generated from their index, so large splits cost nothing. Add a dataset by appending a
`ViewerDataset` to `build_viewer_catalog()`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STRING = {"dtype": "string", "_type": "Value"}


@dataclass
class ViewerSplit:
    name: str
    num_rows: int
    num_bytes: int  # uncompressed (memory) size
    parquet_bytes: int


@dataclass
class ViewerConfig:
    name: str
    features: dict[str, Any]  # datasets `Features` serialization
    splits: list[ViewerSplit]
    make_row: Callable[[str, int], dict[str, Any]]  # (split, row index) -> row

    def split(self, name: str) -> ViewerSplit | None:
        return next((s for s in self.splits if s.name == name), None)


@dataclass
class ViewerDataset:
    id: str
    configs: list[ViewerConfig]
    description: str = ""
    license: str = ""

    def config(self, name: str) -> ViewerConfig | None:
        return next((c for c in self.configs if c.name == name), None)


@dataclass
class ViewerCatalog:
    datasets: dict[str, ViewerDataset] = field(default_factory=dict)

    def add(self, dataset: ViewerDataset) -> None:
        self.datasets[dataset.id] = dataset


# ----------------------------------------------------------------------------- ultrachat_200k

_TOPICS = ["photosynthesis", "the French Revolution", "sorting algorithms", "sourdough bread", "black holes",
           "Python decorators", "the water cycle", "jazz improvisation", "compound interest", "coral reefs",
           "transformer models", "the Roman Empire", "climate policy", "chess openings", "vaccines"]
_ASKS = ["Explain {t} to a curious teenager.", "Write a short essay about {t}.",
         "What are three common misconceptions about {t}?", "Summarize the history of {t} in five sentences.",
         "Give me a study plan for learning about {t}."]


def _ultrachat_row(split: str, idx: int) -> dict[str, Any]:
    seed = idx + {"train_sft": 0, "test_sft": 7, "train_gen": 13, "test_gen": 29}.get(split, 0)
    topic = _TOPICS[seed % len(_TOPICS)]
    prompt = _ASKS[(seed // len(_TOPICS)) % len(_ASKS)].format(t=topic) + f" (#{idx})"
    answer = f"Here is an answer about {topic}: it is a rich subject, and the key ideas are worth taking step by step."
    messages = [{"content": prompt, "role": "user"}, {"content": answer, "role": "assistant"}]
    if split.endswith("_gen"):
        messages = messages[:1]
    return {"prompt": prompt, "prompt_id": hashlib.sha256(prompt.encode()).hexdigest(), "messages": messages}


# ----------------------------------------------------------------------------- imdb

_OPINIONS = {
    0: ["This movie was a tedious mess with wooden acting.", "I walked out halfway; the plot made no sense.",
        "A waste of a talented cast and two hours of my life."],
    1: ["A wonderful film with a moving story and superb acting.", "I loved every minute; the direction is brilliant.",
        "One of the best movies I have seen this year, truly heartfelt."],
}


def _imdb_row(split: str, idx: int) -> dict[str, Any]:
    if split == "unsupervised":
        label = -1
        sentiment = idx % 2
    else:
        label = 0 if idx < 12_500 else 1  # the real splits are sorted: negatives first
        sentiment = label
    text = f"{_OPINIONS[sentiment][idx % 3]} (review {split}-{idx})"
    return {"text": text, "label": label}


def build_viewer_catalog() -> ViewerCatalog:
    catalog = ViewerCatalog()
    catalog.add(ViewerDataset(
        id="HuggingFaceH4/ultrachat_200k",
        license="mit",
        configs=[ViewerConfig(
            name="default",
            features={"prompt": STRING, "prompt_id": STRING, "messages": [{"content": STRING, "role": STRING}]},
            splits=[
                ViewerSplit("train_sft", 207_865, 1_397_058_554, 676_050_418),
                ViewerSplit("test_sft", 23_110, 154_695_659, 74_821_612),
                ViewerSplit("train_gen", 256_032, 1_347_396_812, 643_281_574),
                ViewerSplit("test_gen", 28_304, 148_276_089, 71_123_048),
            ],
            make_row=_ultrachat_row,
        )],
    ))
    catalog.add(ViewerDataset(
        id="stanfordnlp/imdb",
        license="other",
        configs=[ViewerConfig(
            name="plain_text",
            features={"text": STRING, "label": {"names": ["neg", "pos"], "_type": "ClassLabel"}},
            splits=[
                ViewerSplit("train", 25_000, 33_435_948, 20_979_968),
                ViewerSplit("test", 25_000, 32_653_810, 20_470_363),
                ViewerSplit("unsupervised", 50_000, 67_113_044, 41_996_509),
            ],
            make_row=_imdb_row,
        )],
    ))
    return catalog
