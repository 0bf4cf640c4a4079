"""The run viewer as an MCP App (``io.modelcontextprotocol/ui``): one ``ui://`` resource, linked from
``submit_task`` and ``get_response`` through ``_meta.ui.resourceUri``.

The document is ``agent.run_view.app_document()``: the browser page's viewer with the host-bridge transport. Inside
a host it follows the run by calling this server's own tools through the host (get_response with
``since_sequence``, approve, cancel, submit_task for a follow-up): the page holds no token. Hosts without Apps
support ignore ``_meta`` and get the tools' results unchanged (the extension's graceful degradation).

The SDK's ``Apps`` extension advertises the capability; the resource itself is served by ``ResponseResources``
(this server answers ``resources/*`` per caller), which lists it and reads it from ``RunViewApp``.
"""

from __future__ import annotations

from typing import Any

from mcp.server.apps import APP_MIME_TYPE, Apps, ResourceCsp
from mcp_types import Resource, TextResourceContents

from agent import run_view


class RunViewApp:
    """The App resource: its listing entry, its contents, and the ``_meta`` that links a tool to it."""

    uri = run_view.APP_URI
    mime_type = APP_MIME_TYPE
    def __init__(self) -> None:
        self.html = run_view.app_document()
        # No external origin at all: the document inlines everything and talks only to the host.
        self.resource_meta: dict[str, Any] = {"ui": {"csp": ResourceCsp().model_dump(by_alias=True, exclude_none=True),
                                                     "prefersBorder": True}}

    @property
    def tool_meta(self) -> dict[str, Any]:
        return {"ui": {"resourceUri": self.uri}}

    def extension(self) -> Apps:
        """The SDK's Apps extension holding the resource, so ``capabilities.extensions`` advertises the UI."""
        apps = Apps()
        apps.add_html_resource(self.uri, self.html, name=run_view.APP_NAME, title=run_view.APP_TITLE,
                               description=run_view.APP_DESCRIPTION, csp=ResourceCsp(), prefers_border=True)
        return apps

    def listed(self) -> Resource:
        return Resource(uri=self.uri, name=run_view.APP_NAME, title=run_view.APP_TITLE,
                        description=run_view.APP_DESCRIPTION, mime_type=self.mime_type,
                        _meta=self.resource_meta)

    def contents(self) -> TextResourceContents:
        return TextResourceContents(uri=self.uri, mime_type=self.mime_type, text=self.html,
                                    _meta=self.resource_meta)
