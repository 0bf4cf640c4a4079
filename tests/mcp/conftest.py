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
