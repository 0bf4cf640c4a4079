"""Small wire helpers shared by the research route modules: token check, Link pagination, cursors."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .accounts import bearer_token
from .errors import hub_error, hub_unauthorized


def check_token(state: Any, request: Request) -> Response | None:
    """Public endpoints: no token is fine, an unknown token is rejected (as the Hub does)."""
    token = bearer_token(request)
    if token is not None and state.account_for_token(token) is None:
        return hub_unauthorized()
    return None


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f'{{"offset":{offset}}}'.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(raw.split(":", 1)[1].rstrip("}")))
    except (ValueError, IndexError):
        return 0


def int_param(request: Request, name: str, default: int | None) -> int | None | Response:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        return hub_error(400, f'"{name}" must be a number')
    if value < 0:
        return hub_error(400, f'"{name}" must be greater than or equal to 0')
    return value


def paginated(state: Any, request: Request, items: list[Any]) -> Response:
    """A list page of ``min(limit, hub_page_size)`` items with ``Link: <...>; rel="next"`` when more exist."""
    limit = int_param(request, "limit", None)
    if isinstance(limit, Response):
        return limit
    page_size = min(limit, state.hub_page_size) if limit else state.hub_page_size
    offset = decode_cursor(request.query_params.get("cursor"))
    page = items[offset: offset + page_size]
    headers = {}
    if offset + page_size < len(items):
        next_url = request.url.include_query_params(cursor=encode_cursor(offset + page_size))
        headers["Link"] = f'<{next_url}>; rel="next"'
    return JSONResponse(page, headers=headers)


def not_found(what: str) -> Response:
    return hub_error(404, f"{what} not found")
