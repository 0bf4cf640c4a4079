"""Run the emulator in-process: `with run_emulator() as emu: ... emu.url ...`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.serving import serve_in_thread

from .app import create_app
from .state import EmulatorState


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

    @property
    def spaces_url_template(self) -> str:
        """Where a Space's own host is served (``https://{subdomain}.hf.space`` on Hugging Face)."""
        return f"{self.url}/spaces-host/{{subdomain}}"


@contextmanager
def run_emulator(port: int = 0, state: EmulatorState | None = None, host: str = "127.0.0.1") -> Iterator[EmulatorHandle]:
    state = state if state is not None else EmulatorState()
    with serve_in_thread(create_app(state), host=host, port=port, lifespan="off", name="emulator") as actual_port:
        handle = EmulatorHandle(host=host, port=actual_port, state=state)
        state.spaces.hub_url = handle.url
        try:
            yield handle
        finally:
            state.spaces.close()
