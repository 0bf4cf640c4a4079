"""OAuth 2.0 Protected Resource Metadata (RFC 9728) for ``/mcp`` and the rest of the origin.

MCP hosts that get a 401 look here to find an authorization server to sign the user in with. There is none: the
resource takes a Hugging Face user access token that the user creates and pastes into the host's configuration
(``Authorization: Bearer hf_...``). The document says so — an empty ``authorization_servers`` list, bearer tokens
in the ``Authorization`` header, and where to read about Hugging Face tokens — so a host stops there instead of
probing ``/.well-known/oauth-authorization-server`` and ``/register``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from .refusals import PROTECTED_RESOURCE_PATH

RESOURCE_NAME = "ML Intern (authenticate with a Hugging Face user access token)"
TOKEN_DOCUMENTATION = "https://huggingface.co/docs/hub/security-tokens"


def protected_resource_metadata(resource: str) -> dict[str, object]:
    return {
        "resource": resource,
        "resource_name": RESOURCE_NAME,
        "authorization_servers": [],
        "bearer_methods_supported": ["header"],
        "resource_documentation": TOKEN_DOCUMENTATION,
    }


def protected_resource_routes(mcp_path: str) -> list[BaseRoute]:
    """The metadata at the path-suffixed URL for ``mcp_path`` (what the MCP authorization spec has clients try
    first) and at the origin's root well-known URL (the whole origin, ``/v1`` included, takes the same tokens)."""

    async def for_mcp(request: Request) -> JSONResponse:
        return JSONResponse(protected_resource_metadata(_origin(request) + mcp_path))

    async def for_origin(request: Request) -> JSONResponse:
        return JSONResponse(protected_resource_metadata(_origin(request)))

    return [Route(PROTECTED_RESOURCE_PATH + mcp_path, for_mcp, methods=["GET"], name="mcp_resource_metadata"),
            Route(PROTECTED_RESOURCE_PATH, for_origin, methods=["GET"], name="resource_metadata")]


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")
