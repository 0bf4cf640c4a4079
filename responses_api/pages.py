"""The run page: ``/`` and ``/runs/{response_id}`` serve the page shell, ``/run-view/...`` its allow-listed files.
What may be served, and under which headers, is decided by ``agent.run_view``; these routes only send bytes.
Nothing here is authenticated: the files are the same for everyone and hold no data (the page's script fetches
the caller's runs from ``/v1`` with the token the user pasted)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent import run_view
from responses_api.errors import envelope


def _send(file: run_view.ViewFile) -> Response:
    return Response(file.body, media_type=file.media_type, headers=file.headers)


def _unknown(request: Request) -> Response:
    return envelope(404, f"Unknown route: {request.method} {request.url.path}", code="route_not_found")


async def home(request: Request) -> Response:
    return _send(run_view.page())


async def run(request: Request) -> Response:
    file = run_view.run_page(request.path_params["response_id"])
    return _unknown(request) if file is None else _send(file)


async def asset(request: Request) -> Response:
    file = run_view.asset(request.path_params["name"])
    return _unknown(request) if file is None else _send(file)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/runs/{response_id}", run, methods=["GET"]),
    Route(run_view.ASSET_PREFIX + "{name:path}", asset, methods=["GET"]),
]
