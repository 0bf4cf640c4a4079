"""Stopping and starting the PostgreSQL cluster a chaos run uses (Debian's ``pg_ctlcluster``, as root).

The cluster is shared with everything else on the machine: only ``make chaos`` restarts it, and whoever stops
it starts it again in a ``finally``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

from agent.store.notify import libpq_url

LOOPBACK = {"127.0.0.1", "localhost", "::1", None}


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int
    admin_url: str

    def describe(self) -> str:
        return f"pg_ctlcluster {self.version} {self.name} stop -m fast / start"

    def _ctl(self, action: str, *extra: str) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, action, *extra], check=True, timeout=120,
                       capture_output=True, text=True)

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")  # fast: disconnect clients now, as a crash or a failover would

    def start(self) -> None:
        self._ctl("start")

    def answers(self) -> bool:
        try:
            with psycopg.connect(libpq_url(self.admin_url), connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    def ensure_started(self, timeout: float = 60.0) -> bool:
        """Start the cluster if it does not answer; True once it answers. Never raises: it runs in ``finally``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return True
            try:
                self.start()
            except (subprocess.SubprocessError, OSError):
                time.sleep(1.0)  # the cluster may still be shutting down: try again
        return self.answers()


def find_cluster(admin_url: str) -> Cluster | str:
    """The local cluster serving ``admin_url``, or why it cannot be restarted from here."""
    url = make_url(admin_url)
    if url.host not in LOOPBACK:
        return f"{url.host} is not this machine: only a local cluster is restarted"
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return "no pg_lsclusters / pg_ctlcluster on this machine (Debian's postgresql-common)"
    port = url.port or 5432
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=30,
                             check=False)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == str(port):
            if fields[3] != "online":
                return f"cluster {fields[0]}/{fields[1]} on port {port} is {fields[3]}"
            return Cluster(version=fields[0], name=fields[1], port=port, admin_url=admin_url)
    return f"pg_lsclusters lists no cluster on port {port}"
