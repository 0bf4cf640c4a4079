"""A ``ToolContext`` for sandbox tool tests: the emulator's Hub and Spaces host, the session's artifacts as the
store would return them, and recorders for log lines, artifacts and charges."""

from __future__ import annotations

import importlib.util
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from types import ModuleType
from typing import Any

import httpx

from agent.hf_hosts import CallerHttp, HfOnlyBearerAuth
from agent.settings import Settings
from agent.tools.base import ToolContext
from tests.jobs.context import Recorder, identity_for


@dataclass
class Session:
    """What a session keeps across turns: its artifacts (the store's rows) and its charges."""

    id: str = field(default_factory=lambda: f"sess_{secrets.token_hex(16)}")
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    charges: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def charge(self, usd: float, **details: Any) -> None:
        self.charges.append((usd, details))


def settings_for(emulator, **overrides) -> Settings:
    return Settings(hub_url=emulator.url, router_url=emulator.router_url, datasets_server_url=emulator.url,
                    database_url="sqlite://", spaces_url_template=emulator.spaces_url_template,
                    sandbox_start_timeout_seconds=30, **overrides)


@asynccontextmanager
async def sandbox_context(emulator, session: Session, token: str = "hf_emu_alice",
                          **overrides) -> AsyncIterator[tuple[ToolContext, Recorder]]:
    """One turn of ``session``: artifacts recorded in it join the session's when the turn ends."""
    settings = settings_for(emulator, **overrides)
    recorder = Recorder()

    async def session_artifacts() -> list[dict[str, Any]]:
        return [*session.artifacts, *(a.public() for a in recorder.artifacts)]

    async with httpx.AsyncClient(timeout=30) as shared:
        http = CallerHttp(shared, HfOnlyBearerAuth(token, settings))
        yield ToolContext(identity=identity_for(token), settings=settings, session_id=session.id,
                          response_id=f"resp_{secrets.token_hex(16)}", http=http, log=recorder.log,
                          record_artifact=recorder.record, session_artifacts=session_artifacts,
                          charge=session.charge), recorder
    session.artifacts += [a.public() for a in recorder.artifacts]


def template_module() -> ModuleType:
    """The shipped template server, loaded from the package's files as the Space runs it (standalone)."""
    path = resources.files("agent.tools.sandbox").joinpath("template", "server.py")
    spec = importlib.util.spec_from_file_location("sandbox_template_server", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
