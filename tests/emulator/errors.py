"""Error responses in the wire shapes of the Hub, the router (OpenAI) and datasets-server."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


def hub_error(status: int, message: str, error_code: str | None = None) -> JSONResponse:
    """Hub API error: JSON `{"error": ...}` plus `X-Error-Message` (and `X-Error-Code`)."""
    headers = {"X-Error-Message": message}
    if error_code:
        headers["X-Error-Code"] = error_code
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def hub_unauthorized() -> JSONResponse:
    return hub_error(401, INVALID_CREDENTIALS)


def repo_not_found(url: str) -> JSONResponse:
    return JSONResponse(
        {"error": f"Repository Not Found for url: {url}."},
        status_code=404,
        headers={"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
    )


def openai_error(
    status: int,
    message: str,
    type_: str,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def datasets_server_error(status: int, message: str, error_code: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"X-Error-Code": error_code})


# 402 for paid compute (Jobs, upgraded Space hardware) in a namespace without credits.
INSUFFICIENT_CREDITS = ("Insufficient credits: add a payment method or purchase credits at "
                        "https://huggingface.co/settings/billing to use paid compute in this namespace.")


async def json_body(request: Any) -> Any:
    """The request's JSON body, or the Hub's 400 for a body that is not JSON."""
    import json

    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return hub_error(400, "Invalid JSON body")
