from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from agent.tools.code_mode import MontyRunner
from agent.tools.base import ToolContext
from tests.emulator import EmulatorHandle, run_emulator
from tests.tools.context import Collected, tool_context


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    """An emulator of this test module's own, so request-log assertions see only this module's traffic."""
    with run_emulator() as handle:
        yield handle


@pytest.fixture(autouse=True)
def _clean_log(request: pytest.FixtureRequest) -> None:
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").state.clear_requests()


@pytest.fixture
async def ctx(emu: EmulatorHandle) -> AsyncIterator[ToolContext]:
    async with tool_context(emu.url) as (context, _):
        yield context


@pytest.fixture
async def ctx_and_collected(emu: EmulatorHandle) -> AsyncIterator[tuple[ToolContext, Collected]]:
    async with tool_context(emu.url) as pair:
        yield pair


@pytest.fixture(scope="session")
def runner() -> Iterator[MontyRunner]:
    runner = MontyRunner(max_sessions=8, cpu_seconds=2.0, memory_bytes=64 * 1024 * 1024, wall_seconds=20.0)
    yield runner
    runner.close()
