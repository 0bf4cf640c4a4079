"""Processes for the load harness: the emulator and product servers as children, and /proc readings of them.

The server and the emulator run as their own processes so that the load client's CPU does not count as theirs
and their CPU time and memory can be read from /proc (Linux).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.process import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- /proc readings

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()  # the command name may hold spaces: cut after its ")"
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` now (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (the first line of /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


@dataclass
class ProcUsage:
    cpu_percent: float       # of one core, over the watched interval
    peak_cpu_percent: float  # the busiest CPU_WINDOW_S of it (an average hides a saturated stretch)
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system over the watched interval


CPU_WINDOW_S = 1.0


class ProcMonitor:
    """CPU % and peak RSS of one process over a ``with`` block. Sampled from a thread, so the samples keep
    coming while the load client's event loop is saturated."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.usage: ProcUsage | None = None
        self._peak = 0
        self._peak_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name=f"procmon-{pid}", daemon=True)

    def _sample(self) -> None:
        window_cpu, window_start = self._cpu0, self._t0
        while not self._stop.is_set():
            try:
                self._peak = max(self._peak, rss_bytes(self.pid))
                now = time.monotonic()
                if now - window_start >= CPU_WINDOW_S:
                    cpu = cpu_seconds(self.pid)
                    self._peak_cpu = max(self._peak_cpu, (cpu - window_cpu) / (now - window_start))
                    window_cpu, window_start = cpu, now
            except (OSError, RuntimeError):
                return  # the process is gone: keep the peaks seen so far
            self._stop.wait(self.interval)

    def __enter__(self) -> "ProcMonitor":
        self._cpu0, self._t0 = cpu_seconds(self.pid), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        try:
            cpu = cpu_seconds(self.pid) - self._cpu0
        except OSError:
            cpu = float("nan")
        wall = max(time.monotonic() - self._t0, 1e-9)
        average = cpu / wall
        self.usage = ProcUsage(cpu_percent=100 * average, peak_cpu_percent=100 * max(self._peak_cpu, average),
                               peak_rss_mb=self._peak / 2**20, cpu_seconds=cpu)


class Monitors:
    """Several ``ProcMonitor`` at once, by role (server, emulator, client); pids that are None are skipped. Also
    how busy the whole machine was: a process below 100% of a core may still have been starved of CPU by others."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.monitors = {role: ProcMonitor(pid) for role, pid in pids.items() if pid is not None}
        self.machine_busy_pct = 0.0

    def __enter__(self) -> "Monitors":
        self._machine0 = machine_cpu()
        for monitor in self.monitors.values():
            monitor.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for monitor in self.monitors.values():
            monitor.__exit__(*exc)
        busy, total = (now - before for now, before in zip(machine_cpu(), self._machine0))
        self.machine_busy_pct = 100 * busy / total if total else 0.0

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {"machine_busy_pct": round(self.machine_busy_pct, 1)}
        for role, monitor in self.monitors.items():
            assert monitor.usage is not None
            out[f"{role}_cpu_pct"] = round(monitor.usage.cpu_percent, 1)
            out[f"{role}_peak_cpu_pct"] = round(monitor.usage.peak_cpu_percent, 1)
            out[f"{role}_peak_rss_mb"] = round(monitor.usage.peak_rss_mb, 1)
            out[f"{role}_cpu_s"] = round(monitor.usage.cpu_seconds, 3)
        return out


# ----------------------------------------------------------------------------- children

class EmulatorProcess(ServerProcess):
    """The emulator as a child process (stopped like the server)."""

    @property
    def router_url(self) -> str:
        return f"{self.url}/v1"


def _child_env(overrides: dict[str, str]) -> dict[str, str]:
    # The parent's ML_INTERN_* must not leak into a child configured explicitly.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_INTERN_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def _wait_http(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Poll ``url`` until it answers 200 (a starting child gives no other readiness signal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}: "
                               f"{log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def start_emulator(load_accounts: int, log_path: Path, timeout: float = 30.0) -> EmulatorProcess:
    port = free_port()
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", str(port), "--load-accounts", str(load_accounts),
         "--log-level", "warning"],
        env=_child_env({}), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/_emulator/health", process, log_path, timeout)
    return EmulatorProcess(process, url, log_path)


def server_env(emulator_url: str, database_url: str, **extra: str) -> dict[str, str]:
    return {"ML_INTERN_DATABASE_URL": database_url, "ML_INTERN_HUB_URL": emulator_url,
            "ML_INTERN_ROUTER_URL": f"{emulator_url}/v1", "ML_INTERN_DATASETS_SERVER_URL": emulator_url,
            "ML_INTERN_MAX_LIVE_SESSIONS_GLOBAL": "1000", "ML_INTERN_LOG_LEVEL": "warning", **extra}


def spawn_server(env: dict[str, str], log_path: Path, cwd: Path = ROOT) -> ServerProcess:
    """Start ``ml-intern-api serve`` without waiting for it (the recovery scenario times its start). ``cwd``: the
    source tree it runs (``python -m`` imports the project from there first)."""
    port = free_port()
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "responses_api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_child_env(env), stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    return ServerProcess(process, f"http://127.0.0.1:{port}", log_path)


def start_server(env: dict[str, str], log_path: Path, timeout: float = 60.0, cwd: Path = ROOT) -> ServerProcess:
    server = spawn_server(env, log_path, cwd)
    _wait_http(f"{server.url}/healthz", server.process, log_path, timeout)
    return server


@dataclass
class Deployment:
    """What the scenarios load: a server URL, tokens to spread over, and what is known about its processes."""

    url: str
    tokens: list[str]
    emulator_url: str | None = None   # the router the server uses, for direct-vs-relayed comparisons
    server_pid: int | None = None     # for CPU and RSS readings
    emulator_pid: int | None = None
