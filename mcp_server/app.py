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

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from agent.errors import ServiceError
from agent.settings import Settings

from .server import ServiceRef, build_mcp

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"


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


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def _send_service_error(scope: Scope, receive: Receive, send: Send, exc: ServiceError) -> None:
    """The same envelope and headers as ``/v1`` (``WWW-Authenticate: Bearer`` on 401)."""
    try:
        from responses_api.errors import service_error_response
    except ImportError:  # pragma: no cover - the HTTP package is part of the same distribution
        headers = {"www-authenticate": 'Bearer realm="huggingface"'} if exc.status == 401 else {}
        await _send_json(send, exc.status, {"error": exc.to_dict()}, headers)
        return
    response = service_error_response(exc)
    if exc.status == 401 and "www-authenticate" not in response.headers:
        response.headers["www-authenticate"] = 'Bearer realm="huggingface"'
    await response(scope, receive, send)


async def _send_unavailable(send: Send) -> None:
    await _send_json(send, 503, {"error": {
        "message": "The MCP endpoint is not running (the server is starting or stopping); retry shortly.",
        "type": "server_error", "param": None, "code": "service_unavailable"}})


class BearerGate:
    """ASGI wrapper: every HTTP request to ``/mcp`` needs a valid ``Authorization: Bearer`` token, checked by the
    same ``service.authenticate`` as ``/v1``, before the MCP app sees it. Failures answer with the OpenAI error
    envelope and its status (401 with ``WWW-Authenticate: Bearer``, 403, 503). The tools authenticate again from
    the same header (a cache hit) to learn whose request it is."""

    def __init__(self, app: Any, ref: ServiceRef) -> None:
        self.app = app
        self.ref = ref

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        service = self.ref.service
        if service is None:
            await _send_unavailable(send)
            return
        try:
            await service.authenticate(Headers(scope=scope).get("authorization"))
        except ServiceError as exc:
            await _send_service_error(scope, receive, send, exc)
            return
        await self.app(scope, receive, send)


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
        self.routes = [Route(MCP_PATH, endpoint=BearerGate(self._endpoint, self.ref), name="mcp")]

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
