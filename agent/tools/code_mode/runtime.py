"""Per-script runtime: the ``max_calls`` budget (counted here, on the host), budgeted Hub requests, envelopes.

Budget unit: one Hub request. Following a listing's ``Link: rel="next"`` pages is part of that
one listing request (as ``huggingface_hub``'s paginate presents it); explicitly paged or cursored
endpoints (discussion pages, activity pages) and per-repo detail fetches count one call each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from agent.hf_hosts import HttpClient
from agent.hub_ids import HubPath

# Bounds a single listing so one call cannot page through the whole Hub.
MAX_LISTING_ROWS = 10_000


class BudgetExhausted(Exception):
    pass


class UpstreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error_message(response: httpx.Response) -> str:
    message = response.headers.get("x-error-message")
    if not message:
        try:
            body = response.json()
            message = body.get("error") if isinstance(body, dict) else None
        except ValueError:
            message = None
    return f"Hub answered {response.status_code} for {response.request.url.path}" + (f": {message}" if message else "")


_SCALARS = (str, int, float)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's error page, a truncated body: an upstream fault the script can report
        raise UpstreamError(response.status_code, f"Hub answered {response.status_code} for "
                                                  f"{response.request.url.path} with a body that is not JSON") from None


def _query(params: dict[str, Any] | None) -> dict[str, Any]:
    """Drop unset values; booleans as the Hub spells them; lists stay lists (repeated query params). A value of
    another type (a dict passed as ``author``...) is the script's mistake, said as such."""
    from agent.tools.code_mode.filtering import HelperInputError

    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None or value == [] or value is False and key != "gated":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not (isinstance(value, _SCALARS) or isinstance(value, list)
                  and all(isinstance(v, _SCALARS) and not isinstance(v, bool) for v in value)):
            raise HelperInputError(f"{key} must be a string, a number or a list of strings, "
                                   f"not {type(value).__name__}")
        out[key] = value
    return out


@dataclass
class Budget:
    """The script's whole external-call budget and what happened, shared by all its helper calls."""

    max_calls: int
    used: int = 0
    trace: list[dict[str, Any]] = field(default_factory=list)
    helper_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(0, self.max_calls - self.used)


@dataclass
class ScriptRun:
    """One helper invocation's view: the caller's Hub client plus the shared budget (counts its own calls too)."""

    http: HttpClient
    hub_url: str
    username: str | None
    budget: Budget
    helper: str = ""
    request_timeout: float = 30.0
    calls: int = 0

    @property
    def budget_remaining(self) -> int:
        return self.budget.remaining

    def _consume(self, path: HubPath) -> None:
        if not isinstance(path, HubPath):  # a programming error: every helper builds its paths with hub_path
            raise TypeError(f"Hub paths are built with agent.hub_ids.hub_path, not given as {path!r}")
        if self.budget.used >= self.budget.max_calls:
            raise BudgetExhausted(f"max_calls budget exhausted ({self.budget.max_calls} calls used); "
                                  f"no request was made for {path}")
        self.budget.used += 1
        self.calls += 1
        self.budget.trace.append({"call": self.budget.used, "helper": self.helper, "path": path})

    async def _get(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        response = await self.http.get(url, params=params, timeout=self.request_timeout)
        if response.status_code >= 400:
            raise UpstreamError(response.status_code, _error_message(response))
        return response

    async def get_json(self, path: HubPath, params: dict[str, Any] | None = None) -> Any:
        """One budgeted GET of ``{hub}{path}`` (``path`` from ``hub_path``: its segments are checked and encoded)."""
        self._consume(path)
        response = await self._get(f"{self.hub_url.rstrip('/')}{path}", _query(params))
        return _json(response)

    async def get_listing(self, path: HubPath, params: dict[str, Any] | None, want: int) -> tuple[list[Any], bool]:
        """One budgeted listing: follows ``Link: rel="next"`` until ``want`` rows; returns (rows, more_exist)."""
        self._consume(path)
        want = min(want, MAX_LISTING_ROWS)
        rows: list[Any] = []
        response = await self._get(f"{self.hub_url.rstrip('/')}{path}", _query(params))
        while True:
            page = _json(response)
            if not isinstance(page, list):
                raise UpstreamError(response.status_code, f"Unexpected payload from {path}: expected a list")
            rows.extend(page)
            next_url = response.links.get("next", {}).get("url")
            if len(rows) >= want:
                return rows[:want], len(rows) > want or bool(next_url)
            if not next_url:
                return rows, False
            response = await self._get(next_url, None)


def envelope_ok(items: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "item": items[0] if len(items) == 1 else None, "items": items, "meta": meta, "error": None}


def envelope_error(message: str, meta: dict[str, Any]) -> dict[str, Any]:
    return {"ok": False, "item": None, "items": [], "meta": meta, "error": message}


def limit_meta(requested: int | None, applied: int, default: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"requested_limit": requested, "applied_limit": applied,
                            "default_limit_used": requested is None or requested == default}
    meta["hard_cap_applied"] = requested is not None and applied < requested
    return meta


def clamp_limit(value: Any, *, default: int, maximum: int, minimum: int = 1, name: str = "limit") -> int:
    from agent.tools.code_mode.filtering import HelperInputError

    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise HelperInputError(f"{name} must be an integer")
    return max(minimum, min(value, maximum))


def coverage_meta(*, returned: int, matched: int, applied_limit: int, exact_count: bool, more_upstream: bool | str,
                  hard_cap: bool = False, scan_limit_hit: bool = False, page_limit_hit: bool = False,
                  scan_limit: int | None = None, max_pages: int | None = None) -> dict[str, Any]:
    """The coverage signals scripts must honour (``limit_boundary_hit``, ``truncated``, ``more_available``...).

    ``more_upstream``: True when upstream has more rows that would match, "unknown" when it has more raw rows
    that a local filter may or may not keep, False when the upstream listing was exhausted.
    """
    limit_hit = matched > returned
    causes = [name for name, hit in (("hard_cap", hard_cap), ("scan_limit", scan_limit_hit),
                                     ("page_limit", page_limit_hit), ("limit", limit_hit)) if hit]
    truncated_by = "none" if not causes else causes[0] if len(causes) == 1 else "multiple"
    complete = not causes and more_upstream is False
    if complete:
        more: bool | str = False
    elif limit_hit or more_upstream is True:
        more = True  # rows past the limit were seen, or upstream said a next page exists
    else:
        more = "unknown"
    if truncated_by == "limit":
        hint = f"Ask for limit>{applied_limit} to see more rows"
    elif truncated_by == "scan_limit":
        hint = f"Increase scan_limit above {scan_limit} for broader coverage"
    elif truncated_by == "page_limit":
        hint = f"Increase max_pages above {max_pages} to continue paging"
    elif truncated_by == "hard_cap":
        hint = f"At most {applied_limit} rows per call: narrow the query"
    elif more is False:
        hint = "No more results available"
    else:
        hint = f"More rows may exist: raise limit above {applied_limit} or narrow filters"
    return {
        "returned": returned, "matched": matched, "truncated": bool(causes), "truncated_by": truncated_by,
        "more_available": more, "complete": complete, "sample_complete": complete, "exact_count": exact_count,
        "can_request_more": truncated_by in ("limit", "scan_limit", "page_limit", "multiple")
        or more_upstream is not False,
        "next_request_hint": hint,
    }
