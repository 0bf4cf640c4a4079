"""Test-only endpoints under /_emulator: read/clear recorded requests, reset counters, set Hub faults."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import hub_faults


def routes(state: Any) -> list[BaseRoute]:
    async def list_requests(request: Request) -> Response:
        return JSONResponse({"requests": state.recorded(request.query_params.get("path_prefix"))})

    async def clear_requests(request: Request) -> Response:
        state.clear_requests()
        return JSONResponse({"ok": True})

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return [
        Route("/_emulator/requests", list_requests, methods=["GET"]),
        Route("/_emulator/requests", clear_requests, methods=["DELETE"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/health", health, methods=["GET"]),
        *hub_faults.routes(state.hub_faults),
    ]
