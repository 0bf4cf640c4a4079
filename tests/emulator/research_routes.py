"""The research catalog and its endpoints, installed into an ``EmulatorState`` once.

``routes(state)`` grows the Hub catalog to a few hundred repos, adds datasets-server data for the
training-format datasets, seeds collections and discussions, builds the social graph, papers and docs,
and returns the endpoints of ``hub_social_routes``, ``papers_routes`` and ``docs_routes``. It must be
listed before ``hub_routes`` in ``app.ROUTE_MODULES`` (``/api/models/{id}/likers`` would otherwise be
taken for a repo id by ``/api/models/{repo_id:path}``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute

from . import docs_routes, hub_social_routes, papers_routes
from .accounts import object_id
from .compute_state import EmulatedCollection
from .research_papers import PAPERS, Paper, daily_papers
from .research_people import Social, build_social, generated_usernames
from .research_repos import add_research_repos, det, research_viewer_datasets

USER_CHAT_DATASET = "alice/support-chats"
# Wall-clock seconds of the seeded collections' last update (2026-06-01T00:00:00Z), so they list deterministically.
SEED_EPOCH = 1_780_272_000.0

# (namespace, title, description, items: (type, id) list)
COLLECTIONS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Qwen", "Qwen3", "Qwen3 dense models.", [("model", f"Qwen/Qwen3-{s}") for s in ("0.6B", "1.7B", "4B", "8B",
                                                                                      "14B", "32B")]),
    ("Qwen", "Qwen2.5", "Qwen2.5 instruct models.", [("model", f"Qwen/Qwen2.5-{s}-Instruct")
                                                     for s in ("0.5B", "1.5B", "3B", "7B", "14B", "32B", "72B")]),
    ("Qwen", "Qwen2.5-Coder", "Code models.", [("model", f"Qwen/Qwen2.5-Coder-{s}-Instruct")
                                               for s in ("1.5B", "7B", "14B", "32B")]
     + [("space", "Qwen/Qwen2.5-Coder-demo")]),
    ("HuggingFaceH4", "Zephyr 7B", "Models, datasets and demos of the Zephyr recipe.",
     [("dataset", "HuggingFaceH4/ultrachat_200k"), ("dataset", "HuggingFaceH4/ultrafeedback_binarized"),
      ("space", "HuggingFaceH4/zephyr-chat")]),
    ("HuggingFaceTB", "SmolLM2", "Small language models.", [("model", f"HuggingFaceTB/SmolLM2-{s}")
                                                            for s in ("360M", "1.7B", "360M-Instruct", "1.7B-Instruct")]
     + [("model", "HuggingFaceTB/SmolLM2-135M-Instruct"), ("dataset", "HuggingFaceTB/smoltalk")]),
    ("trl-lib", "TRL datasets", "Datasets in every TRL format.",
     [("dataset", d) for d in ("trl-lib/Capybara", "trl-lib/ultrafeedback_binarized", "trl-lib/tldr",
                               "trl-lib/DeepMath-103K", "trl-lib/kto-mix-14k")]),
    ("deepseek-ai", "DeepSeek-R1", "Reasoning models and distillations.",
     [("model", "deepseek-ai/DeepSeek-R1")] + [("model", f"deepseek-ai/DeepSeek-R1-Distill-Qwen-{s}")
                                               for s in ("1.5B", "7B", "14B", "32B")]),
    ("google", "Gemma 3 release", "Gemma 3 instruction-tuned models.",
     [("model", f"google/gemma-3-{s}-it") for s in ("1b", "4b", "12b", "27b")]),
    ("meta-llama", "Llama 3.2", "Lightweight Llama models.",
     [("model", "meta-llama/Llama-3.2-1B-Instruct"), ("model", "meta-llama/Llama-3.2-3B-Instruct")]),
    ("huggingface", "Embedding picks", "Good embedding models for retrieval.",
     [("model", m) for m in ("BAAI/bge-m3", "intfloat/multilingual-e5-large", "nomic-ai/nomic-embed-text-v1.5",
                             "sentence-transformers/all-MiniLM-L6-v2", "Qwen/Qwen3-Embedding-8B")]),
    ("alice", "My fine-tunes", "Experiments.", [("model", "alice/qwen3-0.6b-sft-demo"),
                                                ("space", "alice/imdb-sentiment-demo")]),
]

# (repo type, repo id, number of discussions)
DISCUSSED = [("model", "Qwen/Qwen3-0.6B", 60), ("model", "meta-llama/Llama-3.1-8B-Instruct", 12),
             ("dataset", "HuggingFaceH4/ultrachat_200k", 7), ("model", "openai/gpt-oss-20b", 9),
             ("space", "open-llm-leaderboard/open_llm_leaderboard", 15), ("model", "alice/qwen3-0.6b-sft-demo", 2)]
_TITLES = ["Chat template issue with tool calls", "Fine-tuning OOM on 24GB GPU", "Add GGUF quantizations?",
           "Wrong max_position_embeddings in config.json", "Update README.md", "Support for vLLM",
           "Evaluation results differ from the paper", "Fix typo in model card", "License question",
           "How to disable thinking mode?"]


@dataclass
class Research:
    social: Social
    papers: dict[str, Paper] = field(default_factory=dict)
    daily: list[Paper] = field(default_factory=list)
    discussions: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


def _slug(namespace: str, title: str) -> str:
    short = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{namespace}/{short}-{hashlib.sha1(f'{namespace}/{title}'.encode()).hexdigest()[:24]}"


def _seed_collections(state: Any) -> None:
    for i, (namespace, title, description, items) in enumerate(COLLECTIONS):
        slug = _slug(namespace, title)
        if slug in state.compute.collections:
            continue
        kinds = {"model": "models", "dataset": "datasets", "space": "spaces"}
        entries = [{"_id": object_id(slug + rid), "id": rid, "type": kind, "note": None} for kind, rid in items
                   if state.catalog.get(kinds[kind], rid) is not None]
        state.compute.collections[slug] = EmulatedCollection(
            slug=slug, namespace=namespace, owner_type="user" if namespace == "alice" else "org", title=title,
            description=description, private=False, created_wall=SEED_EPOCH - 86_400 * (40 + i), items=entries,
            updated_wall=SEED_EPOCH - 86_400 * i)


def _user_ref(name: str) -> dict[str, Any]:
    from .accounts import avatar_url

    return {"_id": object_id(name), "name": name, "fullname": name.replace("-", " ").title(),
            "avatarUrl": avatar_url(name), "type": "user", "isPro": False, "isOwner": False}


def _discussions(users: list[str]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for repo_type, repo_id, count in DISCUSSED:
        items = []
        for num in range(count, 0, -1):  # newest first, as the Hub lists them
            key = f"{repo_id}#{num}"
            is_pr = num % 4 == 0
            author = "alice" if repo_id.startswith("alice/") or num == 3 else users[det(key, 0, len(users) - 1)]
            created = f"2026-0{1 + num % 5}-{1 + num % 27:02d}T{num % 24:02d}:00:00.000Z"
            events = []
            for c in range(det(key + "c", 1, 4)):
                commenter = author if c == 0 else users[det(f"{key}-{c}", 0, len(users) - 1)]
                text = ("Thanks for the report, fixed in the latest revision." if c else
                        f"{_TITLES[num % len(_TITLES)]}: steps to reproduce included below.")
                events.append({"id": object_id(f"{key}-e{c}"), "type": "comment",
                               "createdAt": created.replace("T", f"T{c:02d}:")[:11] + created[11:],
                               "author": _user_ref(commenter),
                               "data": {"edited": False, "hidden": False, "numEdits": 0, "editors": [commenter],
                                        "reactions": [], "isReport": False,
                                        "latest": {"raw": text, "html": f"<p>{text}</p>", "updatedAt": created,
                                                   "author": _user_ref(commenter)}}})
            status = "open" if num % 3 else ("merged" if is_pr else "closed")
            body = {"num": num, "title": _TITLES[num % len(_TITLES)], "status": status, "createdAt": created,
                    "isPullRequest": is_pr, "numComments": len(events), "pinned": num == count,
                    "author": _user_ref(author), "repo": {"name": repo_id, "type": repo_type}, "topReactions": [],
                    "events": events}
            if is_pr:
                body.update(changes={"base": "refs/heads/main"}, filesWithConflicts=[])
            items.append(body)
        out[(repo_type, repo_id)] = items
    return out


def install(state: Any) -> Research:
    users = generated_usernames()
    add_research_repos(state.catalog, users[:48])
    if USER_CHAT_DATASET not in state.catalog.datasets:
        state.catalog.add_dataset(USER_CHAT_DATASET, ("text-generation",), 3, 0, "2026-04-02", "2026-05-30",
                                  "1K<n<10K", ("sharegpt",), description="Customer-support chats (ShareGPT format).")
    for dataset in research_viewer_datasets(USER_CHAT_DATASET):
        if dataset.id not in state.viewer.datasets:
            state.viewer.add(dataset)
    _seed_collections(state)
    social = build_social(list(state.accounts.values()), state.catalog, users)
    daily = daily_papers(users[:30])
    return Research(social=social, papers={p.id: p for p in [*PAPERS, *daily]}, daily=daily,
                    discussions=_discussions(users))


def routes(state: Any) -> list[BaseRoute]:
    research = install(state)
    return [*hub_social_routes.routes_for(state, research), *papers_routes.routes_for(state, research),
            *docs_routes.routes_for(state, research)]
