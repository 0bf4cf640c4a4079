"""A ``ToolContext`` for tool tests: an emulator URL, the caller token ``hf_emu_alice`` (by default), the product's
HF-only auth on a real httpx client, and ``log``/``record_artifact`` collecting into lists."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from agent.hf_hosts import CallerHttp, HfOnlyBearerAuth
from agent.identity import Identity
from agent.models import Artifact
from agent.settings import Settings
from agent.tools.base import Tool, ToolContext

# token -> (username, orgs, can_write_repos, can_run_jobs), as tests/emulator/accounts.py defines them
ACCOUNTS = {
    "hf_emu_alice": ("alice", ("acme",), True, True),
    "hf_emu_bob": ("bob", (), True, True),
    "hf_emu_erin_read": ("erin", (), False, False),
}


@dataclass
class Collected:
    logs: list[str] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)

    async def log(self, text: str) -> None:
        self.logs.append(text)

    async def record_artifact(self, artifact: Artifact) -> None:
        self.artifacts.append(artifact)


def settings_for(url: str) -> Settings:
    return Settings(hub_url=url, router_url=f"{url}/v1", datasets_server_url=url, database_url="sqlite://")


def identity_for(token: str) -> Identity:
    username, orgs, can_write, can_jobs = ACCOUNTS[token]
    return Identity(user_id=username, username=username, token=SecretStr(token),
                    token_role="write" if can_write else "read", orgs=orgs, can_infer=True,
                    can_write_repos=can_write, can_run_jobs=can_jobs)


@asynccontextmanager
async def tool_context(url: str, token: str = "hf_emu_alice", *, transport: httpx.AsyncBaseTransport | None = None,
                       datasets_server_url: str | None = None) -> AsyncIterator[tuple[ToolContext, Collected]]:
    settings = settings_for(url)
    if datasets_server_url is not None:
        settings = settings.model_copy(update={"datasets_server_url": datasets_server_url})
    collected = Collected()
    # As in the server: one shared client without a credential, the caller's token added per request.
    async with httpx.AsyncClient(transport=transport, timeout=30.0, follow_redirects=True) as shared:
        http = CallerHttp(shared, HfOnlyBearerAuth(token, settings))
        yield ToolContext(identity=identity_for(token), settings=settings, session_id=f"sess_{secrets.token_hex(8)}",
                          response_id=f"resp_{secrets.token_hex(16)}", http=http, log=collected.log,
                          record_artifact=collected.record_artifact), collected


async def call(tool: Tool, ctx: ToolContext, **arguments) -> str:
    """Parse arguments as the loop does (JSON -> typed model), then run the tool."""
    import json

    return await tool.run(tool.parse(json.dumps(arguments)), ctx)
