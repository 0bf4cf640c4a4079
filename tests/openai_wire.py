"""Strict validation of what the server sends against openai-python's types, the reference for the current
Responses spec: every Response object and every standard stream event must validate in pydantic's strict mode
(no coercion, every required field), and the only keys beyond the spec are the documented extensions.

The one documented deviation: ``incomplete_details.reason`` is ``approval_required`` or ``server_restart``, the
two pauses the seed contract names (the spec's enum lists only model-side reasons); see docs/contract-choices.md.
"""

from __future__ import annotations

import typing
from typing import Any

from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, ValidationError

# Keys beyond the spec, per spec type: the documented extensions (README, docs/contract-choices.md).
EXTENSION_KEYS: dict[str, frozenset[str]] = {
    "Response": frozenset({"output_text", "session_id", "max_cost_usd", "artifacts", "pending_approval", "plan",
                           "stream_events"}),
    "ResponseUsage": frozenset({"cost_usd", "session_cost_usd"}),
    "Reasoning": frozenset({"content"}),
}
SEED_INCOMPLETE_REASONS = frozenset({"approval_required", "server_restart"})


def _event_classes() -> dict[str, type[BaseModel]]:
    union = typing.get_args(ResponseStreamEvent)[0]
    classes = {}
    for cls in typing.get_args(union):
        (literal,) = typing.get_args(cls.model_fields["type"].annotation)
        classes[literal] = cls
    return classes


EVENT_CLASSES = _event_classes()
STANDARD_EVENT_TYPES = frozenset(EVENT_CLASSES)


class WireViolation(AssertionError):
    pass


def _extras(value: Any, path: str) -> list[tuple[str, str, str]]:
    """(path, spec type, key) of every key beyond the spec, anywhere in a validated object."""
    found: list[tuple[str, str, str]] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            found.append((path, type(value).__name__, key))
        for name in type(value).model_fields:
            found.extend(_extras(getattr(value, name), f"{path}.{name}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_extras(item, f"{path}[{index}]"))
    return found


def _relevant(exc: ValidationError) -> list[str]:
    """The errors of the union member the object claims to be: a member whose ``type`` literal does not match is
    not what the object meant (a failing union lists every member)."""
    errors = exc.errors()
    wrong = [e["loc"][:-1] for e in errors if e["loc"] and e["loc"][-1] == "type" and e["type"] == "literal_error"]
    kept = [e for e in errors if not any(e["loc"][:len(p)] == p for p in wrong)] or errors
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r:.80})" for e in kept]


def _strict(model: type[BaseModel], data: dict[str, Any], what: str) -> BaseModel:
    try:
        parsed = model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise WireViolation(f"{what} does not validate strictly as {model.__name__}: {_relevant(exc)}") from None
    unexpected = [(path, owner, key) for path, owner, key in _extras(parsed, what)
                  if key not in EXTENSION_KEYS.get(owner, frozenset())]
    if unexpected:
        raise WireViolation(f"{what} has keys outside the spec and the documented extensions: {unexpected}")
    return parsed


def validate_response(data: dict[str, Any], what: str = "response") -> Response:
    if (data.get("completed_at") is not None) != (data.get("status") == "completed"):
        raise WireViolation(f"{what}: completed_at {data.get('completed_at')!r} on a {data.get('status')} response "
                            "(the spec sets it only when completed)")
    details = data.get("incomplete_details")
    if isinstance(details, dict) and details.get("reason") in SEED_INCOMPLETE_REASONS:
        # The seed's pause reasons (the documented deviation): checked here, the rest validated strictly.
        if set(details) != {"reason"} or data.get("status") != "incomplete":
            raise WireViolation(f"{what}: incomplete_details {details} on a {data.get('status')} response")
        data = {**data, "incomplete_details": {"reason": None}}
    return _strict(Response, data, what)  # type: ignore[return-value]


def is_standard(event: dict[str, Any]) -> bool:
    return event.get("type") in STANDARD_EVENT_TYPES


def validate_event(event: dict[str, Any]) -> BaseModel:
    """A standard stream event, validated strictly (the response it carries too)."""
    kind = event.get("type")
    if kind not in EVENT_CLASSES:
        raise WireViolation(f"{kind!r} is not a ResponseStreamEvent type")
    what = f"{kind}#{event.get('sequence_number')}"
    if isinstance(event.get("response"), dict):
        validate_response(event["response"], f"{what}.response")
        event = {**event, "response": {**event["response"], "incomplete_details": None}}
    return _strict(EVENT_CLASSES[kind], event, what)
