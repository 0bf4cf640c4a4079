"""Mount the MCP server at exactly ``/mcp`` in the parent Starlette app (the one that serves ``/v1``).

Usage in the app factory::

    mcp = mount_mcp(settings)
    app = Starlette(routes=[*routes, *mcp.routes], lifespan=lifespan)
    # and inside that lifespan, once the service exists:
    async with mcp.lifespan(service):
        yield

Facts this relies on (mcp 2.3.0): a mounted sub-app's lifespan never runs, so the session manager is run from
the parent's lifespan; a ``Mount("/mcp")`` answers ``/mcp`` with a 307 to ``/mcp/``, so this is a ``Route`` on
the exact path with an ASGI endpoint (all methods); SSE responses (not ``json_response``) so progress
notifications reach the client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from agent.errors import ServiceError
from agent.settings import Settings

from .refusals import ALLOWED_METHODS, jsonrpc_refusal, refuse_service_error, send_refusal
from .server import ServiceRef, build_mcp
from .well_known import protected_resource_routes

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
HEADER_ECHO_CHARS = 200  # how much of a refused Host / Origin header the error repeats


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Host / Origin allow-lists from settings (DNS-rebinding protection).

    Entries are exact values (``mcp.example.com``, ``https://chat.example.com``) or ``host:*`` /
    ``scheme://host:*`` port wildcards. A ``*`` entry in ``mcp_allowed_hosts`` turns the check off (for a
    deployment whose reverse proxy already pins the Host header).
    """
    hosts = list(settings.mcp_allowed_hosts)
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=list(settings.mcp_allowed_origins))


class McpGate:
    """ASGI wrapper in front of the SDK's transport. In order: the Host / Origin allow-lists (DNS-rebinding
    protection: a foreign Host is refused before anything else runs, the token check included) and the
    Content-Type of a POST; the method (only POST: this stateless server never sends anything on a GET stream,
    and has no session to DELETE, so both answer 405 as the transport spec allows); then the bearer token, checked
    by the same ``service.authenticate`` as ``/v1``. Every refusal is a JSON-RPC error body (see ``refusals``).
    The tools authenticate again from the same header (a cache hit) to learn whose request it is."""

    def __init__(self, app: Any, ref: ServiceRef, settings: Settings) -> None:
        self.app = app
        self.ref = ref
        self.security = TransportSecurityMiddleware(transport_security(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method")
        refused = await self.security.validate_request(Request(scope, receive), is_post=method == "POST")
        if refused is not None:
            await _refuse_transport(scope, send, refused.status_code)
            return
        if method != "POST":
            await send_refusal(send, 405, jsonrpc_refusal(
                405, f"Method {method} is not allowed on {MCP_PATH}: send JSON-RPC requests with POST (this "
                     "stateless server opens no GET stream and has no session to DELETE).",
                code="method_not_allowed"), {"allow": ALLOWED_METHODS})
            return
        service = self.ref.service
        if service is None:
            await _send_unavailable(send)
            return
        try:
            await service.authenticate(Headers(scope=scope).get("authorization"))
        except ServiceError as exc:
            await refuse_service_error(scope, send, exc)
            return
        await self.app(scope, receive, send)


async def _refuse_transport(scope: Scope, send: Send, status: int) -> None:
    headers = Headers(scope=scope)
    if status == 421:
        code = "host_not_allowed"
        message = (f"Host '{headers.get('host', '')[:HEADER_ECHO_CHARS]}' is not allowed (DNS-rebinding protection); the server's "
                   "operator lists the allowed hosts in ML_INTERN_MCP_ALLOWED_HOSTS.")
    elif status == 403:
        code = "origin_not_allowed"
        message = (f"Origin '{headers.get('origin', '')[:HEADER_ECHO_CHARS]}' is not allowed (DNS-rebinding protection); the server's "
                   "operator lists the allowed origins in ML_INTERN_MCP_ALLOWED_ORIGINS.")
    else:
        code, message = "invalid_content_type", "Content-Type must be application/json."
    await send_refusal(send, status, jsonrpc_refusal(status, message, code=code))


async def _send_unavailable(send: Send) -> None:
    message = "The MCP endpoint is not running (the server is starting or stopping); retry shortly."
    await send_refusal(send, 503, jsonrpc_refusal(503, message, code="service_unavailable"))


@dataclass
class MCPMount:
    """The MCP server plus what the parent app needs: ``routes`` and ``lifespan(service)``."""

    server: MCPServer
    settings: Settings
    ref: ServiceRef
    routes: list[BaseRoute] = field(default_factory=list)
    _manager: StreamableHTTPSessionManager | None = field(default=None, repr=False)
    _running: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.routes = [Route(MCP_PATH, endpoint=McpGate(self._endpoint, self.ref, self.settings), name="mcp"),
                       *protected_resource_routes(MCP_PATH)]

    def _new_manager(self) -> StreamableHTTPSessionManager:
        # streamable_http_app() creates (and registers on the server) a fresh session manager; its Starlette
        # wrapper is discarded: the parent app routes /mcp itself. A manager runs only once, so one per lifespan.
        self.server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=False,
                                        transport_security=transport_security(self.settings))
        return self.server.session_manager

    @asynccontextmanager
    async def lifespan(self, service: Any = None) -> AsyncIterator[None]:
        """Run the MCP session manager (and bind ``service`` if given); enter it in the parent app's lifespan."""
        previous = self.ref.service
        if service is not None:
            self.ref.service = service
        manager = self._new_manager()
        try:
            async with manager.run():
                self._manager, self._running = manager, True
                try:
                    yield
                finally:
                    self._running = False
        finally:
            self.ref.service = previous

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._running or self._manager is None:
            await _send_unavailable(send)
            return
        await self._manager.handle_request(scope, receive, send)


def mount_mcp(settings: Settings, service: Any = None) -> MCPMount:
    """The MCP server's route at exactly ``/mcp`` and its lifespan. ``service`` may be given now or to
    ``lifespan(service)`` (the app factory creates the service inside its lifespan)."""
    ref = ServiceRef(service)
    return MCPMount(server=build_mcp(ref, settings), settings=settings, ref=ref)
