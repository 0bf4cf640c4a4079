"""Content helpers: daily papers, collections and their items, repo discussions."""

from __future__ import annotations

from typing import Any

from agent import hub_ids
from agent.tools.code_mode.contracts import (COLLECTION_FIELDS, DAILY_PAPER_FIELDS, DISCUSSION_DETAIL_FIELDS,
                                             DISCUSSION_FIELDS, LIMITS, REPO_FIELDS, REPO_TYPES)
from agent.tools.code_mode.filtering import (HelperInputError, apply_where, check_fields, compile_where,
                                             project)
from agent.tools.code_mode.helpers_repos import _repo_type, _str_list
from agent.tools.code_mode.rows import collection_row, daily_paper_row, discussion_detail_row, discussion_row, repo_row
from agent.tools.code_mode.runtime import ScriptRun, UpstreamError, clamp_limit, coverage_meta, limit_meta

Result = tuple[list[dict[str, Any]], dict[str, Any]]
DAILY_PAPERS_PAGE = 100


async def hf_daily_papers(run: ScriptRun, limit: int = 20, where: dict[str, Any] | None = None,
                          fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_daily_papers"]
    fields_list = check_fields(fields, DAILY_PAPER_FIELDS)
    predicates = compile_where(where, DAILY_PAPER_FIELDS)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    entries: list[dict[str, Any]] = []
    page, exhausted = 0, False
    while len(entries) < applied:
        size = min(DAILY_PAPERS_PAGE, applied - len(entries))
        batch = await run.get_json(hub_ids.hub_path("api", "daily_papers"), {"p": page, "limit": size})
        entries.extend(batch)
        page += 1
        if len(batch) < size:
            exhausted = True
            break
    rows = apply_where([daily_paper_row(e, rank) for rank, e in enumerate(entries[:applied], start=1)], predicates)
    lim = limit_meta(limit, applied, spec["default_limit"])
    meta = {"pages": page, "scanned": len(entries), "limit_boundary_hit": len(entries) >= applied, **lim,
            **coverage_meta(returned=len(rows), matched=len(rows), applied_limit=applied, exact_count=exhausted,
                            more_upstream=False if exhausted else "unknown", hard_cap=lim["hard_cap_applied"])}
    return project(rows, fields_list), meta


async def hf_collections_search(run: ScriptRun, query: str | None = None, owner: str | None = None,
                                limit: int = 20, count_only: bool = False, where: dict[str, Any] | None = None,
                                fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_collections_search"]
    fields_list = check_fields(fields, COLLECTION_FIELDS)
    predicates = compile_where(where, COLLECTION_FIELDS)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    if owner is not None:
        owner = hub_ids.namespace(owner, "owner")  # it may go into a profile path below
    want = spec["max_limit"] if (predicates or count_only) else applied + 1
    collections = hub_ids.hub_path("api", "collections")
    raw, more = await run.get_listing(collections, {"q": query, "owner": owner, "limit": want}, want)
    if owner and not raw:
        # Ownership lookups are case-insensitive ("collections by qwen" means Qwen's): retry with the
        # owner's canonical name, which its profile gives.
        canonical = await _canonical_name(run, owner)
        if canonical and canonical != owner:
            owner = canonical
            raw, more = await run.get_listing(collections, {"q": query, "owner": owner, "limit": want}, want)
    rows = [collection_row(r) for r in raw]
    if owner:
        rows = [r for r in rows if (r["owner"] or "").lower() == owner.lower()]
    matched = apply_where(rows, predicates)
    items = [] if count_only else project(matched[:applied], fields_list)
    lim = limit_meta(None if count_only else limit, applied, spec["default_limit"])
    meta = {"query": query, "owner": owner, "scanned": len(raw), "count": len(matched),
            "limit_boundary_hit": len(matched) > applied, **lim,
            **coverage_meta(returned=len(items), matched=len(matched) if not count_only else 0,
                            applied_limit=applied, exact_count=not more,
                            more_upstream=("unknown" if predicates else True) if more else False)}
    return items, meta


async def _canonical_name(run: ScriptRun, handle: str) -> str | None:
    for path in (hub_ids.hub_path("api", "users", handle, "overview"),
                 hub_ids.hub_path("api", "organizations", handle, "overview")):
        try:
            profile = await run.get_json(path)
        except UpstreamError as exc:
            if exc.status == 404:
                continue
            raise
        return profile.get("user") or profile.get("name")
    return None


async def hf_collection_items(run: ScriptRun, collection_id: str, repo_types: list[str] | None = None,
                              limit: int = 100, count_only: bool = False, where: dict[str, Any] | None = None,
                              fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_collection_items"]
    slug = hub_ids.collection_slug(collection_id.strip() if isinstance(collection_id, str) else collection_id)
    fields_list = check_fields(fields, REPO_FIELDS)
    predicates = compile_where(where, REPO_FIELDS)
    types = [_repo_type(t, name="repo_types") for t in _str_list(repo_types, "repo_types")] or list(REPO_TYPES)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    raw = await run.get_json(hub_ids.hub_path("api", "collections", *slug.split("/")))
    entries = raw.get("items") or []
    rows = [repo_row(e, e["type"], run.hub_url) for e in entries if e.get("type") in types]
    matched = apply_where(rows, predicates)
    items = [] if count_only else project(matched[:applied], fields_list)
    lim = limit_meta(None if count_only else limit, applied, spec["default_limit"])
    meta = {"collection_id": raw.get("slug", collection_id), "title": raw.get("title"), "count": len(matched),
            "skipped_non_repo_items": sum(1 for e in entries if e.get("type") not in REPO_TYPES),
            "limit_boundary_hit": len(matched) > applied, **lim,
            **coverage_meta(returned=len(items), matched=len(matched) if not count_only else 0,
                            applied_limit=applied, exact_count=True, more_upstream=False)}
    return items, meta


async def hf_repo_discussions(run: ScriptRun, repo_type: str, repo_id: str, limit: int = 20,
                              fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_repo_discussions"]
    rt = _repo_type(repo_type)
    fields_list = check_fields(fields, DISCUSSION_FIELDS)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    rows: list[dict[str, Any]] = []
    page, total = 0, None
    while len(rows) < applied:
        payload = await run.get_json(hub_ids.repo_api_path(rt, repo_id, "discussions"), {"p": page})
        batch = payload.get("discussions") or []
        total = payload.get("count", total)
        rows.extend(discussion_row(d, run.hub_url) for d in batch)
        page += 1
        if not batch or payload.get("start", 0) + len(batch) >= (total or 0):
            break
    items = project(rows[:applied], fields_list)
    more = total is not None and total > len(items)
    lim = limit_meta(limit, applied, spec["default_limit"])
    meta = {"repo_id": repo_id, "repo_type": rt, "pages": page, "total": total,
            "limit_boundary_hit": len(rows) >= applied, **lim,
            **coverage_meta(returned=len(items), matched=total if total is not None else len(rows),
                            applied_limit=applied, exact_count=total is not None, more_upstream=more,
                            hard_cap=lim["hard_cap_applied"] and more)}
    return items, meta


async def hf_repo_discussion_details(run: ScriptRun, repo_type: str, repo_id: str, discussion_num: int,
                                     fields: list[str] | None = None) -> dict[str, Any]:
    rt = _repo_type(repo_type)
    fields_list = check_fields(fields, DISCUSSION_DETAIL_FIELDS)
    if isinstance(discussion_num, bool) or not isinstance(discussion_num, int) or not 1 <= discussion_num < 2**31:
        raise HelperInputError("discussion_num must be a positive integer (a discussion's number)")
    raw = await run.get_json(hub_ids.repo_api_path(rt, repo_id, "discussions", str(discussion_num)))
    return project([discussion_detail_row(raw, run.hub_url)], fields_list), {"repo_id": repo_id, "repo_type": rt}
