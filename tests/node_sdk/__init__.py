"""openai-node, installed from npm into a cache under the repository (``.cache/openai-node``, gitignored), to drive
its ``responses.stream()`` helper against the server (``stream_helper.mjs``).

``python -m tests.node_sdk`` installs it (``make node-sdk``; CI runs it before the suite). Tests that need it skip
with the reason when npm cannot install it, except under ``CI=true``, where they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

# 6.x: the line the issue was reported against (7.x needs Node >= 22; the machines have Node 20).
OPENAI_NODE_VERSION = "6.49.0"
REPO = Path(__file__).resolve().parents[2]
INSTALL_DIR = REPO / ".cache" / "openai-node"
HELPER = Path(__file__).with_name("stream_helper.mjs")
INSTALL_TIMEOUT_SECONDS = 300


class Unavailable(Exception):
    """openai-node cannot be installed here (no node or npm, or the registry is unreachable)."""


def installed_version() -> str | None:
    manifest = INSTALL_DIR / "node_modules" / "openai" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_installed() -> Path:
    """The install directory, with openai-node at OPENAI_NODE_VERSION (installed now if it is not)."""
    if installed_version() == OPENAI_NODE_VERSION:
        return INSTALL_DIR
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise Unavailable("node and npm are needed to install openai-node")
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(INSTALL_DIR), "--no-save", "--no-package-lock", "--no-audit",
             "--no-fund", f"openai@{OPENAI_NODE_VERSION}"],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS, cwd=INSTALL_DIR)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"npm install openai@{OPENAI_NODE_VERSION} did not finish (registry unreachable?)") from None
    if done.returncode != 0 or installed_version() != OPENAI_NODE_VERSION:
        raise Unavailable(f"npm install openai@{OPENAI_NODE_VERSION} failed: {done.stderr.strip()[-400:]}")
    return INSTALL_DIR


def run_helper(base_url: str, token: str, job: dict, *, timeout: float = 60.0) -> dict:
    """Run stream_helper.mjs for ``job``; returns its {events, final, error}."""
    done = subprocess.run([shutil.which("node") or "node", str(HELPER), str(ensure_installed()), base_url, token,
                           json.dumps(job)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "NODE_NO_WARNINGS": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])

