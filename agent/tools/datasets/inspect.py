"""``dataset_inspect``: validity, configs/splits with row counts, features, sample rows and a training-format
diagnosis, through the dataset viewer API (datasets-server) as the caller."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, Field, ValidationError

from agent.hub_ids import RepoId
from agent.models import MAX_SAFE_INTEGER
from agent.tools.base import Tool, ToolContext, ToolFailure, truncate
from agent.tools.datasets.format import diagnose
from agent.tools.research.hub import repo_url

CELL_CHARS = 300
LIST_ITEMS = 6


def shorten(value: Any, depth: int = 0) -> Any:
    """Bound one cell: long strings cut, long lists trimmed (with markers), nesting capped."""
    if isinstance(value, str):
        return value if len(value) <= CELL_CHARS else value[:CELL_CHARS] + f"…[+{len(value) - CELL_CHARS} chars]"
    if isinstance(value, list):
        items = [shorten(v, depth + 1) for v in value[:LIST_ITEMS]]
        return items + ([f"…[+{len(value) - LIST_ITEMS} items]"] if len(value) > LIST_ITEMS else [])
    if isinstance(value, dict):
        if depth > 3:
            return "{…}"
        return {k: shorten(v, depth + 1) for k, v in list(value.items())[:20]}
    return value


def describe_feature(feature: Any) -> Any:
    """A compact type string for a datasets ``Features`` entry."""
    if isinstance(feature, dict):
        kind = feature.get("_type")
        if kind == "Value":
            return feature.get("dtype")
        if kind == "ClassLabel":
            return f"ClassLabel({', '.join(map(str, feature.get('names', [])[:10]))})"
        if kind in ("Sequence", "List", "LargeList"):
            return [describe_feature(feature.get("feature"))]
        if kind:
            return kind
        return {k: describe_feature(v) for k, v in feature.items()}
    if isinstance(feature, list) and feature:
        return [describe_feature(feature[0])]
    return str(feature)


# The parts of the dataset viewer API's replies this tool reads (https://huggingface.co/docs/dataset-viewer).
class _IsValid(BaseModel):
    viewer: bool
    preview: bool
    search: bool = False
    filter: bool = False


class _SplitEntry(BaseModel):
    config: str
    split: str


class _Splits(BaseModel):
    splits: list[_SplitEntry]


class _SplitInfo(BaseModel):
    num_examples: int | None = None


class _DatasetInfo(BaseModel):
    features: dict[str, Any] | None = None
    splits: dict[str, _SplitInfo] | None = None
    download_size: int | None = None


class _Info(BaseModel):
    dataset_info: _DatasetInfo


class _Row(BaseModel):
    row: dict[str, Any]


class _Rows(BaseModel):
    rows: list[_Row]


Reply = TypeVar("Reply", bound=BaseModel)


class DatasetInspectArgs(BaseModel):
    dataset: RepoId = Field(..., description="Dataset repo id, e.g. HuggingFaceH4/ultrachat_200k.")
    config: str | None = Field(None, max_length=100, description="Config (subset); default: 'default' or the first.")
    split: str | None = Field(None, max_length=100, description="Split for sample rows; default: 'train' or the first.")
    rows: int = Field(3, ge=0, le=20, description="Sample rows to show (cells are shortened).")
    offset: int = Field(0, ge=0, le=MAX_SAFE_INTEGER, description="Index of the first sample row.")


class DatasetInspect(Tool[DatasetInspectArgs]):
    name = "dataset_inspect"
    description = ("Inspect a Hub dataset before training on it: validity, configs and splits with row counts, "
                   "features/schema, sample rows, and a training-format diagnosis (chat messages, SFT "
                   "prompt-completion, DPO preference, GRPO prompt-only) with suggested fixes.")
    Arguments = DatasetInspectArgs

    async def run(self, args: DatasetInspectArgs, ctx: ToolContext) -> str:
        base = ctx.settings.datasets_server_url.rstrip("/")

        async def get(path: str, reply_model: type[Reply], **params: Any) -> Reply:
            try:
                reply = await ctx.http.get(f"{base}{path}", params={"dataset": args.dataset, **params}, timeout=30.0)
            except httpx.HTTPError as exc:
                raise ToolFailure(f"The dataset viewer could not be reached ({type(exc).__name__}).") from None
            if reply.status_code == 404 and path == "/is-valid":
                raise ToolFailure(f"No dataset '{args.dataset}' is visible to you (missing, private or gated). "
                                  "Check the id with hub_search kind=dataset.")
            if reply.status_code >= 400:
                message = _error(reply)
                raise ToolFailure(f"Dataset viewer {path} failed for {args.dataset} ({reply.status_code}): {message}")
            try:
                return reply_model.model_validate_json(reply.content)
            except ValidationError:  # not JSON (a proxy's error page), or not the shape the viewer API documents
                raise ToolFailure(f"The dataset viewer sent an unreadable reply to {path} for {args.dataset} "
                                  f"({reply.status_code}, {reply.headers.get('content-type') or 'no content type'}); "
                                  "this is usually transient: retry later.") from None

        valid = await get("/is-valid", _IsValid)
        if not valid.viewer and not valid.preview:
            raise ToolFailure(f"'{args.dataset}' has no dataset viewer (unsupported format or still processing): "
                              "inspect its files with hub_repo_details kind=dataset instead.")
        configs: dict[str, list[str]] = {}
        for entry in (await get("/splits", _Splits)).splits:
            configs.setdefault(entry.config, []).append(entry.split)
        if not configs:
            raise ToolFailure(f"'{args.dataset}' lists no splits yet; try again later.")
        config = args.config or ("default" if "default" in configs else next(iter(configs)))
        if config not in configs:
            raise ToolFailure(f"No config {config!r} in {args.dataset}. Configs: {sorted(configs)}")
        split = args.split or ("train" if "train" in configs[config] else configs[config][0])
        if split not in configs[config]:
            raise ToolFailure(f"No split {split!r} in config {config!r}. Splits: {configs[config]}")
        info = (await get("/info", _Info, config=config)).dataset_info
        features = info.features or {}
        sample: list[dict[str, Any]] = []
        if args.rows:
            page = await get("/rows", _Rows, config=config, split=split, offset=args.offset, length=args.rows)
            sample = [r.row for r in page.rows]
            diagnosis_rows = sample
        else:  # no rows to show, but the diagnosis still looks at a few
            first = await get("/first-rows", _Rows, config=config, split=split)
            diagnosis_rows = [r.row for r in first.rows[:5]]
        report: dict[str, Any] = {
            "dataset": args.dataset, "url": repo_url(ctx.settings.hub_url, "dataset", args.dataset),
            "viewer": valid.model_dump(include={"viewer", "preview", "search", "filter"}),
            "configs": {name: names for name, names in list(configs.items())[:20]},
            "config": config,
            "rows_per_split": {name: s.num_examples for name, s in (info.splits or {}).items()},
            "features": {name: describe_feature(f) for name, f in features.items()},
        }
        if len(configs) > 20:
            report["configs_truncated"] = f"{len(configs) - 20} more configs not shown"
        if info.download_size:
            report["download_bytes"] = info.download_size
        report["format"] = diagnose(features, diagnosis_rows).as_dict()
        if sample:
            report["sample"] = {"split": split, "offset": args.offset, "rows": [shorten(r) for r in sample]}
        return truncate(json.dumps(report, indent=1, ensure_ascii=False, default=str),
                        hint="ask for fewer rows, or one config/split at a time")


def _error(reply: httpx.Response) -> str:
    try:
        body = reply.json()
        return str(body.get("error") if isinstance(body, dict) else body)[:300]
    except ValueError:
        return reply.text[:300]
