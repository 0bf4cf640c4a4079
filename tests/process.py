"""Run the real ``ml-intern-api serve`` as a child process (for restart and multi-replica tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.serving import bind_socket


def free_port() -> int:
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server_process(env_overrides: dict[str, str], log_path: Path, timeout: float = 30.0) -> ServerProcess:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_INTERN_")}
    env.update(env_overrides)
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "responses_api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return ServerProcess(process, url, log_path)
        except httpx.HTTPError:
            time.sleep(0.1)  # polling a starting process: there is no readiness signal to wait on
    process.kill()
    raise RuntimeError("server did not become healthy in time")


def server_env(emulator, database_url: str, **extra: str) -> dict[str, str]:
    return {"ML_INTERN_DATABASE_URL": database_url, "ML_INTERN_HUB_URL": emulator.url,
            "ML_INTERN_ROUTER_URL": emulator.router_url, "ML_INTERN_DATASETS_SERVER_URL": emulator.datasets_server_url,
            "ML_INTERN_SPACES_URL_TEMPLATE": emulator.spaces_url_template,
            "ML_INTERN_LLM_RETRY_BASE_DELAY": "0.01", **extra}


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns a truthy value (observing a remote state: no event to await)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)
