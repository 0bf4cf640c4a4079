"""Social helpers: followers/following, org members, likers, user likes, profiles, activity, whoami."""

from __future__ import annotations

import asyncio
from typing import Any

from agent import hub_ids
from agent.tools.code_mode.contracts import (ACTIVITY_FIELDS, ACTOR_FIELDS, LIMITS, REPO_TYPES, USER_LIKE_FIELDS)
from agent.tools.code_mode.filtering import (HelperInputError, apply_where, check_fields, compile_where,
                                             project)
from agent.tools.code_mode.helpers_repos import _repo_type, _str_list
from agent.tools.code_mode.rows import activity_row, actor_row, profile_row, user_like_row
from agent.tools.code_mode.runtime import (BudgetExhausted, ScriptRun, UpstreamError, clamp_limit,
                                           coverage_meta, limit_meta)

Result = tuple[list[dict[str, Any]], dict[str, Any]]


def _handle(run: ScriptRun, value: str | None, name: str) -> str:
    if value is not None:
        return hub_ids.namespace(value.strip() if isinstance(value, str) else value, name)
    if not run.username:
        raise HelperInputError(f"{name}=None means the current user, but no authenticated user is known")
    return run.username


async def _actor_scan(run: ScriptRun, helper: str, path: hub_ids.HubPath, *, limit: int | None,
                      scan_limit: int | None, count_only: bool, pro_only: bool | None, where: Any, fields: Any,
                      fallback_path: hub_ids.HubPath | None = None) -> Result:
    spec = LIMITS[helper]
    fields_list = check_fields(fields, ACTOR_FIELDS)
    predicates = compile_where(where, ACTOR_FIELDS)
    if pro_only:
        predicates.append(("is_pro", "eq", True))
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    scan_max = spec.get("scan_max", spec["max_limit"])
    applied_scan = clamp_limit(scan_limit, default=scan_max, maximum=scan_max, name="scan_limit")
    filtering = bool(predicates) or count_only
    # Without local filters, one row past the limit tells whether the limit cut the list.
    want = applied_scan if filtering else min(applied + 1, applied_scan)
    source = path
    try:
        raw, more = await run.get_listing(path, {}, want)
    except UpstreamError as exc:
        if exc.status != 404 or fallback_path is None:
            raise
        source = fallback_path
        raw, more = await run.get_listing(fallback_path, {}, want)
    matched = apply_where([actor_row(r) for r in raw], predicates)
    exact = not more
    items = [] if count_only else project(matched[:applied], fields_list)
    lim = limit_meta(None if count_only else limit, applied, spec["default_limit"])
    lim.update(requested_scan_limit=scan_limit, scan_limit=applied_scan)
    meta = {"source": source, "scanned": len(raw), "pro_only": bool(pro_only), "where": where or None,
            "count": len(matched) if exact or count_only else None, "total": len(matched) if exact else None,
            "limit_boundary_hit": len(matched) > applied and not count_only, **lim,
            **coverage_meta(returned=len(items), matched=len(matched) if not count_only else len(items),
                            applied_limit=applied, exact_count=exact,
                            more_upstream=("unknown" if filtering else True) if more else False,
                            scan_limit_hit=more and want == applied_scan, scan_limit=applied_scan)}
    if count_only:
        meta["count_is_lower_bound"] = not exact
    return items, meta


async def hf_user_graph(run: ScriptRun, username: str | None = None, relation: str = "followers",
                        limit: int | None = None, scan_limit: int | None = None, count_only: bool = False,
                        pro_only: bool | None = None, where: dict[str, Any] | None = None,
                        fields: list[str] | None = None) -> dict[str, Any]:
    if relation not in ("followers", "following"):
        raise HelperInputError("relation must be 'followers' or 'following'")
    name = _handle(run, username, "username")
    org_path = hub_ids.hub_path("api", "organizations", name, "followers") if relation == "followers" else None
    items, meta = await _actor_scan(run, "hf_user_graph", hub_ids.hub_path("api", "users", name, relation),
                                    limit=limit,
                                    scan_limit=scan_limit, count_only=count_only, pro_only=pro_only, where=where,
                                    fields=fields, fallback_path=org_path)
    meta.update(username=name, relation=relation)
    return items, meta


async def hf_org_members(run: ScriptRun, organization: str, limit: int | None = None,
                         scan_limit: int | None = None, count_only: bool = False,
                         where: dict[str, Any] | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    org = _handle(run, organization, "organization")
    items, meta = await _actor_scan(run, "hf_org_members", hub_ids.hub_path("api", "organizations", org, "members"),
                                    limit=limit,
                                    scan_limit=scan_limit, count_only=count_only, pro_only=None, where=where,
                                    fields=fields)
    meta["organization"] = org
    return items, meta


async def hf_repo_likers(run: ScriptRun, repo_id: str, repo_type: str, limit: int | None = None,
                         count_only: bool = False, pro_only: bool | None = None,
                         where: dict[str, Any] | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    rt = _repo_type(repo_type)
    likers = hub_ids.repo_api_path(rt, repo_id, "likers")
    items, meta = await _actor_scan(run, "hf_repo_likers", likers, limit=limit, scan_limit=None,
                                    count_only=count_only, pro_only=pro_only, where=where, fields=fields)
    meta.update(repo_id=repo_id, repo_type=rt)
    return items, meta


_LIKE_SORTS = ("liked_at", "repo_likes", "repo_downloads")


async def _enrich_likes(run: ScriptRun, rows: list[dict[str, Any]]) -> int:
    """Fill repo_likes/repo_downloads (one detail call per repo, within the remaining budget)."""
    affordable = rows[: run.budget_remaining]

    async def one(row: dict[str, Any]) -> bool:
        try:
            # Spaces have no download counts (and reject that expand value).
            expand = ["likes", "author"] + (["downloads"] if row["repo_type"] != "space" else [])
            # The id comes from the Hub's likes listing; checked like any other before it goes into a path.
            raw = await run.get_json(hub_ids.repo_api_path(row["repo_type"], row["repo_id"]), {"expand": expand})
        except (UpstreamError, BudgetExhausted, hub_ids.InvalidHubName):
            return False
        row["repo_likes"], row["repo_downloads"] = raw.get("likes"), raw.get("downloads")
        row["repo_author"] = raw.get("author") or row["repo_author"]
        return True

    results = await asyncio.gather(*(one(r) for r in affordable))
    return sum(results)


async def hf_user_likes(run: ScriptRun, username: str | None = None, repo_types: list[str] | None = None,
                        limit: int | None = None, scan_limit: int | None = None, count_only: bool = False,
                        where: dict[str, Any] | None = None, fields: list[str] | None = None,
                        sort: str | None = None, ranking_window: int | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_user_likes"]
    name = _handle(run, username, "username")
    fields_list = check_fields(fields, USER_LIKE_FIELDS)
    predicates = compile_where(where, USER_LIKE_FIELDS)
    sort = sort or "liked_at"
    if sort not in _LIKE_SORTS:
        raise HelperInputError(f"sort must be one of {list(_LIKE_SORTS)}")
    types = [_repo_type(t, name="repo_types") for t in _str_list(repo_types, "repo_types")] or list(REPO_TYPES)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    applied_scan = clamp_limit(scan_limit, default=spec["scan_max"], maximum=spec["scan_max"], name="scan_limit")
    window = clamp_limit(ranking_window, default=spec["ranking_default"], maximum=spec["enrich_max"],
                         name="ranking_window")
    needs_repo_stats = sort != "liked_at" or any(f in ("repo_likes", "repo_downloads") for f, _, _ in predicates)
    filtering = bool(predicates) or count_only or len(types) < len(REPO_TYPES) or needs_repo_stats
    want = applied_scan if filtering else min(applied + 1, applied_scan)
    raw, more = await run.get_listing(hub_ids.hub_path("api", "users", name, "likes"), {}, want)
    rows = [user_like_row(r, run.hub_url) for r in raw]
    rows = [r for r in rows if r["repo_type"] in types]
    rows.sort(key=lambda r: r["liked_at"] or "", reverse=True)
    ranking: dict[str, Any] = {}
    if needs_repo_stats:
        # Popularity needs per-repo stats: rerank only the most recent `window` likes (bounded upstream work).
        candidates = rows[:window]
        window_hit = len(rows) > window or more
        enriched = await _enrich_likes(run, candidates)
        rows = candidates
        if sort != "liked_at":
            rows = sorted(rows, key=lambda r: r[sort] if r[sort] is not None else -1, reverse=True)
        ranking = {"ranking_window": window, "ranking_window_hit": window_hit, "enriched": enriched,
                   "ranking_complete": enriched == len(candidates) and not window_hit}
    matched = apply_where(rows, predicates)
    exact = not more and not ranking.get("ranking_window_hit", False)
    items = [] if count_only else project(matched[:applied], fields_list)
    lim = limit_meta(None if count_only else limit, applied, spec["default_limit"])
    lim.update(requested_scan_limit=scan_limit, scan_limit=applied_scan)
    meta = {"username": name, "repo_types": types, "sort": sort, "scanned": len(raw),
            "count": len(matched) if exact or count_only else None, "limit_boundary_hit": len(matched) > applied,
            **ranking, **lim,
            **coverage_meta(returned=len(items), matched=len(matched) if not count_only else 0, applied_limit=applied,
                            exact_count=exact,
                            more_upstream="unknown" if (more or ranking.get("ranking_window_hit")) else False,
                            scan_limit_hit=more and want == applied_scan, scan_limit=applied_scan)}
    return items, meta


async def hf_profile_summary(run: ScriptRun, handle: str | None = None, include: list[str] | None = None,
                             likes_limit: int = 10, activity_limit: int = 10) -> dict[str, Any]:
    name = _handle(run, handle, "handle")
    extras = _str_list(include, "include")
    unknown = [i for i in extras if i not in ("likes", "activity")]
    if unknown:
        raise HelperInputError(f"Unsupported include values {unknown}. Allowed: ['likes', 'activity']")
    likes_n = clamp_limit(likes_limit, default=10, maximum=50, name="likes_limit")
    activity_n = clamp_limit(activity_limit, default=10, maximum=100, name="activity_limit")
    try:
        raw = await run.get_json(hub_ids.hub_path("api", "users", name, "overview"))
        entity = "user"
    except UpstreamError as exc:
        if exc.status != 404:
            raise
        raw = await run.get_json(hub_ids.hub_path("api", "organizations", name, "overview"))
        entity = "organization"
    item = profile_row(raw, entity)
    item["likes_sample"] = None
    item["activity_sample"] = None
    if "likes" in extras and entity == "user":
        likes, _ = await run.get_listing(hub_ids.hub_path("api", "users", name, "likes"), {}, likes_n)
        item["likes_sample"] = [{k: row[k] for k in ("repo_id", "repo_type", "liked_at")}
                                for row in (user_like_row(r, run.hub_url) for r in likes)]
    if "activity" in extras:
        params = {"feedType": "org" if entity == "organization" else "user", "entity": name, "limit": activity_n}
        feed = await run.get_json(hub_ids.hub_path("api", "recent-activity"), params)
        item["activity_sample"] = [activity_row(r) for r in (feed.get("recentActivity") or [])[:activity_n]]
    return [item], {"handle": name, "entity_type": entity, "include": extras or None}


async def hf_recent_activity(run: ScriptRun, feed_type: str | None = None, entity: str | None = None,
                             activity_types: list[str] | None = None, repo_types: list[str] | None = None,
                             limit: int | None = None, max_pages: int | None = None,
                             start_cursor: str | None = None, count_only: bool = False,
                             where: dict[str, Any] | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_recent_activity"]
    feed = feed_type or "user"
    if feed not in ("user", "org"):
        raise HelperInputError("feed_type must be 'user' or 'org'")
    name = _handle(run, entity, "entity")
    fields_list = check_fields(fields, ACTIVITY_FIELDS)
    predicates = compile_where(where, ACTIVITY_FIELDS)
    kinds = _str_list(activity_types, "activity_types")
    types = [_repo_type(t, name="repo_types") for t in _str_list(repo_types, "repo_types")]
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    page_size = spec["page_limit"]
    default_pages = min(spec["max_pages"], -(-applied // page_size))
    pages_allowed = clamp_limit(max_pages, default=default_pages, maximum=spec["max_pages"], name="max_pages")
    rows: list[dict[str, Any]] = []
    cursor, pages, scanned = start_cursor, 0, 0
    while pages < pages_allowed and (count_only or len(rows) <= applied):
        params = {"feedType": feed, "entity": name, "limit": page_size, "cursor": cursor,
                  "activityType": kinds or None, "repoType": types or None}
        payload = await run.get_json(hub_ids.hub_path("api", "recent-activity"), params)
        pages += 1
        page = [activity_row(r) for r in payload.get("recentActivity") or []]
        scanned += len(page)
        if kinds:
            page = [r for r in page if r["event_type"] in kinds]
        if types:
            page = [r for r in page if r["repo_type"] in types]
        rows.extend(apply_where(page, predicates))
        cursor = payload.get("cursor")
        if not cursor:
            break
    more = bool(cursor)
    items = [] if count_only else project(rows[:applied], fields_list)
    lim = limit_meta(None if count_only else limit, applied, spec["default_limit"])
    lim.update(requested_max_pages=max_pages, applied_max_pages=pages_allowed)
    meta = {"feed_type": feed, "entity": name, "pages": pages, "scanned": scanned, "cursor": cursor,
            "count": len(rows), "count_is_lower_bound": more, "limit_boundary_hit": len(rows) > applied, **lim,
            **coverage_meta(returned=len(items), matched=len(rows) if not count_only else 0, applied_limit=applied,
                            exact_count=not more,
                            more_upstream=("unknown" if (kinds or types or predicates) else True) if more else False,
                            page_limit_hit=more and pages >= pages_allowed, max_pages=pages_allowed)}
    return items, meta


async def hf_whoami(run: ScriptRun) -> dict[str, Any]:
    raw = await run.get_json(hub_ids.hub_path("api", "whoami-v2"))
    item = {"username": raw.get("name"), "fullname": raw.get("fullname"), "is_pro": raw.get("isPro")}
    return [item], {}
