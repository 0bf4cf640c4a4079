"""The run page's routes on the real app: the shell for ``/`` and ``/runs/{id}``, allow-listed files, the strict
policy on each, and 404 envelopes for anything else. No token is needed or read: the files hold no data."""

from __future__ import annotations

import httpx

from agent import run_view
from tests.conftest import ServerHandle

RUN_ID = "resp_" + "ab" * 16


def test_page_shell_with_a_strict_policy(server: ServerHandle):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for path in ("/", f"/runs/{RUN_ID}"):
            reply = client.get(path)
            assert reply.status_code == 200 and reply.headers["content-type"] == "text/html; charset=utf-8"
            assert reply.headers["content-security-policy"] == run_view.PAGE_CSP
            assert reply.headers["x-content-type-options"] == "nosniff"
            assert reply.headers["referrer-policy"] == "no-referrer"
            assert "set-cookie" not in reply.headers
            assert 'src="/run-view/page.js"' in reply.text


def test_files_are_allow_listed(server: ServerHandle):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        script = client.get("/run-view/viewer.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert script.headers["content-security-policy"] == run_view.PAGE_CSP
        assert client.get("/run-view/vendor/dompurify.LICENSE.txt").status_code == 200
        for path in ("/run-view/app.html", "/run-view/../responses_api/app.py", "/run-view/__init__.py",
                     "/runs/not-a-response", f"/runs/{RUN_ID}/extra"):
            refused = client.get(path)
            assert refused.status_code == 404, path
            assert refused.json()["error"]["code"] == "route_not_found"
        assert client.post("/").status_code == 405
