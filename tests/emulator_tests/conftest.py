from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from tests.emulator import EmulatorHandle, run_emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator() -> EmulatorHandle:
    with run_emulator() as handle:
        yield handle


@pytest.fixture(autouse=True)
def _fresh_state(emulator: EmulatorHandle) -> None:
    emulator.state.reset()
