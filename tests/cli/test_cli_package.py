"""The client is a client: its own package, its own console script, no server code; its exit codes documented."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from ml_intern_cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]


def test_the_client_imports_no_server_code():
    probe = ("import sys, ml_intern_cli.main; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'agent', 'responses_api', 'mcp_server'}))")
    imported = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              check=False)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]"


def test_console_scripts_the_client_beside_the_server():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"ml-intern-api": "responses_api.cli:main", "ml-intern": "ml_intern_cli.main:main",
                                  "ml-intern-eval": "evals.cli:main"}


def test_every_exit_code_is_documented():
    doc = (ROOT / "docs" / "cli.md").read_text()
    table = dict(re.findall(r"^\| `(\d+)` \| (.+?) \|$", doc, flags=re.MULTILINE))
    assert {int(code) for code in table} == {int(code) for code in ExitCode}
