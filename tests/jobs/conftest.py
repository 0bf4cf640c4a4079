from __future__ import annotations

import pytest

from agent.tools.repos.collection import SessionCollections
from agent.tools.jobs.launch import JobLauncher
from agent.tools.jobs.hardware import HardwareCatalog
from tests.emulator import EmulatorHandle


@pytest.fixture
def hub(emulator: EmulatorHandle) -> str:
    return emulator.url


@pytest.fixture
def collections() -> SessionCollections:
    return SessionCollections()


@pytest.fixture
def hardware() -> HardwareCatalog:
    return HardwareCatalog()


@pytest.fixture
def launcher(hardware: HardwareCatalog, collections: SessionCollections) -> JobLauncher:
    return JobLauncher(hardware, collections)
