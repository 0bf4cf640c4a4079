"""Settled responses never change again: their stored JSON is kept in memory (bounded), so polling a finished
response costs no database read. Only terminal statuses are cached (``incomplete`` can still resume). A deleted
response leaves the cache: evicted by the replica that deleted it, and by the others on its NOTIFY (a replica
whose LISTEN connection is down does not use the cache, and clears it when the connection comes back)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CachedSnapshot:
    owner_id: str
    session_id: str
    body: bytes


@dataclass
class TerminalSnapshots:
    max_entries: int = DEFAULT_MAX_ENTRIES
    max_bytes: int = DEFAULT_MAX_BYTES
    _entries: OrderedDict[str, CachedSnapshot] = field(default_factory=OrderedDict)
    _bytes: int = 0

    def get(self, response_id: str) -> CachedSnapshot | None:
        entry = self._entries.get(response_id)
        if entry is not None:
            self._entries.move_to_end(response_id)
        return entry

    def put(self, response_id: str, entry: CachedSnapshot) -> None:
        if len(entry.body) > self.max_bytes // 16 or response_id in self._entries:
            return  # a huge response is not worth evicting many others for
        self._entries[response_id] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)

    def evict(self, response_id: str) -> None:
        entry = self._entries.pop(response_id, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
