"""Hub search and repo details for models, datasets and Spaces, through ``huggingface_hub`` as the caller."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
from pydantic import BaseModel, Field

from agent.tools.base import Tool, ToolContext, ToolFailure, truncate

RepoKind = Literal["model", "dataset", "space"]
_SORTS = Literal["downloads", "likes", "last_modified", "created_at", "trending_score"]


def repo_url(hub_url: str, kind: str, repo_id: str) -> str:
    prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
    return f"{hub_url.rstrip('/')}/{prefix}{repo_id}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


class HubSearchArgs(BaseModel):
    kind: RepoKind = Field("model", description="What to search: model, dataset or space.")
    search: str | None = Field(None, max_length=200, description="Substring to match in repo ids.")
    author: str | None = Field(None, max_length=96, description="Only repos of this user or organization.")
    pipeline_tag: str | None = Field(None, max_length=64, description="Models only, e.g. text-generation.")
    library: str | None = Field(None, max_length=64, description="Models only, e.g. transformers, sentence-transformers.")
    tags: list[str] = Field(default_factory=list, max_length=8, description="Tags every result must carry.")
    sort: _SORTS = Field("downloads", description="Sort key, descending.")
    limit: int = Field(10, ge=1, le=50)


class HubSearch(Tool[HubSearchArgs]):
    name = "hub_search"
    description = ("Search the Hugging Face Hub for models, datasets or Spaces. Returns ids, URLs, downloads, likes, "
                   "task and library. Use hub_repo_details for one repo's card and files.")
    Arguments = HubSearchArgs

    async def run(self, args: HubSearchArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()
        filters = list(args.tags)
        if args.library:
            filters.append(args.library)
        common: dict[str, Any] = {"search": args.search, "author": args.author, "sort": args.sort,
                                  "limit": args.limit, "filter": filters or None}

        def query() -> list[Any]:
            if args.kind == "model":
                return list(api.list_models(pipeline_tag=args.pipeline_tag, **common))
            if args.kind == "dataset":
                return list(api.list_datasets(**common))
            return list(api.list_spaces(**common))

        try:
            found = await asyncio.to_thread(query)
        except HfHubHTTPError as exc:
            raise ToolFailure(f"Hub search failed: {exc}") from None
        rows = []
        for info in found:
            row = {"id": info.id, "url": repo_url(ctx.settings.hub_url, args.kind, info.id),
                   "downloads": getattr(info, "downloads", None), "likes": getattr(info, "likes", None)}
            for attr in ("pipeline_tag", "library_name", "sdk"):
                if getattr(info, attr, None):
                    row[attr] = getattr(info, attr)
            if getattr(info, "last_modified", None):
                row["last_modified"] = _iso(info.last_modified)
            rows.append(row)
        if not rows:
            return f"No {args.kind}s matched. Try a broader search or fewer filters."
        return truncate(json.dumps({"kind": args.kind, "count": len(rows), "results": rows}, indent=1),
                        hint="lower limit or narrow the search")


class HubRepoDetailsArgs(BaseModel):
    repo_id: str = Field(..., min_length=3, max_length=200, pattern=r"^[\w.\-]+/[\w.\-]+$|^[\w.\-]+$",
                         description="The repo id, e.g. BAAI/bge-m3.")
    kind: RepoKind = "model"


class HubRepoDetails(Tool[HubRepoDetailsArgs]):
    name = "hub_repo_details"
    description = ("Details of one Hub repo (model, dataset or Space): card metadata, tags, task, library, files, "
                   "downloads, likes, parameter count, dates.")
    Arguments = HubRepoDetailsArgs

    async def run(self, args: HubRepoDetailsArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()
        fetch = {"model": api.model_info, "dataset": api.dataset_info, "space": api.space_info}[args.kind]
        try:
            info = await asyncio.to_thread(fetch, args.repo_id)
        except RepositoryNotFoundError:
            raise ToolFailure(f"No {args.kind} named '{args.repo_id}' exists (or it is private to someone else). "
                              "Check the id with hub_search.") from None
        except GatedRepoError:
            raise ToolFailure(f"'{args.repo_id}' is gated: accept its conditions on the Hub first.") from None
        except HfHubHTTPError as exc:
            raise ToolFailure(f"Hub request failed: {exc}") from None
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
        card = getattr(info, "card_data", None)
        if card:
            details["card_data"] = card.to_dict() if hasattr(card, "to_dict") else card
        siblings = getattr(info, "siblings", None) or []
        details["files"] = [s.rfilename for s in siblings[:100]]
        if len(siblings) > 100:
            details["files_truncated"] = len(siblings) - 100
        return truncate(json.dumps(details, indent=1, default=str), hint="the card is large; ask for specific fields")
