"""Fixtures for the /v1 integration tests (``server``, ``emulator``, ``alice``, ``bob`` come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import ServerHandle
from tests.integration.helpers import SETTLED, poll_until


@pytest.fixture
def cancel_later(server: ServerHandle) -> Iterator[Callable[..., str]]:
    """Register running responses (``cancel_later(response_id, token=..., on=server)``); at teardown they are
    cancelled and awaited, so hanging turns never count against the shared server's live-session limits."""
    registered: list[tuple[ServerHandle, str, str]] = []

    def register(response_id: str, token: str = "hf_emu_alice", on: ServerHandle | None = None) -> str:
        registered.append((on or server, token, response_id))
        return response_id

    yield register
    for handle, token, response_id in registered:
        try:
            with handle.client(token) as client:
                client.post(f"/v1/responses/{response_id}/cancel")
                poll_until(client, response_id, SETTLED, timeout=15)
        except Exception:  # the dedicated server may already be gone; nothing to clean up there
            pass
