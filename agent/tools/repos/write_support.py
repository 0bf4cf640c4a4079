"""Shared by the tools that spend or write as the caller: namespaces, permissions, Hub error → ToolFailure."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2
from huggingface_hub.errors import HfHubHTTPError

from agent.tools.base import ToolContext, ToolFailure

T = TypeVar("T")

_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def repo_url(hub_url: str, kind: str, repo_id: str) -> str:
    return f"{hub_url.rstrip('/')}/{_URL_PREFIX[kind]}{repo_id}"


def resolve_namespace(ctx: ToolContext, requested: str | None) -> str:
    """The caller's own namespace by default; an organization only if the caller belongs to it."""
    identity = ctx.identity
    if not requested or requested == identity.username:
        return identity.username
    if requested in identity.orgs:
        return requested
    allowed = ", ".join([identity.username, *identity.orgs])
    raise ToolFailure(f"permission: you can only act in your own namespace or an organization you belong to "
                      f"({allowed}); '{requested}' is neither.")


def require_jobs(ctx: ToolContext) -> None:
    if not ctx.identity.can_run_jobs:
        raise ToolFailure("permission: the caller's token cannot run Jobs (it needs a write token or the "
                          "fine-grained 'job.write' permission). Explain this to the user instead of retrying.")


def require_repo_write(ctx: ToolContext) -> None:
    if not ctx.identity.can_write_repos:
        raise ToolFailure("permission: the caller's token cannot write repos (it needs a write token or the "
                          "fine-grained 'repo.write' permission). Explain this to the user instead of retrying.")


def _server_message(exc: HfHubHTTPError) -> str:
    response = getattr(exc, "response", None)
    message = getattr(exc, "server_message", None) or ""
    if not message and response is not None:
        message = response.headers.get("X-Error-Message", "")
        if not message:
            try:
                body = response.json()
                message = body.get("error", "") if isinstance(body, dict) else ""
            except ValueError:
                message = ""
    return re.sub(r"\s+", " ", str(message)).strip()[:500]


def hub_failure(exc: HfHubHTTPError, action: str) -> ToolFailure:
    """Translate a Hub HTTP error into a message the model can act on (billing and permission errors are named)."""
    response = getattr(exc, "response", None)
    status = response.status_code if response is not None else None
    detail = _server_message(exc)
    suffix = f": {detail}" if detail else ""
    if status == 402:
        return ToolFailure(f"billing: {action} was refused because the namespace has no credits or payment method"
                           f"{suffix}. Tell the user to add credits at https://huggingface.co/settings/billing "
                           "(or use an organization that has them); retrying will not help.")
    if status in (401, 403):
        return ToolFailure(f"permission: {action} was refused ({status}){suffix}. The caller's token or account "
                           "lacks the right; explain this to the user.")
    if status == 404:
        return ToolFailure(f"not found: {action} failed (404){suffix}. Check the id and namespace.")
    if status == 409:
        return ToolFailure(f"conflict: {action} failed (409){suffix}.")
    if status == 429:
        return ToolFailure(f"rate limited: {action} was throttled by the Hub (429). Wait a little, then retry.")
    if status is not None and status >= 500:
        return ToolFailure(f"Hub error: {action} failed ({status}){suffix}. This is usually transient; retry later.")
    return ToolFailure(f"{action} failed ({status or 'network error'}){suffix}.")


async def call_hub(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a synchronous ``huggingface_hub`` call in a thread; Hub errors become ``ToolFailure``."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except HfHubHTTPError as exc:
        raise hub_failure(exc, action) from None
    except ValueError as exc:  # huggingface_hub validates some arguments locally
        raise ToolFailure(f"{action} failed: {exc}") from None
    except httpx2.HTTPError as exc:
        raise ToolFailure(f"{action} failed: the Hub could not be reached ({type(exc).__name__}); "
                          "retry later.") from None
