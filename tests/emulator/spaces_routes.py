"""Spaces beyond their repo: ``GET /api/spaces/{id}/runtime``, ``POST /api/spaces/{id}/restart``,
``DELETE /api/repos/delete``, and each Space's own host, served on loopback as ``/spaces-host/{subdomain}/...`` (the
emulator's stand-in for ``https://{subdomain}.hf.space``). Listed before ``hub_routes`` (whose ``/api/spaces/{id}``
would take the runtime path).

A private Space's host answers 404 unless the request carries a token of its owner (or a member of the owning
organization), as the Hub's proxy does; 503 while it is not running (a request to a sleeping Space wakes it).
``POST /_emulator/spaces/{id}/sleep`` puts a Space to sleep now (tests; never recorded).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .errors import hub_error, hub_unauthorized, repo_not_found
from .write_auth import caller, caller_and_body, can_access, can_write

HOST_PREFIX = "/spaces-host"


def _visible(state: Any, request: Request, record: dict) -> bool:
    """Private Spaces exist only for their owner and the owning organization's members."""
    if not record.get("private"):
        return True
    account = caller(state, request)
    return account is not None and can_access(account, record["id"].split("/")[0])


def _runtime(state: Any):
    async def handler(request: Request) -> Response:
        repo_id = request.path_params["repo_id"]
        record = state.catalog.get("spaces", repo_id)
        if record is None or not _visible(state, request, record):
            return repo_not_found(str(request.url))
        run = state.spaces.runs.get(repo_id)
        return JSONResponse(run.runtime() if run is not None else record.get("runtime") or {"stage": "NO_APP_FILE"})

    return handler


def _restart(state: Any):
    async def handler(request: Request) -> Response:
        repo_id = request.path_params["repo_id"]
        account = caller(state, request)
        if account is None:
            return hub_unauthorized()
        record = state.catalog.get("spaces", repo_id)
        if record is None or not _visible(state, request, record):
            return repo_not_found(str(request.url))
        if not can_write(account, repo_id.split("/")[0]):
            return hub_error(403, "You don't have write access to this Space")
        run = state.spaces.runs.get(repo_id)
        if run is None:
            return hub_error(400, "This Space has no app to restart")
        run.wake()
        return JSONResponse(run.runtime())

    return handler


def _delete(state: Any):
    async def handler(request: Request) -> Response:
        found = await caller_and_body(state, request)
        if isinstance(found, Response):
            return found
        account, body = found
        kind = body.get("type") or "model"
        namespace = body.get("organization") or account.name
        repo_id = f"{namespace}/{body.get('name')}"
        plural = {"model": "models", "dataset": "datasets", "space": "spaces"}.get(kind)
        if plural is None or state.catalog.get(plural, repo_id) is None:
            return repo_not_found(str(request.url))
        if not can_write(account, namespace):
            return hub_error(403, "You don't have the rights to delete this repo")
        state.catalog.repos(plural).pop(repo_id, None)
        state.compute.repo_files.pop((kind, repo_id), None)
        if kind == "space":
            state.spaces.delete(repo_id)
        return Response(status_code=200)

    return handler


class _HostApp:
    """The Space's own host: the proxy's checks, then the Space's app (its committed server.py), as ASGI."""

    def __init__(self, state: Any) -> None:
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        state = self.state
        request = Request(scope, receive)
        subdomain, _, rest = scope["path"][len(HOST_PREFIX) + 1:].partition("/")
        run = state.spaces.by_subdomain(subdomain)
        record = state.catalog.get("spaces", run.repo_id) if run is not None else None
        if run is None or record is None or not _visible(state, request, record):
            response: Response = JSONResponse({"error": "Sorry, we can't find the page you are looking for."},
                                              status_code=404)
            await response(scope, receive, send)
            return
        stage = run.stage()
        if stage == "SLEEPING":
            run.wake()
        if stage != "RUNNING":
            await JSONResponse({"error": f"Space is not running (stage {stage})"}, status_code=503)(
                scope, receive, send)
            return
        space_app = run.running_app(state.spaces.hub_url or f"{scope['scheme']}://{request.url.netloc}")
        if space_app is None:
            await JSONResponse({"error": "Space app crashed"}, status_code=503)(scope, receive, send)
            return
        run.last_activity = time.time()
        path = "/" + rest
        inner = dict(scope, path=path, raw_path=path.encode(), root_path="")
        await space_app(inner, receive, send)


def _force_sleep(state: Any):
    async def handler(request: Request) -> Response:
        run = state.spaces.runs.get(request.path_params["repo_id"])
        if run is None:
            return JSONResponse({"error": "no such Space app"}, status_code=404)
        run.sleeping = True
        return JSONResponse({"stage": run.stage()})

    return handler


class _HostRoute(Route):
    """``/spaces-host/{subdomain}/{path}`` for every method, handed to ``_host`` as a raw ASGI app."""

    def __init__(self, state: Any) -> None:
        super().__init__(HOST_PREFIX + "/{subdomain}/{rest:path}", endpoint=_HostApp(state),
                         methods=["GET", "POST", "PUT", "DELETE", "PATCH"])


def routes(state: Any) -> list[BaseRoute]:
    return [
        Route("/api/spaces/{repo_id:path}/runtime", _runtime(state), methods=["GET"]),
        Route("/api/spaces/{repo_id:path}/restart", _restart(state), methods=["POST"]),
        Route("/api/repos/delete", _delete(state), methods=["DELETE"]),
        Route("/_emulator/spaces/{repo_id:path}/sleep", _force_sleep(state), methods=["POST"]),
        _HostRoute(state),
    ]
