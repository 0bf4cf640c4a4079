"""Hub search and repo details for models, datasets and Spaces, through ``huggingface_hub`` as the caller."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
from pydantic import BaseModel, Field

from agent.hub_ids import RepoId
from agent.tools.base import Tool, ToolContext, ToolFailure, truncate

RepoKind = Literal["model", "dataset", "space"]
_SORTS = Literal["downloads", "likes", "last_modified", "created_at", "trending_score"]

# What a search asks the Hub for (the list endpoints' defaults omit dates and parameter counts).
_SEARCH_EXPAND = {
    "model": ["author", "downloads", "likes", "pipeline_tag", "library_name", "lastModified", "safetensors",
              "trendingScore", "gated"],
    "dataset": ["author", "downloads", "likes", "lastModified", "description", "trendingScore", "gated"],
    "space": ["author", "likes", "sdk", "lastModified", "runtime", "trendingScore", "models"],
}
# Card keys that are bulky and rarely useful to the model.
_CARD_NOISE = ("model-index", "widget", "model_index", "extra_gated_fields", "extra_gated_prompt", "configs",
               "dataset_info")


def repo_url(hub_url: str, kind: str, repo_id: str) -> str:
    prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
    return f"{hub_url.rstrip('/')}/{prefix}{repo_id}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _hub_failure(exc: HfHubHTTPError, what: str) -> ToolFailure:
    status = getattr(exc.response, "status_code", None)
    if status == 401:
        return ToolFailure(f"{what}: the Hub rejected the caller's token (401).")
    if status == 429:
        return ToolFailure(f"{what}: the Hub is rate-limiting requests (429); wait a little and retry.")
    message = str(exc).splitlines()[0][:300]
    return ToolFailure(f"{what} failed ({status or 'network'}): {message}")


class HubSearchArgs(BaseModel):
    kind: RepoKind = Field("model", description="What to search: model, dataset or space.")
    search: str | None = Field(None, max_length=200, description="Substring to match in repo ids.")
    author: str | None = Field(None, max_length=96, description="Only repos of this user or organization.")
    pipeline_tag: str | None = Field(None, max_length=64, description="Models only, e.g. text-generation.")
    library: str | None = Field(None, max_length=64, description="Models only, e.g. transformers, gguf.")
    tags: list[str] = Field(default_factory=list, max_length=8,
                            description="Tags every result must carry, e.g. license:mit, language:fr.")
    sort: _SORTS = Field("downloads", description="Sort key, descending. Spaces have no downloads: likes instead.")
    limit: int = Field(10, ge=1, le=50)


class HubSearch(Tool[HubSearchArgs]):
    name = "hub_search"
    description = ("Search the Hugging Face Hub for models, datasets or Spaces. One row per repo: id, URL, "
                   "downloads, likes, task, library, parameters, last update. Use hub_repo_details for one repo.")
    Arguments = HubSearchArgs

    async def run(self, args: HubSearchArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()
        filters = list(args.tags) + ([args.library] if args.library else [])
        # Spaces have no download counts (list_spaces sorts by likes, trending score or dates): sorting them by
        # downloads would return an arbitrary order, so the default becomes likes for Spaces.
        sort = "likes" if args.kind == "space" and args.sort == "downloads" else args.sort
        # One row past the limit tells whether more results exist.
        common: dict[str, Any] = {"search": args.search, "author": args.author, "sort": sort,
                                  "limit": args.limit + 1, "filter": filters or None,
                                  "expand": _SEARCH_EXPAND[args.kind]}

        def query() -> list[Any]:
            if args.kind == "model":
                return list(api.list_models(pipeline_tag=args.pipeline_tag, **common))
            if args.kind == "dataset":
                return list(api.list_datasets(**common))
            return list(api.list_spaces(**common))

        try:
            found = await asyncio.to_thread(query)
        except HfHubHTTPError as exc:
            raise _hub_failure(exc, "Hub search") from None
        more = len(found) > args.limit
        rows = [self._row(info, args.kind, ctx.settings.hub_url) for info in found[: args.limit]]
        if not rows:
            return f"No {args.kind}s matched. Try a broader search, fewer tags, or another sort."
        header = f"{len(rows)} {args.kind}s sorted by {sort}" + (
            " (more exist: raise limit or narrow the search)" if more else " (all matches)")
        lines = [header] + [json.dumps(row, ensure_ascii=False, default=str) for row in rows]
        return truncate("\n".join(lines), hint="lower limit or narrow the search")

    @staticmethod
    def _row(info: Any, kind: str, hub_url: str) -> dict[str, Any]:
        row: dict[str, Any] = {"id": info.id, "url": repo_url(hub_url, kind, info.id)}
        for attr in ("downloads", "likes", "pipeline_tag", "library_name", "sdk", "gated"):
            value = getattr(info, attr, None)
            if value not in (None, False, ""):
                row[attr] = value
        safetensors = getattr(info, "safetensors", None)
        if safetensors is not None and getattr(safetensors, "total", None):
            row["parameters"] = safetensors.total
        runtime = getattr(info, "runtime", None)
        if runtime is not None and getattr(runtime, "stage", None):
            row["stage"] = runtime.stage
        if getattr(info, "last_modified", None):
            row["last_modified"] = _iso(info.last_modified)[:10]
        description = getattr(info, "description", None)
        if description:
            row["description"] = description[:160]
        return row


class HubRepoDetailsArgs(BaseModel):
    repo_id: RepoId = Field(..., description="The repo id, e.g. BAAI/bge-m3.")
    kind: RepoKind = "model"


class HubRepoDetails(Tool[HubRepoDetailsArgs]):
    name = "hub_repo_details"
    description = ("Details of one Hub repo (model, dataset or Space): card metadata (license, base model, "
                   "datasets), tags, task, library, files, downloads, likes, parameter count, dates, Space runtime.")
    Arguments = HubRepoDetailsArgs

    async def run(self, args: HubRepoDetailsArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()
        fetch = {"model": api.model_info, "dataset": api.dataset_info, "space": api.space_info}[args.kind]
        try:
            info = await asyncio.to_thread(fetch, args.repo_id)
        except RepositoryNotFoundError:
            other = [k for k in ("model", "dataset", "space") if k != args.kind]
            raise ToolFailure(f"No {args.kind} named '{args.repo_id}' exists (or it is private to someone else). "
                              f"Check the id with hub_search, or try kind={other[0]} / kind={other[1]}.") from None
        except GatedRepoError:
            raise ToolFailure(f"'{args.repo_id}' is gated: accept its conditions on the Hub first.") from None
        except HfHubHTTPError as exc:
            raise _hub_failure(exc, "Hub request") from None
        details: dict[str, Any] = {"id": info.id, "url": repo_url(ctx.settings.hub_url, args.kind, info.id)}
        for attr in ("author", "pipeline_tag", "library_name", "sdk", "downloads", "likes", "gated", "private",
                     "tags"):
            value = getattr(info, attr, None)
            if value not in (None, [], ""):
                details[attr] = value
        for attr in ("created_at", "last_modified"):
            if getattr(info, attr, None):
                details[attr] = _iso(getattr(info, attr))
        safetensors = getattr(info, "safetensors", None)
        if safetensors is not None and getattr(safetensors, "total", None):
            details["parameters"] = safetensors.total
            details["parameters_by_dtype"] = safetensors.parameters
        description = getattr(info, "description", None)
        if description:
            details["description"] = description[:500]
        runtime = getattr(info, "runtime", None)
        if runtime is not None:
            details["runtime"] = {"stage": runtime.stage, "hardware": getattr(runtime, "hardware", None)}
        for attr in ("models", "datasets", "spaces"):
            value = getattr(info, attr, None)
            if value and attr != args.kind + "s":
                details[f"linked_{attr}"] = value[:20] + ([f"... {len(value) - 20} more"] if len(value) > 20 else [])
        card = getattr(info, "card_data", None)
        if card:
            card_dict = card.to_dict() if hasattr(card, "to_dict") else dict(card)
            details["card_data"] = {k: v for k, v in card_dict.items() if k not in _CARD_NOISE and v not in (None, [])}
        siblings = getattr(info, "siblings", None) or []
        details["files"] = [s.rfilename for s in siblings[:100]]
        if len(siblings) > 100:
            details["files_truncated"] = f"{len(siblings) - 100} more files not shown"
        return truncate(json.dumps(details, indent=1, default=str), hint="the card is large; ask for specific fields")
