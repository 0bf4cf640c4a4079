"""The OpenAI error envelope on every non-2xx answer."""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.errors import ServiceError, Unavailable
from agent.store.outage import is_outage

log = logging.getLogger("ml_intern.http")

_STATUS_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 405: "invalid_request_error", 409: "conflict_error",
                 413: "invalid_request_error", 429: "rate_limit_error"}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str
    type: str = Field(description="invalid_request_error, authentication_error, permission_error, "
                                  "not_found_error, conflict_error, rate_limit_error or server_error.")
    param: str | None = Field(description="The parameter at fault, when there is one.")
    code: str | None = Field(description="A stable, machine-readable reason (README, Errors).")


class ErrorEnvelope(BaseModel):
    """OpenAI's error envelope: the body of every non-2xx answer."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


def envelope(status: int, message: str, *, code: str | None, param: str | None = None,
             type_: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorDetail(message=message, type=type_ or _STATUS_TYPES.get(status, "server_error"),
                                           param=param, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def service_error_response(exc: ServiceError) -> JSONResponse:
    headers = {}
    if exc.status == 401:
        headers["www-authenticate"] = 'Bearer realm="huggingface"'
    if exc.retryable is False or exc.status in (409,):
        # The openai SDK retries 409/429/5xx: tell it when a retry cannot help.
        headers["x-should-retry"] = "false"
    if exc.retry_after is not None:
        headers["retry-after"] = str(exc.retry_after)
    return envelope(exc.status, exc.message, code=exc.code, param=exc.param, type_=exc.type, headers=headers)


# Errors that only say "this union branch does not apply" (a list given where a string is also accepted...).
_BRANCH_MISMATCH = frozenset({"string_type", "list_type", "dict_type", "model_type", "model_attributes_type",
                              "int_type", "float_type", "bool_type"})
_TYPE_LABELS = frozenset({"str", "int", "float", "bool", "list", "dict", "none"})


def _is_union_label(part: str) -> bool:
    # pydantic names union branches in ``loc`` by type: "constrained-str", "list[InputMessage]", "str"...
    return not part.isidentifier() or part in _TYPE_LABELS or part[:1].isupper()


def _param(loc: tuple) -> str | None:
    """``("input", "list[InputMessage]", 0, "content")`` → ``"input[0].content"`` (OpenAI's param style)."""
    param = ""
    for part in loc:
        if isinstance(part, int):
            param += f"[{part}]"
        elif not _is_union_label(str(part)):
            param += f".{part}" if param else str(part)
    return param or None


def _most_relevant(errors: list) -> dict:
    """The error to report: for a union (``input`` is a string or a message list), prefer the branch whose value
    had the right type over the "not a string" noise of the other branch; deeper errors are more specific."""
    specific = [e for e in errors if e["type"] not in _BRANCH_MISMATCH]
    if not specific:
        return errors[0]
    return max(specific, key=lambda e: len([p for p in e["loc"] if not isinstance(p, str) or
                                            not _is_union_label(p)]))


def validation_error_response(exc: ValidationError) -> JSONResponse:
    first = _most_relevant(exc.errors())
    param = _param(first["loc"])
    if first["type"] == "extra_forbidden":
        return envelope(400, f"Unknown parameter: '{param}'.", code="unknown_parameter", param=param)
    if first["type"] == "missing":
        return envelope(400, f"Missing required parameter: '{param}'.", code="missing_required_parameter",
                        param=param)
    message = first["msg"].removeprefix("Value error, ")
    return envelope(400, f"Invalid value for '{param}': {message}.", code="invalid_value", param=param)


async def on_service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return service_error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return envelope(404, f"Unknown route: {request.method} {request.url.path}", code="route_not_found")
    if exc.status_code == 405:
        return envelope(405, f"Method {request.method} is not allowed on {request.url.path}.",
                        code="method_not_allowed", headers=dict(exc.headers or {}))
    return envelope(exc.status_code, str(exc.detail), code=None)


async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database error. Handled here rather than as an unexpected error, whose 500 also drops the connection."""
    if is_outage(exc):  # the database is restarting or unreachable: a retry shortly will do
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return service_error_response(Unavailable("The database is unreachable; retry the request shortly.",
                                                  code="store_unavailable", retryable=True))
    return await on_unexpected(request, exc)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(500, "The server failed to handle this request.", code="server_error")
