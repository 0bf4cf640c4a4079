"""Repo helpers: typed searches over /api/{models,datasets,spaces}, cross-type search, details, trending."""

from __future__ import annotations

from typing import Any

from agent import hub_ids
from agent.tools.code_mode.contracts import (DEFAULT_EXPAND, EXPAND_BY_TYPE, LIMITS, REPO_FIELDS, REPO_SORTS,
                                             REPO_TYPES, SORTS_BY_TYPE, TRENDING_FIELDS, hub_expand_name)
from agent.tools.code_mode.filtering import (HelperInputError, apply_where, check_fields, compile_where,
                                             project)
from agent.tools.code_mode.rows import repo_row
from agent.tools.code_mode.runtime import (ScriptRun, UpstreamError, clamp_limit, coverage_meta, limit_meta)

Result = tuple[list[dict[str, Any]], dict[str, Any]]


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise HelperInputError(f"{name} must be a string or a list of strings")


def _repo_type(value: Any, *, allowed: tuple[str, ...] = REPO_TYPES, name: str = "repo_type") -> str:
    canonical = str(value or "").strip().lower().rstrip("s")
    if canonical not in allowed:
        raise HelperInputError(f"Unsupported {name} '{value}'. Allowed: {list(allowed)}")
    return canonical


def _sort_key(repo_type: str, sort: str | None) -> str | None:
    if sort is None:
        return None
    if sort not in SORTS_BY_TYPE[repo_type]:
        raise HelperInputError(f"Unsupported sort '{sort}' for {repo_type}s. Allowed: {list(SORTS_BY_TYPE[repo_type])}")
    return sort


def _expand(repo_type: str, expand: Any) -> list[str]:
    values = _str_list(expand, "expand")
    unknown = [v for v in values if v not in EXPAND_BY_TYPE[repo_type]]
    if unknown:
        raise HelperInputError(f"Unsupported expand values {unknown} for {repo_type}s. "
                               f"Allowed: {list(EXPAND_BY_TYPE[repo_type])}")
    return [hub_expand_name(v) for v in values]


def _emission(raw: dict[str, Any]) -> float | None:
    value = (raw.get("cardData") or {}).get("co2_eq_emissions")
    if isinstance(value, dict):
        value = value.get("emissions")
    return float(value) if isinstance(value, (int, float)) else None


async def _search(run: ScriptRun, helper: str, repo_types: list[str], *, search: Any, filter: Any, author: Any,
                  sort: str | None, limit: int | None, fields: Any, post_filter: Any,
                  extra: dict[str, dict[str, Any]] | None = None) -> Result:
    spec = LIMITS[helper]
    fields_list = check_fields(fields, REPO_FIELDS)
    predicates = compile_where(post_filter, REPO_FIELDS, name="post_filter")
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    sorts = {rt: _sort_key(rt, sort) for rt in repo_types}
    searches = _str_list(search, "search")
    filters = _str_list(filter, "filter")
    requests: list[tuple[str, dict[str, Any], tuple[float, float] | None]] = []
    for rt in repo_types:
        params: dict[str, Any] = {"search": searches, "author": author, "filter": list(filters),
                                  "limit": applied}
        if sorts[rt]:
            params.update(sort=REPO_SORTS[sorts[rt]], direction=-1)
        options = dict((extra or {}).get(rt, {}))
        emissions = options.pop("emissions_thresholds", None)
        expand = _expand(rt, options.pop("expand", None))
        if options.pop("card_data", False) or emissions:
            params["cardData"] = True
        if options.pop("fetch_config", False):
            params["config"] = True
        if options.pop("full", None):
            params["full"] = True
        params.update(options)
        if expand:
            params["expand"] = expand
        elif not any(params.get(k) for k in ("cardData", "config", "full")):
            params["expand"] = [hub_expand_name(v) for v in DEFAULT_EXPAND[rt]]
        requests.append((rt, params, emissions))

    rows: list[dict[str, Any]] = []
    scanned, more, boundary = 0, False, False
    for rt, params, emissions in requests:
        raw_rows, more_here = await run.get_listing(hub_ids.hub_path("api", f"{rt}s"), params, applied)
        scanned += len(raw_rows)
        more = more or more_here
        boundary = boundary or len(raw_rows) >= applied
        if emissions:
            low, high = emissions
            raw_rows = [r for r in raw_rows if (e := _emission(r)) is not None and low <= e <= high]
        rows.extend(repo_row(r, rt, run.hub_url) for r in raw_rows)
    rows = apply_where(rows, predicates)
    if len(repo_types) > 1:
        key = sort or "trending_score"
        rows.sort(key=lambda r: (r.get(key) is not None, r.get(key) or 0), reverse=True)
    matched = len(rows)
    items = project(rows[:applied], fields_list)
    lim = limit_meta(limit, applied, spec["default_limit"])
    meta = {
        "repo_types": repo_types, "search": searches or None, "author": author, "filter": filters or None,
        "sort": sort, "post_filter": post_filter or None, "scanned": scanned, "limit_boundary_hit": boundary,
        **lim,
        **coverage_meta(returned=len(items), matched=matched, applied_limit=applied, exact_count=not more,
                        more_upstream=("unknown" if predicates else True) if more else False,
                        hard_cap=lim["hard_cap_applied"] and more),
    }
    return items, meta


async def hf_models_search(run: ScriptRun, search: str | None = None, filter: str | list[str] | None = None,
                           author: str | None = None, apps: str | list[str] | None = None,
                           gated: bool | None = None, inference: str | None = None,
                           inference_provider: str | list[str] | None = None, model_name: str | None = None,
                           trained_dataset: str | list[str] | None = None, pipeline_tag: str | None = None,
                           num_params: str | None = None,
                           emissions_thresholds: tuple[float, float] | None = None, sort: str | None = None,
                           limit: int = 100, expand: list[str] | None = None, full: bool | None = None,
                           card_data: bool = False, fetch_config: bool = False, fields: list[str] | None = None,
                           post_filter: dict[str, Any] | None = None) -> dict[str, Any]:
    filters = _str_list(filter, "filter")
    filters += [d if d.startswith("dataset:") else f"dataset:{d}" for d in _str_list(trained_dataset,
                                                                                       "trained_dataset")]
    searches = _str_list(search, "search") + _str_list(model_name, "model_name")
    if emissions_thresholds is not None and (not isinstance(emissions_thresholds, (list, tuple))
                                             or len(emissions_thresholds) != 2):
        raise HelperInputError("emissions_thresholds must be a (min, max) pair")
    extra = {"apps": _str_list(apps, "apps"), "gated": gated, "inference": inference,
             "inference_provider": _str_list(inference_provider, "inference_provider"),
             "pipeline_tag": pipeline_tag, "num_parameters": num_params, "expand": expand, "full": full,
             "card_data": card_data, "fetch_config": fetch_config,
             "emissions_thresholds": tuple(emissions_thresholds) if emissions_thresholds else None}
    return await _search(run, "hf_models_search", ["model"], search=searches, filter=filters, author=author,
                         sort=sort, limit=limit, fields=fields, post_filter=post_filter, extra={"model": extra})


async def hf_datasets_search(run: ScriptRun, search: str | None = None, filter: str | list[str] | None = None,
                             author: str | None = None, benchmark: str | bool | None = None,
                             dataset_name: str | None = None, gated: bool | None = None,
                             language_creators: str | list[str] | None = None,
                             language: str | list[str] | None = None,
                             multilinguality: str | list[str] | None = None,
                             size_categories: str | list[str] | None = None,
                             task_categories: str | list[str] | None = None,
                             task_ids: str | list[str] | None = None, sort: str | None = None, limit: int = 100,
                             expand: list[str] | None = None, full: bool | None = None,
                             fields: list[str] | None = None,
                             post_filter: dict[str, Any] | None = None) -> dict[str, Any]:
    filters = _str_list(filter, "filter")
    for key, value in (("language_creators", language_creators), ("language", language),
                       ("multilinguality", multilinguality), ("size_categories", size_categories),
                       ("task_categories", task_categories), ("task_ids", task_ids)):
        filters += [v if v.startswith(f"{key}:") else f"{key}:{v}" for v in _str_list(value, key)]
    if benchmark is not None and benchmark is not False:
        filters.append(f"benchmark:{'official' if benchmark is True else benchmark}")
    searches = _str_list(dataset_name, "dataset_name") + _str_list(search, "search")
    extra = {"gated": gated, "expand": expand, "full": full}
    return await _search(run, "hf_datasets_search", ["dataset"], search=searches, filter=filters, author=author,
                         sort=sort, limit=limit, fields=fields, post_filter=post_filter, extra={"dataset": extra})


async def hf_spaces_search(run: ScriptRun, search: str | None = None, filter: str | list[str] | None = None,
                           author: str | None = None, datasets: str | list[str] | None = None,
                           models: str | list[str] | None = None, linked: bool = False, sort: str | None = None,
                           limit: int = 100, expand: list[str] | None = None, full: bool | None = None,
                           fields: list[str] | None = None,
                           post_filter: dict[str, Any] | None = None) -> dict[str, Any]:
    extra = {"datasets": _str_list(datasets, "datasets"), "models": _str_list(models, "models"),
             "linked": bool(linked), "expand": expand, "full": full}
    return await _search(run, "hf_spaces_search", ["space"], search=search, filter=filter, author=author,
                         sort=sort, limit=limit, fields=fields, post_filter=post_filter, extra={"space": extra})


async def hf_repo_search(run: ScriptRun, search: str | None = None, repo_type: str | None = None,
                         repo_types: list[str] | None = None, filter: str | list[str] | None = None,
                         author: str | None = None, sort: str | None = None, limit: int = 100,
                         fields: list[str] | None = None,
                         post_filter: dict[str, Any] | None = None) -> dict[str, Any]:
    if repo_type is not None and repo_types is not None:
        raise HelperInputError("Pass either repo_type or repo_types, not both")
    if repo_types is not None:
        types = list(dict.fromkeys(_repo_type(t, name="repo_types") for t in _str_list(repo_types, "repo_types")))
        if not types:
            raise HelperInputError("repo_types must not be empty")
    else:
        types = [_repo_type(repo_type or "model")]
    return await _search(run, "hf_repo_search", types, search=search, filter=filter, author=author, sort=sort,
                         limit=limit, fields=fields, post_filter=post_filter)


async def hf_repo_details(run: ScriptRun, repo_id: str | None = None, repo_ids: list[str] | None = None,
                          repo_type: str = "auto", fields: list[str] | None = None) -> dict[str, Any]:
    fields_list = check_fields(fields, REPO_FIELDS)
    ids = _str_list(repo_ids, "repo_ids") if repo_ids is not None else []
    if repo_id is not None:
        ids.insert(0, repo_id)
    # Every id is checked before the first request: a bad one is the script's error, and no Hub call is made.
    ids = list(dict.fromkeys(hub_ids.repo_id(i.strip() if isinstance(i, str) else i) for i in ids
                             if not isinstance(i, str) or i.strip()))
    if not ids:
        raise HelperInputError("Pass repo_id or repo_ids")
    types = list(REPO_TYPES) if repo_type == "auto" else [_repo_type(repo_type, allowed=REPO_TYPES)]
    items: list[dict[str, Any]] = []
    missing: list[str] = []
    for rid in ids:
        for rt in types:
            try:
                raw = await run.get_json(hub_ids.repo_api_path(rt, rid))
            except UpstreamError as exc:
                if exc.status in (401, 404) and rt != types[-1]:
                    continue  # auto mode: try the next repo type
                if exc.status in (401, 404):
                    missing.append(rid)
                    break
                raise
            items.append(repo_row(raw, rt, run.hub_url))
            break
    if not items:
        raise UpstreamError(404, f"Repository not found: {', '.join(missing)} (tried {', '.join(types)})")
    meta = {"requested": ids, "repo_type": repo_type, "returned": len(items), "not_found": missing or None,
            "complete": not missing}
    return project(items, fields_list), meta


async def hf_trending(run: ScriptRun, repo_type: str = "model", limit: int = 20,
                      where: dict[str, Any] | None = None, fields: list[str] | None = None) -> dict[str, Any]:
    spec = LIMITS["hf_trending"]
    kind = "all" if repo_type == "all" else _repo_type(repo_type, allowed=(*REPO_TYPES, "all"))
    fields_list = check_fields(fields, TRENDING_FIELDS)
    predicates = compile_where(where, TRENDING_FIELDS)
    applied = clamp_limit(limit, default=spec["default_limit"], maximum=spec["max_limit"])
    payload = await run.get_json(hub_ids.hub_path("api", "trending"), {"type": kind, "limit": applied})
    entries = payload.get("recentlyTrending", []) if isinstance(payload, dict) else []
    rows = []
    for rank, entry in enumerate(entries[:applied], start=1):
        row = repo_row(entry.get("repoData") or {}, entry.get("repoType") or kind, run.hub_url)
        row["trending_rank"] = rank
        rows.append(row)
    rows = apply_where(rows, predicates)
    lim = limit_meta(limit, applied, spec["default_limit"])
    meta = {"repo_type": kind, **lim,
            **coverage_meta(returned=len(rows), matched=len(rows), applied_limit=applied, exact_count=True,
                            more_upstream=False, hard_cap=lim["hard_cap_applied"])}
    return project(rows, fields_list), meta
