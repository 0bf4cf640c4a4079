"""Training-format diagnosis of a dataset from its features and sample rows (TRL's dataset types).

Types (standard = plain strings, conversational = lists of {"role", "content"} messages):
language modeling (``text`` / ``messages``), prompt-only (``prompt``), prompt-completion (``prompt``,
``completion``), preference (``prompt``?, ``chosen``, ``rejected``), unpaired preference (``prompt``,
``completion``, ``label``), stepwise supervision (``prompt``, ``completions``, ``labels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})
SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system", "user": "user", "assistant": "assistant"}


@dataclass
class Diagnosis:
    kind: str  # e.g. "preference (implicit prompt)"
    style: str  # standard | conversational | n/a
    trainers: list[str]
    issues: list[str] = field(default_factory=list)
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "style": self.style, "trainers": self.trainers}
        if self.issues:
            out["issues"] = self.issues
        if self.fix:
            out["fix"] = self.fix
        return out


def _item_feature(feature: Any) -> Any:
    """The element feature of a list-like feature (``[...]``, ``Sequence``, ``List``), else None."""
    if isinstance(feature, list) and feature:
        return feature[0]
    if isinstance(feature, dict) and feature.get("_type") in ("Sequence", "List", "LargeList"):
        return feature.get("feature")
    return None


def _kind(feature: Any) -> str:
    if isinstance(feature, dict) and feature.get("_type") == "Value":
        dtype = feature.get("dtype", "")
        return "string" if "string" in dtype else "bool" if dtype == "bool" else "number"
    if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
        return "classlabel"
    if isinstance(feature, dict) and feature.get("_type") in ("Image", "Audio", "Video"):
        return feature["_type"].lower()
    item = _item_feature(feature)
    if isinstance(item, dict) and {"role", "content"} <= set(item):
        return "chat"
    if isinstance(item, dict) and {"from", "value"} <= set(item):
        return "sharegpt"
    if item is not None:
        return "list"
    return "other"


def _check_messages(rows: list[dict[str, Any]], column: str, *, expect_last: str | None) -> list[str]:
    issues: list[str] = []
    for i, row in enumerate(rows):
        messages = row.get(column)
        if not isinstance(messages, list) or not messages:
            issues.append(f"sample row {i}: '{column}' is empty or not a list")
            continue
        roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
        bad = [r for r in roles if r not in ROLES]
        if bad:
            issues.append(f"sample row {i}: unknown roles {sorted(set(map(str, bad)))} in '{column}'")
        empty = [j for j, m in enumerate(messages) if isinstance(m, dict) and not str(m.get("content") or "").strip()]
        if empty:
            issues.append(f"sample row {i}: empty content in '{column}' message(s) {empty[:5]}")
        if expect_last and roles and roles[-1] != expect_last:
            issues.append(f"sample row {i}: '{column}' ends with a {roles[-1]} message (expected {expect_last})")
    return issues[:8]


def diagnose(features: dict[str, Any], rows: list[dict[str, Any]]) -> Diagnosis:
    kinds = {name: _kind(feature) for name, feature in features.items()}
    cols = set(kinds)

    def style(*names: str) -> str:
        return "conversational" if any(kinds.get(n) == "chat" for n in names) else "standard"

    if {"chosen", "rejected"} <= cols:
        explicit = "prompt" in cols
        d = Diagnosis(f"preference ({'explicit' if explicit else 'implicit'} prompt)", style("chosen", "rejected"),
                      ["DPOTrainer", "ORPOTrainer", "RewardTrainer", "CPOTrainer"])
        if d.style == "conversational":
            d.issues += _check_messages(rows, "chosen", expect_last="assistant")
            d.issues += _check_messages(rows, "rejected", expect_last="assistant")
        return d
    if {"prompt", "completion", "label"} <= cols and kinds["label"] == "bool":
        return Diagnosis("unpaired preference", style("prompt", "completion"), ["KTOTrainer"])
    if {"prompt", "completions", "labels"} <= cols:
        return Diagnosis("stepwise supervision", "standard", ["PRMTrainer"])
    if {"prompt", "completion"} <= cols:
        d = Diagnosis("prompt-completion", style("prompt", "completion"), ["SFTTrainer"])
        if d.style == "conversational":
            d.issues += _check_messages(rows, "completion", expect_last="assistant")
        return d
    if "messages" in cols and kinds["messages"] == "chat":
        endings = [m[-1].get("role") for r in rows if isinstance(m := r.get("messages"), list) and m
                   and isinstance(m[-1], dict)]
        if endings and all(e == "user" for e in endings):
            return Diagnosis("prompt-only (conversation ends with the user)", "conversational",
                             ["GRPOTrainer", "RLOOTrainer", "OnlineDPOTrainer"],
                             fix="rename 'messages' to 'prompt' for GRPO/RLOO; SFT needs assistant replies")
        d = Diagnosis("language modeling", "conversational", ["SFTTrainer"])
        d.issues += _check_messages(rows, "messages", expect_last="assistant")
        return d
    if "prompt" in cols:
        extra = sorted(cols - {"prompt"})
        d = Diagnosis("prompt-only", style("prompt"), ["GRPOTrainer", "RLOOTrainer", "OnlineDPOTrainer"])
        if extra:
            d.fix = f"extra columns {extra} are passed to GRPO reward functions as keyword arguments"
        return d
    if "text" in cols and kinds["text"] == "string":
        if "label" in cols and kinds["label"] in ("classlabel", "number"):
            names = features["label"].get("names") if kinds["label"] == "classlabel" else None
            return Diagnosis("text classification", "standard",
                             ["Trainer + AutoModelForSequenceClassification", "SetFit"],
                             fix=f"num_labels={len(names)} ({', '.join(names)})" if names else None)
        return Diagnosis("language modeling", "standard", ["SFTTrainer", "Trainer (causal LM pretraining)"])
    sharegpt = [name for name, kind in kinds.items() if kind == "sharegpt"]
    if sharegpt:
        col = sharegpt[0]
        roles = sorted({m.get("from") for r in rows for m in (r.get(col) or []) if isinstance(m, dict)} - {None})
        unknown = [r for r in roles if r not in SHAREGPT_ROLES]
        return Diagnosis("ShareGPT conversations (needs conversion)", "conversational-like", ["SFTTrainer after map"],
                         [f"unmapped 'from' values {unknown}"] if unknown else [],
                         fix=f"map '{col}' [{{from, value}}] to 'messages' [{{role, content}}] "
                             f"(human->user, gpt->assistant, system->system), then SFTTrainer")
    for src, dst in (("question", "answer"), ("instruction", "output"), ("input", "output"), ("query", "response")):
        if {src, dst} <= cols:
            return Diagnosis(f"{src}/{dst} pairs (needs mapping)", "standard", ["SFTTrainer after map",
                                                                               "GRPOTrainer after map"],
                             fix=f"SFT: rename {src}->prompt, {dst}->completion (or build messages). GRPO: "
                                 f"{src}->prompt and keep '{dst}' for the reward function")
    media = [name for name, kind in kinds.items() if kind in ("image", "audio", "video")]
    if media:
        return Diagnosis(f"{kinds[media[0]]} dataset", "n/a", ["task-specific Trainer / processor"],
                         fix=f"columns {sorted(cols)}: pair '{media[0]}' with its label/text column")
    return Diagnosis("unrecognized", "n/a", [], fix=f"columns {sorted(cols)} match no TRL type; map them to one "
                                                      "(see docs_fetch /docs/trl/dataset_formats)")
