"""The helper registry: contracts, the call wrapper (envelope + budget meta), and the generated docs.

Helpers are written ``async def hf_x(run, ...) -> (items, meta)``; scripts see ``await hf_x(...)``
returning the ``{ok, item, items, meta, error}`` envelope. Their annotations describe the script-facing
signature (hence ``-> dict[str, Any]``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from agent.hf_hosts import HttpClient
from agent.hub_ids import InvalidHubName

from agent.tools.code_mode import contracts as c
from agent.tools.code_mode import helpers_content as content
from agent.tools.code_mode import helpers_repos as repos
from agent.tools.code_mode import helpers_social as social
from agent.tools.code_mode.filtering import HelperInputError
from agent.tools.code_mode.runtime import (Budget, BudgetExhausted, ScriptRun, UpstreamError, envelope_error,
                                           envelope_ok)


@dataclass(frozen=True)
class HelperSpec:
    name: str
    fn: Callable[..., Awaitable[Any]]
    category: str
    row_type: str
    fields: tuple[str, ...]  # allowed (= default) fields
    guaranteed: tuple[str, ...]
    filter_arg: str | None = None  # "where" or "post_filter" (over ``fields``)
    param_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: str = ""
    backed_by: str | None = None

    @property
    def signature(self) -> inspect.Signature:
        sig = inspect.signature(self.fn)
        return sig.replace(parameters=list(sig.parameters.values())[1:])

    def render_signature(self) -> str:
        parts = []
        for p in self.signature.parameters.values():
            text = f"{p.name}: {p.annotation}" if p.annotation is not inspect.Parameter.empty else p.name
            if p.default is not inspect.Parameter.empty:
                text += f"={p.default!r}"
            parts.append(text)
        return f"{self.name}({', '.join(parts)})"

    def contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category": self.category, "returns": {"envelope": "{ok, item, items, meta, error}",
                                                   "row_type": self.row_type, "default_fields": list(self.fields),
                                                   "guaranteed_fields": list(self.guaranteed)},
            "supported_params": list(self.signature.parameters), "param_values": {k: list(v) for k, v in
                                                                                   self.param_values.items()},
            "fields_contract": {"allowed_fields": list(self.fields), "canonical_only": True},
            "notes": self.notes,
        }
        if self.backed_by:
            out["backed_by"] = self.backed_by
        if self.filter_arg:
            out[f"{self.filter_arg}_contract"] = {"allowed_fields": list(self.fields),
                                                  "supported_ops": list(c.WHERE_OPS), "normalized_only": True}
        if self.name in c.LIMITS:
            out["limit_contract"] = dict(c.LIMITS[self.name])
        return out


def _helpers() -> tuple[HelperSpec, ...]:
    R = c.REPO_FIELDS
    repo_guaranteed = ("repo_id", "repo_type", "author", "repo_url")
    actor_guaranteed = ("username",)
    sorts = c.SORTS_BY_TYPE
    return (
        HelperSpec("hf_models_search", repos.hf_models_search, "wrapped_hf_repo_search", "repo", R, repo_guaranteed,
                   "post_filter", {"sort": sorts["model"], "expand": c.EXPAND_BY_TYPE["model"]},
                   "Model search (HfApi.list_models). num_params like 'min:6B,max:128B'.",
                   "HfApi.list_models"),
        HelperSpec("hf_datasets_search", repos.hf_datasets_search, "wrapped_hf_repo_search", "repo", R,
                   repo_guaranteed, "post_filter", {"sort": sorts["dataset"], "expand": c.EXPAND_BY_TYPE["dataset"]},
                   "Dataset search (HfApi.list_datasets).", "HfApi.list_datasets"),
        HelperSpec("hf_spaces_search", repos.hf_spaces_search, "wrapped_hf_repo_search", "repo", R, repo_guaranteed,
                   "post_filter", {"sort": sorts["space"], "expand": c.EXPAND_BY_TYPE["space"]},
                   "Space search (HfApi.list_spaces).", "HfApi.list_spaces"),
        HelperSpec("hf_repo_search", repos.hf_repo_search, "cross_type_repo_search", "repo", R, repo_guaranteed,
                   "post_filter", {"repo_type": c.REPO_TYPES, "repo_types": c.REPO_TYPES,
                                   "sort": tuple(c.REPO_SORTS)},
                   "Cross-type search only; prefer the typed searches."),
        HelperSpec("hf_repo_details", repos.hf_repo_details, "repo_detail", "repo", R, repo_guaranteed, None,
                   {"repo_type": (*c.REPO_TYPES, "auto")},
                   "Exact repo metadata. One detail call per repo (auto tries model, dataset, space in turn)."),
        HelperSpec("hf_trending", repos.hf_trending, "curated_repo_feed", "repo", c.TRENDING_FIELDS,
                   (*repo_guaranteed, "trending_rank"), "where", {"repo_type": (*c.REPO_TYPES, "all")},
                   "Ordered trending summary rows only (max 20). Use hf_repo_details for exact metadata."),
        HelperSpec("hf_daily_papers", content.hf_daily_papers, "curated_feed", "daily_paper", c.DAILY_PAPER_FIELDS,
                   ("paper_id", "title", "published_at", "rank"), "where", {},
                   "Daily paper rows; repo_id only when upstream links one."),
        HelperSpec("hf_collections_search", content.hf_collections_search, "collection_search", "collection",
                   c.COLLECTION_FIELDS, ("collection_id", "title", "owner"), "where", {},
                   "Collection summaries; owner= filters owners case-insensitively."),
        HelperSpec("hf_collection_items", content.hf_collection_items, "collection_navigation", "repo", R,
                   ("repo_id", "repo_type", "repo_url"), "where", {"repo_types": c.REPO_TYPES},
                   "Repos inside one collection (pass collection_id from hf_collections_search)."),
        HelperSpec("hf_repo_discussions", content.hf_repo_discussions, "discussion_summary", "discussion",
                   c.DISCUSSION_FIELDS, ("num", "title", "author", "status"), None, {"repo_type": c.REPO_TYPES},
                   "Discussion summaries; each page of 50 is one call."),
        HelperSpec("hf_repo_discussion_details", content.hf_repo_discussion_details, "discussion_detail",
                   "discussion_detail", c.DISCUSSION_DETAIL_FIELDS, ("repo_id", "repo_type", "title", "author",
                                                                     "status"), None, {"repo_type": c.REPO_TYPES},
                   "One discussion with its latest comment."),
        HelperSpec("hf_repo_likers", social.hf_repo_likers, "repo_to_users", "actor", c.ACTOR_FIELDS,
                   actor_guaranteed, "where", {"repo_type": c.REPO_TYPES}, "Users who liked a repo."),
        HelperSpec("hf_user_likes", social.hf_user_likes, "user_to_repos", "user_like", c.USER_LIKE_FIELDS,
                   ("liked_at", "repo_id", "repo_type"), "where",
                   {"repo_types": c.REPO_TYPES, "sort": ("liked_at", "repo_likes", "repo_downloads")},
                   "Recency mode is cheap (repo_likes/repo_downloads stay null). sort=repo_likes|repo_downloads "
                   "reranks only the ranking_window most recent likes, one detail call each; check "
                   "meta.ranking_complete."),
        HelperSpec("hf_user_graph", social.hf_user_graph, "graph_scan", "actor", c.ACTOR_FIELDS, actor_guaranteed,
                   "where", {"relation": ("followers", "following")},
                   "Followers/following rows; username=None is the current user."),
        HelperSpec("hf_org_members", social.hf_org_members, "graph_scan", "actor", c.ACTOR_FIELDS, actor_guaranteed,
                   "where", {}, "Organization member rows."),
        HelperSpec("hf_profile_summary", social.hf_profile_summary, "profile_summary", "profile", c.PROFILE_FIELDS,
                   ("handle", "entity_type"), None, {"include": ("likes", "activity")},
                   "User or org profile with aggregate counts; include adds samples (one call each)."),
        HelperSpec("hf_recent_activity", social.hf_recent_activity, "activity_feed", "activity", c.ACTIVITY_FIELDS,
                   ("event_type", "timestamp"), "where", {"feed_type": ("user", "org"), "repo_types": c.REPO_TYPES},
                   "Activity feed; each page (100 rows) is one call; meta.cursor continues it."),
        HelperSpec("hf_whoami", social.hf_whoami, "identity", "user", c.USER_FIELDS, ("username",), None, {},
                   "The current authenticated user."),
        HelperSpec("hf_runtime_capabilities", hf_runtime_capabilities, "introspection", "runtime_capability",
                   c.CAPABILITY_SECTIONS, c.CAPABILITY_SECTIONS, None, {"section": c.CAPABILITY_SECTIONS},
                   "Introspection; no Hub call. section= narrows the answer."),
    )


async def hf_runtime_capabilities(run: ScriptRun, section: str | None = None) -> dict[str, Any]:
    if section is not None and section not in c.CAPABILITY_SECTIONS:
        raise HelperInputError(f"Unknown section '{section}'. Allowed: {list(c.CAPABILITY_SECTIONS)}")
    specs = HELPERS
    full = {
        "allowed_sections": list(c.CAPABILITY_SECTIONS),
        "overview": {"envelope": "{ok, item, items, meta, error}", "max_calls": run.budget.max_calls,
                     "budget_remaining": run.budget_remaining, "helpers": len(specs)},
        "helpers": [s.render_signature() for s in specs],
        "helper_contracts": {s.name: s.contract() for s in specs},
        "helper_defaults": {s.name: {p.name: p.default for p in s.signature.parameters.values()
                                     if p.default is not inspect.Parameter.empty} for s in specs},
        "fields": {s.row_type: list(s.fields) for s in specs},
        "limits": {k: dict(v) for k, v in c.LIMITS.items()},
        "repo_search": {"sort_values_by_repo_type": {k: list(v) for k, v in c.SORTS_BY_TYPE.items()},
                        "expand_values_by_repo_type": {k: list(v) for k, v in c.EXPAND_BY_TYPE.items()}},
    }
    item = {"allowed_sections": full["allowed_sections"], section: full[section]} if section else full
    return [item], {"section": section}


HELPERS: tuple[HelperSpec, ...] = _helpers()
HELPERS_BY_NAME: dict[str, HelperSpec] = {s.name: s for s in HELPERS}


async def invoke(spec: HelperSpec, *, http: HttpClient, hub_url: str, username: str | None, budget: Budget,
                 args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run one helper call from a script; contract violations come back as ``ok=False`` before any Hub call."""
    try:
        spec.signature.bind(*args, **kwargs)
    except TypeError as exc:
        # A wrong call shape is a bug in the script: raise it there.
        raise TypeError(f"{spec.name}(): {exc}. Signature: {spec.render_signature()}") from None
    run = ScriptRun(http=http, hub_url=hub_url, username=username, budget=budget, helper=spec.name)
    base = {"helper": spec.name, "normalized": True}
    error: str | None = None
    try:
        items, meta = await spec.fn(run, *args, **kwargs)
    except (HelperInputError, InvalidHubName) as exc:  # no Hub call was made for it
        error = str(exc)
    except BudgetExhausted as exc:
        error = str(exc)
        base["budget_exhausted"] = True
    except UpstreamError as exc:
        error = str(exc)
        base["status"] = exc.status
    except httpx.HTTPError as exc:
        error = f"Network error reaching the Hub ({type(exc).__name__})"
    accounting = {"budget_used": run.calls, "budget_remaining": budget.remaining}
    if error is not None:
        budget.helper_errors.append({"helper": spec.name, "error": error})
        return envelope_error(error, {**base, **accounting})
    return envelope_ok(items, {**base, **meta, **accounting})


def script_functions(*, http: HttpClient, hub_url: str, username: str | None,
                     budget: Budget) -> dict[str, Callable[..., Awaitable[dict[str, Any]]]]:
    """The ``hf_*`` callables a script may await, bound to one caller and one budget."""

    def bind(spec: HelperSpec) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def helper(*args: Any, **kwargs: Any) -> dict[str, Any]:
            return await invoke(spec, http=http, hub_url=hub_url, username=username, budget=budget, args=args,
                                kwargs=kwargs)

        helper.__name__ = helper.__qualname__ = spec.name
        return helper

    return {spec.name: bind(spec) for spec in HELPERS}
