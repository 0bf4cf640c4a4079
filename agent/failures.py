"""Why a run fails, and the Responses spec's ``ResponseErrorCode`` for each reason.

The spec's codes are few and mostly about images; a failed run reports the closest one as ``error.code`` and its
precise reason as ``error.type`` (the spec's free-text "original error type"), so clients that switch on the
spec's codes keep working and callers still see exactly what happened (docs/contract-choices.md)."""

from __future__ import annotations

from enum import StrEnum

from agent.llm import ModelErrorCode
from agent.models import ResponseError, ResponseErrorCode


class RunFailure(StrEnum):
    """Why a turn fails other than a model call's error (those are ``llm.ModelErrorCode``)."""

    MAX_ITERATIONS = "max_iterations_exceeded"
    REPETITION = "repetition_detected"
    APPROVAL_DENIED = "approval_denied"
    REASONING_BUDGET = "reasoning_budget_exhausted"
    RUNTIME_ERROR = "runtime_error"  # a bug in the agent runtime: the turn was stopped
    STORE_UNAVAILABLE = "store_unavailable"  # the database stayed unreachable longer than store_retry_seconds
    ANSWER_FORMAT = "answer_format_invalid"  # the final answer kept missing the requested text.format


# Every reason has its row (a test checks it): a reason missing here would silently become ``server_error``.
SPEC_CODES: dict[str, ResponseErrorCode] = {
    ModelErrorCode.RATE_LIMITED: "rate_limit_exceeded",
    ModelErrorCode.PROVIDER_ERROR: "server_error",
    ModelErrorCode.RESPONSE_INVALID: "server_error",
    ModelErrorCode.TIMEOUT: "server_error",
    ModelErrorCode.UNREACHABLE: "server_error",
    ModelErrorCode.AUTH_FAILED: "server_error",
    ModelErrorCode.INSUFFICIENT_CREDITS: "server_error",
    ModelErrorCode.PERMISSION_DENIED: "server_error",
    ModelErrorCode.REQUEST_INVALID: "invalid_prompt",
    RunFailure.MAX_ITERATIONS: "server_error",
    RunFailure.REPETITION: "server_error",
    RunFailure.APPROVAL_DENIED: "server_error",
    RunFailure.REASONING_BUDGET: "server_error",
    RunFailure.RUNTIME_ERROR: "server_error",
    RunFailure.STORE_UNAVAILABLE: "server_error",
    RunFailure.ANSWER_FORMAT: "server_error",
}


def spec_code(reason: str) -> ResponseErrorCode:
    return SPEC_CODES.get(reason, "server_error")


def run_error(reason: str, message: str) -> ResponseError:
    """The response's ``error`` for a run that failed for ``reason``."""
    return ResponseError(code=spec_code(reason), type=str(reason), message=message)
