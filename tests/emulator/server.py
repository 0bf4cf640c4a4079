"""Run the emulator in-process: `with run_emulator() as emu: ... emu.url ...`."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from .app import create_app
from .state import EmulatorState

STARTUP_TIMEOUT_S = 10.0


@dataclass
class EmulatorHandle:
    host: str
    port: int
    state: EmulatorState

    @property
    def url(self) -> str:
        """Hub and datasets-server base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def router_url(self) -> str:
        """OpenAI-compatible router base URL."""
        return f"{self.url}/v1"

    @property
    def datasets_server_url(self) -> str:
        return self.url


class _Server(uvicorn.Server):
    """uvicorn server that signals readiness and never installs signal handlers (runs off the main thread)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_config(state: EmulatorState, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        create_app(state),
        log_level=log_level,
        lifespan="off",
        timeout_graceful_shutdown=1,
        access_log=False,
    )


@contextmanager
def run_emulator(port: int = 0, state: EmulatorState | None = None, host: str = "127.0.0.1") -> Iterator[EmulatorHandle]:
    state = state if state is not None else EmulatorState()
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    server = _Server(make_config(state))
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name=f"emulator-{actual_port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            raise RuntimeError("emulator failed to start")
        yield EmulatorHandle(host=host, port=actual_port, state=state)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
