"""Shared fixtures: the emulator, a running product server against it, and clients as each emulated account."""

from __future__ import annotations

import os
import tempfile

# huggingface_hub reads these at import: isolate tests from any machine-wide token, endpoint or cache.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="ml-intern-test-hf-home-")
for _name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT"):
    os.environ.pop(_name, None)

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from agent.settings import Settings  # noqa: E402
from tests.emulator import EmulatorHandle, run_emulator  # noqa: E402
from tests.event_audit import stored_event_problems  # noqa: E402
from tests.serving import serve_in_thread  # noqa: E402

ALICE = "hf_emu_alice"
BOB = "hf_emu_bob"
CAROL_NO_INFERENCE = "hf_emu_carol_noinfer"
DAVE_FINE_GRAINED = "hf_emu_dave_fg"
ORG_TOKEN = "hf_emu_org_acme"


@dataclass
class ServerHandle:
    url: str
    settings: Settings
    database_path: Path

    def client(self, token: str | None = ALICE, **kwargs) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 30.0), **kwargs)


def make_settings(emulator: EmulatorHandle, database_url: str, **overrides) -> Settings:
    values = dict(
        database_url=database_url, hub_url=emulator.url, router_url=emulator.router_url,
        datasets_server_url=emulator.datasets_server_url, spaces_url_template=emulator.spaces_url_template,
        llm_retry_base_delay=0.01, delta_flush_ms=10,
        sse_keepalive_seconds=5.0,
    )
    values.update(overrides)
    return Settings(**values)


from contextlib import contextmanager  # noqa: E402


@contextmanager
def run_server(settings: Settings, database_path: Path) -> Iterator[ServerHandle]:
    from responses_api.app import create_app

    with serve_in_thread(create_app(settings), name="ml-intern") as port:
        yield ServerHandle(url=f"http://127.0.0.1:{port}", settings=settings, database_path=database_path)
    # What the server emitted must fit the event models (and so the OpenAPI document).
    _checked, problems = stored_event_problems(database_path)
    assert not problems, "events that do not fit agent/event_models.py:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorHandle]:
    with run_emulator() as handle:
        yield handle


@pytest.fixture(scope="session")
def server(emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One product server on SQLite for the whole session (tests isolate themselves by account and session)."""
    path = tmp_path_factory.mktemp("server") / "ml_intern.db"
    with run_server(make_settings(emulator, f"sqlite:///{path}"), path) as handle:
        yield handle


@pytest.fixture
def alice(server: ServerHandle) -> Iterator[httpx.Client]:
    with server.client(ALICE) as client:
        yield client


@pytest.fixture
def bob(server: ServerHandle) -> Iterator[httpx.Client]:
    with server.client(BOB) as client:
        yield client


def script(*steps, prompt: str = "Scripted task.") -> str:
    """A user input that makes the emulated model play ``steps`` (see tests/emulator/README.md)."""
    import json

    # Backticks as the JSON escape \u0060: a code fence inside a step (an answer's snippet, a nested task's
    # script) cannot end the block early.
    body = json.dumps(list(steps)).replace("`", "\\u0060")
    return f"{prompt}\n```emulator-script\n{body}\n```"


POSTGRES_URL = os.environ.get("ML_INTERN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available(url: str = POSTGRES_URL) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql://", "postgresql://", 1), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but {POSTGRES_URL} is unreachable")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (set ML_INTERN_TEST_POSTGRES_URL); runs under CI")
    return POSTGRES_URL
