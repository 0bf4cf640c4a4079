"""A ``ToolContext`` for tool tests: the caller's identity as the emulator knows it, a real httpx client with the
product's HF-only auth, and recorders for streamed log lines and artifacts."""

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
from agent.tools.base import ToolContext

ACCOUNTS = {
    "hf_emu_alice": ("alice", ("acme",), True, True),
    "hf_emu_bob": ("bob", (), True, True),
    "hf_emu_erin_read": ("erin", (), False, False),
}


@dataclass
class Recorder:
    logs: list[str] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)

    async def log(self, text: str) -> None:
        self.logs.append(text)

    async def record(self, artifact: Artifact) -> None:
        if all(a.key != artifact.key for a in self.artifacts):
            self.artifacts.append(artifact)

    def of_type(self, kind: str) -> list[Artifact]:
        return [a for a in self.artifacts if a.type == kind]


def identity_for(token: str) -> Identity:
    username, orgs, can_write, can_jobs = ACCOUNTS[token]
    return Identity(user_id=username, username=username, token=SecretStr(token), token_role="write" if can_write
                    else "read", orgs=orgs, can_infer=True, can_write_repos=can_write, can_run_jobs=can_jobs)


@asynccontextmanager
async def tool_context(hub_url: str, token: str = "hf_emu_alice",
                       session_id: str | None = None) -> AsyncIterator[tuple[ToolContext, Recorder]]:
    settings = Settings(hub_url=hub_url, router_url=f"{hub_url}/v1", datasets_server_url=hub_url,
                        database_url="sqlite://")
    recorder = Recorder()
    async with httpx.AsyncClient() as shared:
        http = CallerHttp(shared, HfOnlyBearerAuth(token, settings))
        yield ToolContext(identity=identity_for(token), settings=settings,
                          session_id=session_id or f"sess_{secrets.token_hex(16)}",
                          response_id=f"resp_{secrets.token_hex(16)}", http=http, log=recorder.log,
                          record_artifact=recorder.record), recorder
