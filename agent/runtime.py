"""Live session runtimes: what a session holds in memory while active (the caller's token and its clients).

A runtime is released after ``idle_eviction_seconds`` without a request or a running turn; the next request
to the session restores it transparently, since everything else lives in the store.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from agent.hf_hosts import CallerHttp, HfOnlyBearerAuth, allowed_origins
from agent.identity import Identity, token_fingerprint
from agent.llm import ModelClient, RouterClient
from agent.settings import Settings


@dataclass(eq=False)
class SessionRuntime:
    session_id: str
    identity: Identity
    llm: ModelClient  # the process's router pool, bound to this caller's token
    http: CallerHttp  # the process's Hub client, carrying this caller's token per request
    fingerprint: str
    last_active: float = field(default_factory=time.monotonic)
    turn: asyncio.Task | None = None
    response_id: str | None = None
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def busy(self) -> bool:
        return self.turn is not None and not self.turn.done()


@dataclass
class RuntimeRegistry:
    settings: Settings
    router: RouterClient
    hub: httpx.AsyncClient  # shared by every session; holds no credential
    _runtimes: dict[str, SessionRuntime] = field(default_factory=dict)
    _origins: frozenset = field(init=False)

    def __post_init__(self) -> None:
        self._origins = allowed_origins(self.settings)

    def get(self, session_id: str) -> SessionRuntime | None:
        return self._runtimes.get(session_id)

    async def acquire(self, session_id: str, identity: Identity) -> SessionRuntime:
        """The session's runtime, created (or restored after eviction) as needed, bound to the latest token."""
        fingerprint = token_fingerprint(identity.secret())
        runtime = self._runtimes.get(session_id)
        if runtime is not None and runtime.fingerprint != fingerprint and not runtime.busy:
            runtime = None  # a new token for the session: rebind (nothing to close, the clients are shared)
        if runtime is None:
            runtime = SessionRuntime(
                session_id=session_id, identity=identity, fingerprint=fingerprint,
                llm=self.router.bind(identity.secret(), session_id),
                http=CallerHttp(self.hub, HfOnlyBearerAuth(identity.secret(), self.settings, self._origins)))
            self._runtimes[session_id] = runtime
        runtime.last_active = time.monotonic()
        return runtime

    def release(self, session_id: str) -> None:
        """Drop the session's runtime unless a turn runs in it (a session whose creation was refused)."""
        runtime = self._runtimes.get(session_id)
        if runtime is not None and not runtime.busy:
            del self._runtimes[session_id]

    def touch(self, session_id: str) -> None:
        runtime = self._runtimes.get(session_id)
        if runtime is not None:
            runtime.last_active = time.monotonic()

    def running(self) -> list[SessionRuntime]:
        return [r for r in self._runtimes.values() if r.busy]

    def __len__(self) -> int:
        return len(self._runtimes)

    async def evict_idle(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        idle = [r for r in self._runtimes.values()
                if not r.busy and now - r.last_active >= self.settings.idle_eviction_seconds]
        for runtime in idle:
            del self._runtimes[runtime.session_id]
        return [r.session_id for r in idle]

    async def stop_turns(self) -> None:
        """Cancel every running turn at once and wait: each records itself incomplete/server_restart."""
        turns = [r.turn for r in self._runtimes.values() if r.turn is not None and not r.turn.done()]
        for turn in turns:
            turn.cancel()
        await asyncio.gather(*turns, return_exceptions=True)

    async def close_all(self) -> None:
        await self.stop_turns()
        self._runtimes.clear()
