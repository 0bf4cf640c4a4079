"""The run viewer: the browser page's files, the policy they are served under, and the same viewer as one
self-contained MCP App document.

Rules kept here, not in the front doors: which files a browser may fetch (an allow-list; nothing else under
``static/`` is reachable), their media types, the page's Content-Security-Policy (scripts and styles from the
server only: no inline script, so markup that slips into an answer cannot run), and how the MCP App is assembled
from the very same scripts (inlined, since a host renders the ``ui://`` resource as one document, with a CSP that
admits exactly those inline scripts by hash). The viewer reads the caller's token from ``sessionStorage`` and sends
it only as the ``Authorization`` header; no server-side code here ever sees a token.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from agent.models import RESPONSE_ID_PATTERN

STATIC = files(__package__) / "static"

# Public name → media type. The page shell is served for ``/`` and ``/runs/{id}``; the rest under ``ASSET_PREFIX``.
ASSET_PREFIX = "/run-view/"
ASSETS = MappingProxyType({
    "app.css": "text/css; charset=utf-8",
    "viewer.js": "text/javascript; charset=utf-8",
    "transport-http.js": "text/javascript; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
    "vendor/marked.umd.js": "text/javascript; charset=utf-8",
    "vendor/purify.min.js": "text/javascript; charset=utf-8",
    "vendor/marked.LICENSE.txt": "text/plain; charset=utf-8",
    "vendor/dompurify.LICENSE.txt": "text/plain; charset=utf-8",
})
PAGE = "index.html"
# The MCP App: the shared viewer with the host-bridge transport instead of fetch + SSE (order matters: the vendored
# libraries and the viewer define what the bridge uses).
APP_SCRIPTS = ("vendor/marked.umd.js", "vendor/purify.min.js", "viewer.js", "transport-bridge.js")
APP_TEMPLATE = "app.html"
APP_URI = "ui://ml-intern/run-view.html"
APP_NAME = "ml-intern-run-view"
APP_TITLE = "ML Intern run"
APP_DESCRIPTION = ("A live view of one ML Intern run: the answer as it streams, tool calls, plan, artifacts, spend "
                   "against the cap, and Approve / Deny / Cancel / follow-up controls.")

PAGE_CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
))
PAGE_HEADERS = MappingProxyType({
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
    "cross-origin-opener-policy": "same-origin",
})


class ViewFile(BaseModel):
    """One file as served: its bytes, media type and headers."""

    model_config = ConfigDict(frozen=True)

    body: bytes
    media_type: str
    headers: dict[str, str]


def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def page() -> ViewFile:
    """The page shell (sign-in, the list of runs, one run: the script decides from the location)."""
    return ViewFile(body=_read(PAGE), media_type="text/html; charset=utf-8", headers=dict(PAGE_HEADERS))


def run_page(response_id: str) -> ViewFile | None:
    """The shell for ``/runs/{response_id}``, or None for what cannot be a response id (the route answers 404).
    Whose run it is, and whether it exists, only the API knows: the page asks it with the user's token."""
    return page() if re.fullmatch(RESPONSE_ID_PATTERN, response_id) else None


def asset(name: str) -> ViewFile | None:
    """An allow-listed file, or None (the route answers 404)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        return None
    return ViewFile(body=_read(name), media_type=media_type, headers=dict(PAGE_HEADERS))


def _inline_safe(name: str, text: str) -> str:
    """Text that may stand inside ``<script>`` / ``<style>`` unchanged: a ``</script`` (or ``</style``) would end
    the element early, and ``<!--`` followed by ``<script`` switches the HTML parser's script state."""
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered or ("<!--" in lowered and "<script" in lowered):
        raise ValueError(f"{name} cannot be inlined into the MCP App document")
    return text


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def app_document() -> str:
    """The MCP App: one HTML document with the viewer's style and scripts inline, under a CSP that admits exactly
    those by hash (no other script, no network: it talks to the server only through the host's bridge)."""
    style = _inline_safe("app.css", _read("app.css").decode())
    scripts = [_inline_safe(name, _read(name).decode()) for name in APP_SCRIPTS]
    csp = "; ".join((
        "default-src 'none'",
        "script-src " + " ".join(_sha256(script) for script in scripts),
        "style-src " + _sha256(style),
        "img-src data:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ))
    template = _read(APP_TEMPLATE).decode()
    return (template.replace("{{csp}}", csp)
            .replace("{{style}}", f"<style>{style}</style>")
            .replace("{{scripts}}", "".join(f"<script>{script}</script>" for script in scripts)))
