"""Space lifecycles and their running apps (hung off ``EmulatorState.spaces``).

A Docker Space starts building when a commit gives it a ``Dockerfile``: BUILDING (``build_seconds``), then
APP_STARTING (``start_seconds``), then RUNNING, on the real clock. It goes SLEEPING after ``gcTimeout`` idle seconds
(or when a test forces it); a request to its host, or a restart, wakes it with a fresh disk, as a Space's disk is
ephemeral. A ``user-requirements.txt`` or ``requirements.txt`` line ``emulator-build-error`` ends the build in
BUILD_ERROR.

The running app is the Space's own committed ``server.py``: the ML Intern sandbox template (an ASGI app built by
``create_app(SandboxConfig(...))``), executed in this process against a temporary directory, so tests exercise the
very code the Space would run. Its commands run as real subprocesses of the emulator.
"""

from __future__ import annotations

import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUILD_ERROR_MARKER = "emulator-build-error"
FREE_SLEEP_SECONDS = 172_800  # cpu-basic Spaces sleep after 48 h, whatever is asked


@dataclass
class SpaceRun:
    repo_id: str
    owner: str
    hardware: str
    sleep_seconds: int
    files: dict[str, bytes]
    build_seconds: float
    start_seconds: float
    started_at: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.time)
    sleeping: bool = False
    workspace: tempfile.TemporaryDirectory | None = None
    app: Any = None
    app_error: str | None = None
    hub_url: str | None = None  # the emulator's own URL: the app checks tokens against its whoami

    @property
    def build_failed(self) -> bool:
        for name in ("requirements.txt", "user-requirements.txt"):
            lines = self.files.get(name, b"").decode(errors="replace").splitlines()
            if any(line.strip() == BUILD_ERROR_MARKER for line in lines):
                return True
        return False

    def stage(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        if now < self.started_at + self.build_seconds:
            return "BUILDING"
        if self.build_failed:
            return "BUILD_ERROR"
        if self.sleeping or (self.sleep_seconds > 0 and now > self.last_activity + self.sleep_seconds
                             and now > self.started_at + self.build_seconds + self.start_seconds):
            self.sleeping = True
            return "SLEEPING"
        if now < self.started_at + self.build_seconds + self.start_seconds:
            return "APP_STARTING"
        if self.app is None and self.hub_url is not None:
            self.running_app(self.hub_url)  # the app starts as the Space does: a crash is a RUNTIME_ERROR
        return "RUNTIME_ERROR" if self.app_error else "RUNNING"

    def runtime(self) -> dict[str, Any]:
        stage = self.stage()
        return {"stage": stage, "hardware": {"current": self.hardware if stage == "RUNNING" else None,
                                             "requested": self.hardware},
                "storage": None, "gcTimeout": self.sleep_seconds, "devMode": False,
                "replicas": {"current": 1 if stage == "RUNNING" else 0, "requested": 1},
                **({"errorMessage": self.app_error} if stage == "RUNTIME_ERROR" else {})}

    def wake(self, *, rebuild: bool = False) -> None:
        """A restart or a visit: the app starts again on a fresh disk (``rebuild``: from a new commit)."""
        self.close()
        now = time.time()
        self.sleeping = False
        self.last_activity = now
        self.started_at = now if rebuild else now - self.build_seconds

    def close(self) -> None:
        if self.workspace is not None:
            self.workspace.cleanup()
        self.workspace, self.app, self.app_error = None, None, None

    def running_app(self, hub_url: str) -> Any:
        """The Space's app, started on first use after each (re)start from its committed server.py."""
        if self.app is None and self.app_error is None:
            self.workspace = tempfile.TemporaryDirectory(prefix="emulator-space-")
            try:
                module = types.ModuleType(f"space_{self.repo_id.replace('/', '_')}")
                source = self.files.get("server.py")
                if source is None:
                    raise RuntimeError("no server.py: the emulator runs the ML Intern sandbox template only")
                # dont_inherit: this module's ``from __future__ import annotations`` must not leak into the app's.
                code = compile(source, f"spaces/{self.repo_id}/server.py", "exec", dont_inherit=True)
                exec(code, module.__dict__)  # noqa: S102
                config = module.SandboxConfig(workspace=Path(self.workspace.name) / "workspace", owner=self.owner,
                                              hub_url=hub_url)
                self.app = module.create_app(config)
            except Exception as exc:  # a broken app is the Space's RUNTIME_ERROR, not the emulator's
                self.app_error = f"{type(exc).__name__}: {exc}"
        return self.app


@dataclass
class SpaceRuntimes:
    """Docker Spaces that were given a Dockerfile, by repo id."""

    build_seconds: float = 0.3
    start_seconds: float = 0.2
    hub_url: str | None = None  # set once the emulator listens (server.run_emulator)
    runs: dict[str, SpaceRun] = field(default_factory=dict)

    def on_commit(self, record: dict[str, Any], files: dict[str, bytes]) -> None:
        """A commit to a Space: a Docker Space with a Dockerfile (re)builds from its new files."""
        if record.get("sdk") != "docker" or "Dockerfile" not in files:
            return
        runtime = record.get("runtime") or {}
        hardware = (runtime.get("hardware") or {}).get("requested") or "cpu-basic"
        sleep = runtime.get("gcTimeout")
        if hardware == "cpu-basic" or not isinstance(sleep, int):
            sleep = FREE_SLEEP_SECONDS if hardware == "cpu-basic" else -1
        run = self.runs.get(record["id"])
        if run is None:
            run = self.runs[record["id"]] = SpaceRun(
                repo_id=record["id"], owner=record["id"].split("/")[0], hardware=hardware, sleep_seconds=sleep,
                files=dict(files), build_seconds=self.build_seconds, start_seconds=self.start_seconds,
                hub_url=self.hub_url)
        run.files = dict(files)
        run.wake(rebuild=True)

    def by_subdomain(self, subdomain: str) -> SpaceRun | None:
        for run in self.runs.values():
            if subdomain_of(run.repo_id) == subdomain:
                return run
        return None

    def delete(self, repo_id: str) -> None:
        run = self.runs.pop(repo_id, None)
        if run is not None:
            run.close()

    def close(self) -> None:
        for run in self.runs.values():
            run.close()


def subdomain_of(repo_id: str) -> str:
    return repo_id.replace("/", "-").replace("_", "-").replace(".", "-").lower()
