"""The ``ml-intern`` client end to end: the real server as a child process (``ml-intern-api serve``) against the
emulator, and the client as a child process too — with pipes, or in a pseudo-terminal (pexpect)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ALICE
from tests.process import ServerProcess, server_env, start_server_process

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
CLI_TIMEOUT = 120


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


@pytest.fixture(scope="session")
def cli_server(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server process for the CLI tests (each test has its own runs, as alice)."""
    where = tmp_path_factory.mktemp("cli-server")
    server = start_server_process(server_env(emulator, f"sqlite:///{where / 'ml_intern.db'}"), where / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def hf_home(tmp_path: Path) -> Path:
    """An empty Hugging Face home: no stored token unless a test writes one."""
    home = tmp_path / "hf-home"
    home.mkdir()
    return home


@pytest.fixture
def cli_env(cli_server: ServerProcess, hf_home: Path) -> Callable[..., dict[str, str]]:
    """The client's environment: the test server's URL, an empty HF_HOME, HF_TOKEN unless ``token=None``."""

    def build(token: str | None = ALICE, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("HF_", "HUGGING_FACE", "ML_INTERN_"))
               and key not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES")}
        env.update(HF_HOME=str(hf_home), HF_HUB_DISABLE_TELEMETRY="1", ML_INTERN_BASE_URL=cli_server.url,
                   PYTHONUNBUFFERED="1", TERM="xterm-256color")
        if token is not None:
            env["HF_TOKEN"] = token
        env.update(extra)
        return env

    return build


@pytest.fixture
def run_cli(cli_env: Callable[..., dict[str, str]]) -> Callable[..., subprocess.CompletedProcess]:
    """``ml-intern ARGS`` with pipes (not a terminal) and no stdin; returns the finished process."""

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ml_intern_cli", *args], cwd=ROOT, env=env or cli_env(),
                              input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False)

    return run


class Terminal:
    """``ml-intern ARGS`` in a pseudo-terminal: what a person sees (``screen`` keeps every byte it wrote)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self._log = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "ml_intern_cli", *args], cwd=str(ROOT), env=env,
                                   dimensions=(40, 120), encoding="utf-8", codec_errors="replace", timeout=60)
        self.child.logfile_read = self._log

    @property
    def raw(self) -> str:
        return self._log.getvalue()

    @property
    def text(self) -> str:
        return strip_ansi(self.raw)

    def expect(self, pattern: str, timeout: float = 60) -> str:
        """Wait for ``pattern``: a regex over the output without escape codes, so styled text matches."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while not regex.search(self.text):
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise pexpect.TIMEOUT("deadline")
                self.child.read_nonblocking(size=65536, timeout=remaining)
            except (pexpect.EOF, pexpect.TIMEOUT):
                if not regex.search(self.text):
                    raise AssertionError(f"{pattern!r} never appeared; the terminal showed:\n{self.text[-3000:]}")
        return self.text

    def wait(self, timeout: float = 90) -> int:
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (self.child.signalstatus or 0)


@pytest.fixture
def terminal(cli_env: Callable[..., dict[str, str]]) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def spawn(*args: str, env: dict[str, str] | None = None) -> Terminal:
        term = Terminal(list(args), env or cli_env())
        started.append(term)
        return term

    yield spawn
    for term in started:
        if term.child.isalive():
            term.child.terminate(force=True)
