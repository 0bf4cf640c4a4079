"""The service owns the processes its tools start: settings size them, closing the service stops them."""

from __future__ import annotations

import os
from pathlib import Path

from agent.service import AgentService
from agent.settings import Settings
from agent.tools.code_mode import HubQuery


def children() -> set[int]:
    """Live child processes of this test process (Linux /proc)."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


async def test_code_mode_pool_is_sized_by_settings_and_stopped_on_close(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'svc.db'}", code_mode_max_sessions=3,
                        code_mode_cpu_seconds=2.5, code_mode_wall_seconds=9.0, code_mode_memory_mb=64)
    before = children()
    service = await AgentService.start(settings)
    try:
        [hub_query] = [t for t in service.runner.tools if isinstance(t, HubQuery)]
        runner = hub_query.runner
        assert (runner.max_sessions, runner.cpu_seconds, runner.wall_seconds, runner.memory_bytes) == (
            3, 2.5, 9.0, 64 * 1024 * 1024)
        outcome = await runner.run("x = 20 + 22\nx", inputs={}, functions={})
        assert outcome.ok and outcome.value == 42
        assert runner.started and children() - before  # the interpreter pool's worker processes
    finally:
        await service.close()
    assert not runner.started and not children() - before
