"""Booleans and numbers in request bodies are taken as JSON types, not coerced: ``"background": 0``, ``"yes"`` or
``"max_cost_usd": "3"`` are 400 ``invalid_value`` naming the parameter, as /openapi.json documents them (found by
the schemathesis run: schema-violating requests were accepted)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agent.models import ApprovalRequest, CreateResponseRequest
from responses_api.errors import validation_error_response
from responses_api.openapi import build_openapi


def error_of(model, body: dict) -> dict:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(body)
    return json.loads(validation_error_response(raised.value).body)["error"]


@pytest.mark.parametrize(("field", "value"), [
    ("background", 0), ("background", 1), ("background", "yes"), ("background", "true"),
    ("stream", 1), ("stream", "false"), ("parallel_tool_calls", 0), ("store", 1),
    ("temperature", False), ("temperature", "0.5"), ("top_p", True), ("top_p", "1"),
    ("max_cost_usd", "3"), ("max_cost_usd", True), ("wait_timeout_seconds", "10"), ("wait_timeout_seconds", True),
])
def test_create_refuses_coerced_booleans_and_numbers(field, value):
    error = error_of(CreateResponseRequest, {"input": "x", field: value})
    assert error["code"] == "invalid_value" and error["param"] == field


@pytest.mark.parametrize(("field", "value"), [("approve", 1), ("approve", "yes"), ("new_max_cost_usd", "2"),
                                              ("new_max_cost_usd", False)])
def test_approval_refuses_coerced_booleans_and_numbers(field, value):
    error = error_of(ApprovalRequest, {"approve": True, field: value})
    assert error["code"] == "invalid_value" and error["param"] == field


def test_json_types_are_accepted_integers_as_numbers_included():
    request = CreateResponseRequest.model_validate({"input": "x", "background": True, "stream": False,
                                                    "temperature": 1, "top_p": 0.5, "max_cost_usd": 3,
                                                    "wait_timeout_seconds": 10})
    assert request.max_cost_usd == 3.0 and isinstance(request.max_cost_usd, float)
    assert ApprovalRequest.model_validate({"approve": False, "new_max_cost_usd": 2}).new_max_cost_usd == 2.0


def test_the_document_says_store_can_only_be_true():
    # store=false is refused (every response is kept); the document must not offer it as a valid value.
    store = build_openapi()["components"]["schemas"]["CreateResponseRequest"]["properties"]["store"]
    assert store.get("const") is True or store.get("enum") == [True]
