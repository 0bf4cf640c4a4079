"""The in-memory copy of settled responses' JSON: bounded by count and bytes, least recently used first out."""

from agent.snapshot_cache import CachedSnapshot, TerminalSnapshots


def entry(size: int, owner: str = "u1") -> CachedSnapshot:
    return CachedSnapshot(owner_id=owner, session_id="sess_1", body=b"x" * size)


def test_bounded_by_entries_and_bytes_evicting_the_least_recently_used():
    cache = TerminalSnapshots(max_entries=3, max_bytes=16 * 100)
    for name in ("a", "b", "c"):
        cache.put(name, entry(10))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", entry(10))
    assert cache.get("b") is None and all(cache.get(n) for n in ("a", "c", "d"))
    cache.put("big", entry(100))  # fits the byte cap (16 x 100 / 16 per entry) ...
    cache.put("e", entry(90))
    assert cache.get("big") is not None
    cache.put("huge", entry(101))  # ... this one does not: never cached
    assert cache.get("huge") is None


def test_the_owner_travels_with_the_body():
    cache = TerminalSnapshots()
    cache.put("resp_1", entry(3, owner="alice"))
    assert cache.get("resp_1").owner_id == "alice"
