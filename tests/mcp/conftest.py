"""Fixtures for the MCP front door: a Starlette app mounting /mcp over the fake service, served on loopback,
and MCP SDK clients (``mcp.Client`` over ``streamable_http_client``, headers through its ``http_client``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette

from agent.settings import Settings
from mcp_server.app import MCPMount, mount_mcp
from tests.conftest import ServerHandle
from tests.mcp.fake_service import FakeService
from tests.serving import serve_in_thread


@dataclass
class FakeServer:
    url: str  # the /mcp endpoint
    base_url: str
    service: FakeService
    mount: MCPMount


def fake_app(service: FakeService, settings: Settings | None = None) -> tuple[Starlette, MCPMount]:
    settings = settings or Settings(database_url="sqlite://")
    mount = mount_mcp(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with mount.lifespan(service):
            yield

    return Starlette(routes=list(mount.routes), lifespan=lifespan), mount


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeServer]:
    service = FakeService()
    app, mount = fake_app(service)
    with serve_in_thread(app, name="mcp-fake") as port:
        base = f"http://127.0.0.1:{port}"
        yield FakeServer(url=f"{base}/mcp", base_url=base, service=service, mount=mount)


@contextlib.asynccontextmanager
async def mcp_client(url: str, token: str | None = "hf_emu_alice", *, mode: str = "auto",
                     **kwargs) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=120.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, **kwargs) as client:
            yield client


def _has_mcp_route(app) -> bool:
    return any(getattr(route, "path", None) == "/mcp" for route in app.routes)


@pytest.fixture(scope="session")
def mcp_url(server: ServerHandle) -> str:
    """``/mcp`` on the shared product server (the app factory mounts it)."""
    from responses_api.app import create_app

    if not _has_mcp_route(create_app(server.settings)):
        pytest.skip("responses_api.app.create_app does not mount /mcp yet")
    return f"{server.url}/mcp"


@pytest.fixture(scope="session")
def mcp_url_any(server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``/mcp`` of the real app; mounts it the documented way when the app factory does not yet."""
    from responses_api.app import create_app

    if _has_mcp_route(create_app(server.settings)):
        yield f"{server.url}/mcp"
        return
    from mcp_server.app import mount_mcp

    settings = server.settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path_factory.mktemp('mcp') / 'db.sqlite'}"})
    app = create_app(settings)
    mount = mount_mcp(settings)
    app.router.routes.extend(mount.routes)
    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a) -> AsyncIterator[None]:
        async with original(a):
            async with mount.lifespan(a.state.service):
                yield

    app.router.lifespan_context = lifespan
    with serve_in_thread(app, name="ml-intern-mcp") as port:
        yield f"http://127.0.0.1:{port}/mcp"
