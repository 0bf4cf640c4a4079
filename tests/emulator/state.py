"""All mutable emulator state hangs off one `EmulatorState` object (no module-level state)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .accounts import Account, default_accounts
from .accounts import load_accounts as make_load_accounts
from .catalog import Catalog, build_catalog
from .compute_state import ComputeState
from .hub_faults import HubFaults
from .spaces_runtime import SpaceRuntimes
from .viewer_catalog import ViewerCatalog, build_viewer_catalog

MAX_RECORDED_REQUESTS = 5_000


@dataclass
class EmulatorState:
    # token -> Account
    accounts: dict[str, Account] = field(default_factory=default_accounts)
    catalog: Catalog = field(default_factory=build_catalog)
    # datasets-server data (configs, splits, synthetic rows)
    viewer: ViewerCatalog = field(default_factory=build_viewer_catalog)
    # Recorded requests (tokens already redacted), oldest first.
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_RECORDED_REQUESTS))
    # Scripted-model counters: (kind, script hash, turn index) -> attempts consumed.
    failure_counters: dict[tuple[str, str, int], int] = field(default_factory=dict)
    # Page size of Hub list endpoints (the real Hub uses 1000 for models; we use 100 so
    # pagination is exercised with a small catalog). Tests may lower it.
    hub_page_size: int = 100
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Jobs, scheduled jobs, collections and written repo files (see compute_state.py).
    compute: ComputeState = field(default_factory=ComputeState)
    # Thinking models that require their reasoning back (Kimi) refuse a tool-call history without it ("strict",
    # as the real provider does) or accept it ("lenient"). See thinking.py.
    reasoning_replay: str = "strict"
    # Extra classic-write accounts for load tests, added to `accounts` (tokens hf_emu_load_0000, ...).
    load_accounts: int = 0
    # Faults played by Hub services (whoami, datasets-server): see hub_faults.py.
    hub_faults: HubFaults = field(default_factory=HubFaults)
    # Docker Spaces' lifecycles and running apps (see spaces_runtime.py).
    spaces: SpaceRuntimes = field(default_factory=SpaceRuntimes)

    def __post_init__(self) -> None:
        if self.load_accounts < 0:
            raise ValueError("load_accounts must be >= 0")
        if self.load_accounts:
            self.accounts = {**self.accounts, **make_load_accounts(self.load_accounts)}  # a given dict stays as is

    # --- accounts -------------------------------------------------------
    def account_for_token(self, token: str | None) -> Account | None:
        if not token:
            return None
        return self.accounts.get(token)

    # --- request log ----------------------------------------------------
    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)

    def recorded(self, path_prefix: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.requests)
        if path_prefix:
            items = [r for r in items if r["path"].startswith(path_prefix)]
        return items

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    # --- scripted model counters ----------------------------------------
    def consume_attempt(self, key: tuple[str, str, int]) -> int:
        """Return how many attempts were already made for `key`, then count this one."""
        with self.lock:
            n = self.failure_counters.get(key, 0)
            self.failure_counters[key] = n + 1
            return n

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.failure_counters.clear()
        self.hub_faults.clear()
