"""agent.run_view: what the browser may fetch, the page's policy, and the MCP App document built from the same
scripts (inlined, each admitted by its hash)."""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from agent import run_view

STATIC = Path(run_view.__file__).parent / "static"


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_app_document_inlines_the_viewer_under_a_csp_of_their_hashes():
    document = run_view.app_document()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', document).group(1)
    scripts = re.findall(r"<script>(.*?)</script>", document, re.S)
    styles = re.findall(r"<style>(.*?)</style>", document, re.S)
    assert len(scripts) == len(run_view.APP_SCRIPTS) and len(styles) == 1
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"].split() == [_hash(script) for script in scripts]
    assert directives["style-src"] == _hash(styles[0])
    assert directives["connect-src"] == "'none'" and directives["default-src"] == "'none'"
    assert "unsafe-inline" not in csp
    # Nothing is fetched: no script, style or image source outside the document.
    markup = re.sub(r"<(script|style)>.*?</\1>", "", document, flags=re.S)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", markup)
    assert scripts[-1] == (STATIC / "transport-bridge.js").read_text()


def test_text_that_would_end_an_inline_script_is_refused():
    with pytest.raises(ValueError):
        run_view._inline_safe("x.js", "var s = '</script>';")
    with pytest.raises(ValueError):
        run_view._inline_safe("x.js", "a = '<!--'; b = '<script>';")
    assert run_view._inline_safe("x.js", "if (a < b) {}") == "if (a < b) {}"


def test_only_allow_listed_files_are_served():
    for name, media_type in run_view.ASSETS.items():
        served = run_view.asset(name)
        assert served is not None and served.body == (STATIC / name).read_bytes() and served.media_type == media_type
    for name in ("../__init__.py", "index.html", "app.html", "transport-bridge.js", "vendor/../page.js", ""):
        assert run_view.asset(name) is None, name


def test_page_loads_only_allow_listed_files_and_no_inline_script():
    html = (STATIC / run_view.PAGE).read_text()
    referenced = re.findall(r'(?:src|href)="' + re.escape(run_view.ASSET_PREFIX) + r'([^"]+)"', html)
    assert referenced and set(referenced) <= set(run_view.ASSETS)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handler
    csp = run_view.PAGE_HEADERS["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_run_page_only_for_a_response_id():
    assert run_view.run_page("resp_" + "0" * 32) == run_view.page()
    for bad in ("resp_x", "resp_" + "0" * 33, "../etc", "RESP_" + "0" * 32):
        assert run_view.run_page(bad) is None


def test_every_static_file_ships_in_the_package():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["agent"]
    for path in STATIC.rglob("*"):
        if path.is_file():
            relative = path.relative_to(STATIC.parents[1]).as_posix()  # run_view/static/...
            assert any(fnmatch(relative, pattern) for pattern in patterns), relative
