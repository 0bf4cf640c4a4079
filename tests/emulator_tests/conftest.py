from __future__ import annotations

import pytest

from tests.emulator import EmulatorHandle


@pytest.fixture(autouse=True)
def _fresh_state(emulator: EmulatorHandle) -> None:
    emulator.state.reset()
