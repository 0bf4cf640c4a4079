"""HTTP-level refusals on ``/mcp`` (bad Host / Origin / Content-Type, wrong method, missing or invalid token,
server not ready), written so MCP clients can show the reason.

MCP SDK clients read the body of a non-2xx answer only when it is a JSON-RPC error (otherwise they report a bare
"Server returned an error response"), so every refusal is one: ``id`` is null (the request was not read),
``error.message`` is ``<code>: <message>`` like a tool error, and ``error.data`` holds the HTTP status and the same
error object as ``/v1`` (``message``, ``type``, ``param``, ``code``). A 401 also carries
``WWW-Authenticate: Bearer error="invalid_token", error_description=..., resource_metadata=...`` so hosts show the
reason and learn from the protected-resource metadata that no OAuth server issues tokens for this resource.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mcp_types import INTERNAL_ERROR, INVALID_REQUEST
from starlette.types import Scope, Send

from agent.errors import ServiceError

REALM = "huggingface"
PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource"
ALLOWED_METHODS = "POST"
# RFC 6750 §3: error_description is limited to printable ASCII without '"' and '\'.
_UNSAFE_IN_QUOTED = re.compile(r'[^\x20\x21\x23-\x5b\x5d-\x7e]')

_STATUS_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 405: "invalid_request_error", 421: "invalid_request_error", 503: "server_error"}


def jsonrpc_refusal(status: int, message: str, *, code: str, type_: str | None = None,
                    param: str | None = None) -> dict[str, Any]:
    """The JSON-RPC error body of an HTTP refusal (transport-level: INVALID_REQUEST for 4xx, INTERNAL_ERROR for
    5xx, the codes the SDK's own transport refusals use)."""
    error = {"message": message, "type": type_ or _STATUS_TYPES.get(status, "invalid_request_error"),
             "param": param, "code": code}
    return {"jsonrpc": "2.0", "id": None,
            "error": {"code": INTERNAL_ERROR if status >= 500 else INVALID_REQUEST, "message": f"{code}: {message}",
                      "data": {"status": status, **error}}}


def quoted(value: str) -> str:
    """``value`` as an RFC 6750 quoted-string body (characters it cannot hold dropped)."""
    return _UNSAFE_IN_QUOTED.sub("", value)


def resource_metadata_url(scope: Scope) -> str:
    """Where this resource's RFC 9728 metadata is, for the URL the request came to (``/mcp`` → the path-suffixed
    well-known URL the MCP authorization spec tells clients to try first)."""
    return f"{_origin(scope)}{PROTECTED_RESOURCE_PATH}{scope.get('path', '')}"


def _origin(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return quoted(f"{scope.get('scheme', 'http')}://{host}")


def www_authenticate(scope: Scope, description: str) -> str:
    return (f'Bearer realm="{REALM}", error="invalid_token", error_description="{quoted(description)}", '
            f'resource_metadata="{resource_metadata_url(scope)}"')


async def send_refusal(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def refuse_service_error(scope: Scope, send: Send, exc: ServiceError) -> None:
    """An authentication refusal (401 / 403 / 503 from ``service.authenticate``)."""
    headers = {"www-authenticate": www_authenticate(scope, exc.message)} if exc.status == 401 else {}
    body = jsonrpc_refusal(exc.status, exc.message, code=exc.code or exc.type, type_=exc.type, param=exc.param)
    await send_refusal(send, exc.status, body, headers)
