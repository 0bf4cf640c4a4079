"""Starlette app composed from route modules, each exposing `routes(state) -> list[BaseRoute]`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from . import (collections_routes, datasets_server_routes, hub_routes, introspection_routes, jobs_routes,
               repo_write_routes, research_routes, router_routes, spaces_routes)
from .recording import RecordingMiddleware
from .state import EmulatorState

# Add a module here to add endpoints (jobs, papers, docs, ...).
ROUTE_MODULES = [
    introspection_routes,
    spaces_routes,  # before research/hub routes: their /api/spaces/{id:path} would take /runtime
    research_routes,  # before hub_routes: /api/{kind}/{id}/likers|discussions
    hub_routes,
    router_routes,
    datasets_server_routes,
    jobs_routes,
    repo_write_routes,
    collections_routes,
]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = "Not Found" if status == 404 else getattr(exc, "detail", "Error")
    return JSONResponse({"error": f"{detail}: {request.method} {request.url.path}"}, status_code=status)


def create_app(state: EmulatorState | None = None) -> Starlette:
    state = state if state is not None else EmulatorState()
    routes = [route for module in ROUTE_MODULES for route in module.routes(state)]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(RecordingMiddleware, state=state)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.emulator = state
    return app
