"""Each run as an MCP resource, so hosts that browse resources can open one: ``ml-intern://responses/{id}``.

``resources/list`` lists the caller's own responses, newest first, a page at a time (the cursor is the last id of
the previous page); ``resources/read`` returns the same snapshot as ``get_response`` (JSON); the template lets a
host open any id it knows. Another account's response reads exactly like an unknown id.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS, INVALID_REQUEST, Annotations, ListResourcesResult, ListResourceTemplatesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResult, Resource, ResourceTemplate, TextResourceContents,
)

from agent.errors import ServiceError
from agent.models import RESPONSE_ID_PATTERN
from agent.store.summaries import ResponseSummary

URI_PREFIX = "ml-intern://responses/"
URI_TEMPLATE = URI_PREFIX + "{response_id}"
MIME_TYPE = "application/json"
PAGE_SIZE = 50
# "Resource not found" is INVALID_PARAMS since the 2025-11-25 spec (-32002 is retired), as in the SDK.
RESOURCE_NOT_FOUND = INVALID_PARAMS


def response_uri(response_id: str) -> str:
    return URI_PREFIX + response_id


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def describe(item: ResponseSummary) -> Resource:
    created = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(item.created_at))
    task = item.task_preview or "ML Intern task"
    return Resource(
        uri=response_uri(item.id), name=item.id, title=f"{task} [{item.status}]", mime_type=MIME_TYPE,
        description=f"ML Intern run {item.id} ({item.status}), started {created}, session {item.session_id}.",
        annotations=Annotations(audience=["user", "assistant"], last_modified=_iso(item.updated_at)))


class ResponseResources:
    """The resource handlers, over the tools' service and snapshot rendering (one identity check each)."""

    def __init__(self, tools: Any, server: Any, app: Any = None) -> None:
        """``app``: the run viewer's MCP App resource (``run_view_app.RunViewApp``), listed first and readable."""
        self.tools = tools
        self.server = server
        self.app = app

    def _context(self, ctx: Any) -> Context:
        return Context(request_context=ctx, mcp_server=self.server)

    async def list(self, ctx: Any, params: PaginatedRequestParams) -> ListResourcesResult:
        identity = await self._identity(ctx)
        after = params.cursor
        if after is not None and not _is_response_id(after):
            raise MCPError(INVALID_PARAMS, f"invalid_cursor: '{after}' is not a cursor this server returned.")
        try:
            page = await self.tools.service.recent_responses(identity, limit=PAGE_SIZE + 1, after=after)
        except ServiceError as exc:
            if exc.code == "response_not_found":
                raise MCPError(INVALID_PARAMS, f"invalid_cursor: '{after}' is not a cursor this server returned.")
            raise MCPError(INVALID_PARAMS, f"{exc.code or exc.type}: {exc.message}") from None
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        # The App's document heads the first page (hosts also find it through the tools' _meta.ui.resourceUri).
        head = [self.app.listed()] if self.app is not None and after is None else []
        return ListResourcesResult(resources=head + [describe(item) for item in page],
                                   next_cursor=page[-1].id if more else None)

    async def templates(self, ctx: Any, params: PaginatedRequestParams) -> ListResourceTemplatesResult:
        return ListResourceTemplatesResult(resource_templates=[ResourceTemplate(
            uri_template=URI_TEMPLATE, name="ml-intern-response", title="An ML Intern run", mime_type=MIME_TYPE,
            description="The snapshot of one of your ML Intern runs (the same JSON as get_response): status, "
                        "answer text, tool calls, artifacts, pending approval, usage.")])

    async def read(self, ctx: Any, params: ReadResourceRequestParams) -> ReadResourceResult:
        uri = str(params.uri)
        if self.app is not None and uri == self.app.uri:
            await self._identity(ctx)  # like every resource here, only for an authenticated caller
            return ReadResourceResult(contents=[self.app.contents()])
        response_id = uri.removeprefix(URI_PREFIX) if uri.startswith(URI_PREFIX) else None
        if response_id is None or not _is_response_id(response_id):
            raise MCPError(RESOURCE_NOT_FOUND, f"resource_not_found: '{uri}' is not an ML Intern resource "
                                               f"(expected {URI_TEMPLATE}).", data={"uri": uri})
        identity = await self._identity(ctx)
        try:
            snapshot = await self.tools.full_snapshot(identity, response_id)
        except ToolError as exc:
            # Unknown, or another account's: the same answer (existence must not leak).
            raise MCPError(RESOURCE_NOT_FOUND, str(exc), data={"uri": uri}) from None
        return ReadResourceResult(contents=[TextResourceContents(
            uri=uri, mime_type=MIME_TYPE, text=snapshot.model_dump_json(indent=2))])

    async def _identity(self, ctx: Any) -> Any:
        try:
            return await self.tools.identity(self._context(ctx))
        except ToolError as exc:
            raise MCPError(INVALID_REQUEST, str(exc)) from None


def _is_response_id(value: str) -> bool:
    return re.fullmatch(RESPONSE_ID_PATTERN, value) is not None
