"""The Starlette application: /v1 (Responses API), /mcp, health. One AgentService behind both front doors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from agent.errors import ServiceError
from agent.service import AgentService
from agent.settings import Settings
from mcp_server.app import mount_mcp
from responses_api import errors
from responses_api.pages import routes as page_routes
from responses_api.routes import routes


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    mcp = mount_mcp(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service = await AgentService.start(settings)
        app.state.service = service
        try:
            # The MCP session manager must run in this (the parent's) lifespan: a mounted app's never runs.
            async with mcp.lifespan(service):
                yield
        finally:
            await service.close()

    app = Starlette(
        routes=[*routes, *mcp.routes, *page_routes],
        lifespan=lifespan,
        exception_handlers={
            ServiceError: errors.on_service_error,
            HTTPException: errors.on_http_exception,
            DBAPIError: errors.on_database_error,
            Exception: errors.on_unexpected,
        },
    )
    app.state.settings = settings
    return app
