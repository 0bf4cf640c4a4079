"""Hub API subset: /api/whoami-v2, /api/{models,datasets,spaces} listing and repo info."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import bearer_token, whoami_payload
from .hub_faults import faulty
from .errors import hub_error, hub_unauthorized, repo_not_found
from .research_http import decode_cursor, encode_cursor

# Keys returned by list endpoints by default (without `full`/`expand`), as the real Hub does.
LIST_FIELDS = {
    "models": ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
               "library_name", "createdAt", "modelId"],
    "datasets": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "downloads",
                 "likes", "tags", "createdAt", "key", "trendingScore", "description", "citation"],
    "spaces": ["_id", "id", "likes", "trendingScore", "private", "sdk", "tags", "createdAt", "author"],
}
# Keys returned by `/api/{kind}/{id}` (and by list endpoints with `full=true`).
INFO_FIELDS = {
    "models": ["_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId",
               "author", "sha", "lastModified", "gated", "disabled", "widgetData", "model-index", "config",
               "cardData", "transformersInfo", "siblings", "spaces", "createdAt", "safetensors", "usedStorage"],
    "datasets": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "tags",
                 "citation", "description", "downloads", "likes", "cardData", "siblings", "createdAt",
                 "usedStorage", "paperswithcode_id"],
    "spaces": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "host",
               "subdomain", "likes", "sdk", "tags", "cardData", "siblings", "runtime", "createdAt", "models",
               "datasets", "usedStorage"],
}
# Extra keys only available through `expand`.
EXPAND_ONLY = {
    "models": ["downloadsAllTime", "inference", "inferenceProviderMapping", "trendingScore", "gguf",
               "baseModels", "childrenModelCount", "resourceGroup", "mask_token", "evalResults"],
    "datasets": ["downloadsAllTime", "trendingScore", "resourceGroup", "mainSize"],
    "spaces": ["trendingScore", "resourceGroup", "region"],
}
SORT_KEYS = {
    "downloads": "downloads", "likes": "likes", "lastModified": "lastModified", "last_modified": "lastModified",
    "createdAt": "createdAt", "created_at": "createdAt", "trendingScore": "trendingScore",
    "trending_score": "trendingScore", "id": "id",
}
TRUE_VALUES = {"1", "true", "True", "yes"}


def _project(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in fields:
        if key in record:
            out[key] = record[key]
    return out


def _expand_fields(kind: str, request: Request) -> list[str] | Response:
    requested = request.query_params.getlist("expand") + request.query_params.getlist("expand[]")
    if not requested:
        return []
    allowed = set(INFO_FIELDS[kind]) | set(LIST_FIELDS[kind]) | set(EXPAND_ONLY[kind])
    unknown = [e for e in requested if e not in allowed]
    if unknown:
        return hub_error(400, f'"expand" contains invalid value(s): {", ".join(unknown)}. Allowed: {sorted(allowed)}')
    return ["_id", "id", *requested]


def _check_token(state: Any, request: Request) -> Response | None:
    """Public endpoints: no token is fine, but an unknown token is rejected like the Hub does."""
    token = bearer_token(request)
    if token is not None and state.account_for_token(token) is None:
        return hub_unauthorized()
    return None


def _matches(kind: str, record: dict[str, Any], request: Request) -> bool:
    params = request.query_params
    repo_id = record["id"].lower()
    for search in params.getlist("search"):
        if search.lower() not in repo_id:
            return False
    author = params.get("author")
    if author and (record.get("author") or "").lower() != author.lower():
        return False
    tags = set(record.get("tags") or [])
    for f in params.getlist("filter"):
        if f not in tags and f != record.get("library_name") and f != record.get("pipeline_tag"):
            return False
    if kind == "models":
        if (pt := params.get("pipeline_tag")) and record.get("pipeline_tag") != pt:
            return False
        if (lib := params.get("library")) and lib not in tags:
            return False
    if (gated := params.get("gated")) is not None:
        if (gated in TRUE_VALUES) != bool(record.get("gated")):
            return False
    if kind == "spaces":
        for m in params.getlist("models"):
            if m not in record.get("models", []):
                return False
        for d in params.getlist("datasets"):
            if d not in record.get("datasets", []):
                return False
    return True


def _sort(kind: str, items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]] | Response:
    sort = request.query_params.get("sort") or "trendingScore"
    key = SORT_KEYS.get(sort)
    if key is None:
        return hub_error(400, f'Invalid sort parameter "{sort}"')
    direction = request.query_params.get("direction", "-1")
    descending = direction != "1"
    # Stable tie-break on id (ascending) for determinism.
    items = sorted(items, key=lambda r: r["id"])
    return sorted(items, key=lambda r: r.get(key) or 0, reverse=descending)


def _list_handler(state: Any, kind: str):
    async def handler(request: Request) -> Response:
        if (err := _check_token(state, request)) is not None:
            return err
        params = request.query_params
        expand = _expand_fields(kind, request)
        if isinstance(expand, Response):
            return expand
        try:
            limit = int(params["limit"]) if params.get("limit") else None
        except ValueError:
            return hub_error(400, '"limit" must be a number')
        if limit is not None and limit < 1:
            return hub_error(400, '"limit" must be greater than or equal to 1')

        items = [r for r in state.catalog.repos(kind).values() if _matches(kind, r, request)]
        items = _sort(kind, items, request)
        if isinstance(items, Response):
            return items

        page_size = min(limit, state.hub_page_size) if limit else state.hub_page_size
        offset = decode_cursor(params.get("cursor"))
        page = items[offset : offset + page_size]

        if expand:
            fields = expand
        elif params.get("full") in TRUE_VALUES:
            fields = INFO_FIELDS[kind] + [f for f in LIST_FIELDS[kind] if f not in INFO_FIELDS[kind]]
        else:
            fields = list(LIST_FIELDS[kind])
            if kind == "models" and params.get("cardData") in TRUE_VALUES:
                fields.append("cardData")
            if kind == "models" and params.get("config") in TRUE_VALUES:
                fields.append("config")
        body = [_project(r, fields) for r in page]

        headers = {}
        if offset + page_size < len(items):
            next_url = request.url.include_query_params(cursor=encode_cursor(offset + page_size))
            headers["Link"] = f'<{next_url}>; rel="next"'
        return JSONResponse(body, headers=headers)

    return handler


def _info_handler(state: Any, kind: str):
    async def handler(request: Request) -> Response:
        if (err := _check_token(state, request)) is not None:
            return err
        repo_id = request.path_params["repo_id"]
        record = state.catalog.get(kind, repo_id)
        if record is None:
            return repo_not_found(str(request.url))
        revision = request.path_params.get("revision")
        if revision is not None and revision not in ("main", record["sha"]):
            return hub_error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        expand = _expand_fields(kind, request)
        if isinstance(expand, Response):
            return expand
        return JSONResponse(_project(record, expand or INFO_FIELDS[kind]))

    return handler


def _whoami_handler(state: Any):
    async def handler(request: Request) -> Response:
        account = state.account_for_token(bearer_token(request))
        if account is None:
            return hub_unauthorized()
        return JSONResponse(whoami_payload(account))

    return handler


def routes(state: Any) -> list[BaseRoute]:
    out: list[BaseRoute] = [Route("/api/whoami-v2", faulty(state.hub_faults, "whoami", _whoami_handler(state)),
                                  methods=["GET"])]
    for kind in ("models", "datasets", "spaces"):
        out += [
            Route(f"/api/{kind}", _list_handler(state, kind), methods=["GET"]),
            Route(f"/api/{kind}/{{repo_id:path}}/revision/{{revision}}", _info_handler(state, kind), methods=["GET"]),
            Route(f"/api/{kind}/{{repo_id:path}}", _info_handler(state, kind), methods=["GET"]),
        ]
    return out
