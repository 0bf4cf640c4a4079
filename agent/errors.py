"""Errors the service raises for the caller, rendered by both front doors with the same status and code."""

from __future__ import annotations


class ServiceError(Exception):
    """An error the caller can act on. ``status`` is the HTTP status; ``code`` the OpenAI-style code."""

    status: int = 400
    type: str = "invalid_request_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None,
                 status: int | None = None, retryable: bool | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        if status is not None:
            self.status = status
        # Whether a client retry could succeed; the HTTP layer turns False into `x-should-retry: false`.
        self.retryable = retryable
        # Seconds a retry should wait (``Retry-After``): both openai SDKs wait that long instead of their own
        # backoff (~0.5 s), and give up at once when it is beyond what they are willing to wait (2 minutes).
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        return {"message": self.message, "type": self.type, "param": self.param, "code": self.code}


class InvalidRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401
    type = "authentication_error"


class Forbidden(ServiceError):
    status = 403
    type = "permission_error"


class NotFound(ServiceError):
    status = 404
    type = "not_found_error"


class Conflict(ServiceError):
    status = 409
    type = "conflict_error"


class RateLimited(ServiceError):
    status = 429
    type = "rate_limit_error"


class Unavailable(ServiceError):
    status = 503
    type = "server_error"


def response_not_found(response_id: str, param: str = "response_id") -> NotFound:
    """``param`` names where the caller gave the id (``previous_response_id`` on create, ``after`` in a listing).
    Same message whether the id is unknown or owned by another account: existence must not leak."""
    return NotFound(f"No response found with id '{response_id}'.", code="response_not_found", param=param)
