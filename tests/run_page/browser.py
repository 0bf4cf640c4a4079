"""Chromium for the run-page tests: the distribution's package (``apt-get install chromium``; ``make chromium``
installs it, and CI runs that first), driven by Playwright through ``executable_path`` (no browser download)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Root (as in CI) cannot use Chromium's user-namespace sandbox.
LAUNCH_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def chromium_executable() -> str:
    for path in (os.environ.get("ML_INTERN_TEST_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and os.access(path, os.X_OK):
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is required under CI=true: `make chromium` (apt-get install -y chromium)")
    pytest.skip("Chromium not installed (`make chromium`, i.e. apt-get install -y chromium); runs under CI")
