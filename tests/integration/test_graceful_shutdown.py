"""SIGTERM with a turn running and a stream open: the stream receives response.incomplete (server_restart) and
ends, the process exits promptly, and a replica draining refuses new turns and fails readiness."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from agent.errors import Unavailable
from agent.models import CreateResponseRequest
from agent.service import AgentService
from tests.conftest import ALICE, make_settings
from tests.integration.helpers import hang, parse_sse
from tests.process import server_env, start_server_process

AUTH = {"authorization": f"Bearer {ALICE}"}


def test_sigterm_ends_open_streams_with_a_resumable_incomplete(emulator, tmp_path):
    server = start_server_process(server_env(emulator, f"sqlite:///{tmp_path}/db.sqlite"), tmp_path / "server.log")
    frames: list[dict] = []
    stream_open = threading.Event()
    closed_cleanly = threading.Event()

    def follow() -> None:
        with httpx.stream("POST", f"{server.url}/v1/responses", headers=AUTH, timeout=60,
                          json={"input": hang(60_000), "stream": True}) as reply:
            lines = reply.iter_lines()
            for frame in parse_sse(lines):
                frames.append(frame["data"])
                if frame["data"]["type"] == "response.in_progress":
                    stream_open.set()
            closed_cleanly.set()  # the body ended normally (no transport error)

    reader = threading.Thread(target=follow, daemon=True)
    try:
        assert httpx.get(f"{server.url}/readyz", timeout=5).json() == {"status": "ready"}
        reader.start()
        assert stream_open.wait(30)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        reader.join(30)
        assert closed_cleanly.is_set(), server.log_path.read_text()[-3000:]
        last = frames[-1]
        assert last["type"] == "response.incomplete"
        assert last["response"]["incomplete_details"] == {"reason": "server_restart"}
        # Gapless to the end: nothing was cut.
        assert [f["sequence_number"] for f in frames] == list(range(len(frames)))
        server.process.wait(timeout=30)
        # The turn was stopped at once rather than after uvicorn's graceful timeout (10 s).
        assert time.monotonic() - started < 8
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]


async def test_a_draining_replica_refuses_new_turns_and_is_not_ready(emulator, tmp_path):
    """What a request that reaches a replica between SIGTERM and its exit gets."""
    service = await AgentService.start(make_settings(emulator, f"sqlite:///{tmp_path}/drain.sqlite"))
    try:
        assert await service.ready()
        identity = await service.authenticate(f"Bearer {ALICE}")
        await service.drain()
        assert not await service.ready()
        with pytest.raises(Unavailable) as refused:
            await service.submit(identity, CreateResponseRequest(input="hello"))
        assert refused.value.code == "server_shutting_down" and refused.value.retryable
    finally:
        await service.close()
