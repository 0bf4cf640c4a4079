"""A value read from a Hugging Face endpoint (router prices, job hardware), cached per base URL.

Refreshed at most every ``ttl_seconds``; after a failed fetch the last live value (or the static fallback) is
served and the fetch is retried after ``retry_seconds``, so an unreachable catalog never blocks a turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import httpx

from agent.hf_hosts import HttpClient

T = TypeVar("T")
# A catalog read sits on a turn's start or an action's estimate: a slow Hub costs this much at most, once a minute.
CATALOG_TIMEOUT_SECONDS = 5.0

Fetch = Callable[[httpx.AsyncClient, str], Awaitable["T | None"]]


class LiveCatalog(Generic[T]):
    def __init__(self, fetch: Fetch, fallback: T, *, ttl_seconds: float = 3600.0, retry_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self.fallback = fallback
        self.ttl_seconds = ttl_seconds
        self.retry_seconds = retry_seconds
        self._clock = clock
        # base url -> (expires at, value, live?)
        self._cache: dict[str, tuple[float, T, bool]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def cached(self, base_url: str) -> tuple[T, bool]:
        """The value known now without fetching, and whether it came from the live endpoint."""
        entry = self._cache.get(base_url.rstrip("/"))
        return (self.fallback, False) if entry is None else (entry[1], entry[2])

    async def get(self, http: HttpClient, base_url: str) -> tuple[T, bool]:
        base_url = base_url.rstrip("/")
        entry = self._cache.get(base_url)
        if entry is not None and entry[0] > self._clock():
            return entry[1], entry[2]
        async with self._locks.setdefault(base_url, asyncio.Lock()):
            entry = self._cache.get(base_url)
            if entry is not None and entry[0] > self._clock():
                return entry[1], entry[2]
            try:
                value = await self._fetch(http, base_url)
            except (httpx.HTTPError, ValueError):
                value = None
            if value:
                self._cache[base_url] = (self._clock() + self.ttl_seconds, value, True)
                return value, True
            live_before = entry is not None and entry[2]
            previous = entry[1] if entry is not None and live_before else self.fallback
            self._cache[base_url] = (self._clock() + self.retry_seconds, previous, live_before)
            return previous, live_before
