"""Group commit across every response of the process, on one clock.

Each writer with something to commit asks for a commit within a window of the last commit of all
(``delta_flush_ms``; 0 for durable events and a writer's leading edge). One task takes what every waiting writer
has and commits it all in one transaction, then hands each writer its outcome — one timer, one task and one
database hop per tick whatever the number of live streams. A timer, a task and a lock per writer per flush were
most of the cost of relaying a delta at hundreds of streams.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agent.store.transactions import Append

log = logging.getLogger("ml_intern.store")


class Committable(Protocol):
    def take_append(self) -> Append | None:
        """What to commit now (None: nothing due; the source asks again when it is)."""

    def committed(self, append: Append, outcome: Exception | None) -> None:
        """The outcome of the commit of ``append``, on the event loop, in commit order."""


class GroupCommitter:
    def __init__(self, commit: Callable[[list[Append]], Awaitable[list[Exception | None]]]) -> None:
        self._commit = commit
        self._waiting: dict[int, Committable] = {}   # insertion-ordered set of sources
        self._due = float("inf")                     # loop time of the next commit
        self._timer: asyncio.Handle | None = None
        self._task: asyncio.Task | None = None
        self._last_commit = float("-inf")
        self._loop: asyncio.AbstractEventLoop | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running event loop, looked up once per busy spell: on Python 3.11 ``asyncio.get_running_loop()``
        makes a ``getpid()`` system call (a fork check, ~150 ns here), and the writers asked several times per
        relayed delta."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    def request(self, source: Committable, window: float) -> None:
        """Commit what ``source`` has within ``window`` seconds of the last commit of all (at once when that is
        past, or with ``window`` 0). Every commit takes what every waiting source has."""
        self._waiting[id(source)] = source
        loop = self.loop()
        self._set_due(max(loop.time(), self._last_commit + window) if window > 0 else loop.time())

    def _set_due(self, when: float) -> None:
        if when >= self._due:
            return
        self._due = when
        if self._task is not None:
            return  # the running commit looks at ``_due`` when it ends
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop().call_at(when, self._start)

    def _start(self) -> None:
        self._timer = None
        self._task = self.loop().create_task(self._run(), name="ml-intern-group-commit")

    async def _run(self) -> None:
        loop = self.loop()
        try:
            while self._waiting and self._due <= loop.time():
                self._due = float("inf")
                sources = list(self._waiting.values())
                self._waiting.clear()
                taken = [(source, source.take_append()) for source in sources]
                taken = [(source, append) for source, append in taken if append is not None]
                if not taken:
                    continue
                self._last_commit = loop.time()
                appends = [append for _, append in taken]
                started = time.perf_counter()
                try:
                    outcomes = await self._commit(appends)
                except Exception as exc:  # the store retries appends one by one; this is a failure of all
                    log.exception("group commit failed")
                    outcomes = [exc] * len(appends)
                log.debug("committed %d append(s) in %.1f ms", len(appends), (time.perf_counter() - started) * 1e3)
                for (source, append), outcome in zip(taken, outcomes):
                    source.committed(append, outcome)
        finally:
            self._task = None
            if self._waiting:
                due, self._due = self._due, float("inf")
                self._set_due(due if due != float("inf") else loop.time())
            elif self._timer is None:
                self._loop = None  # idle: the next request looks the loop up again (a store may outlive a loop)

    async def drain(self) -> None:
        """Wait for the commit in progress (at shutdown)."""
        while self._task is not None:
            await asyncio.shield(self._task)
