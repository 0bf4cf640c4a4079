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


@pytest.mark.parametrize(("body", "param"), [
    ({"text": {"format": {"type": "json_schema", "name": "n", "schema": {}, "strict": "true"}}}, "text.format.strict"),
    ({"stream_options": {"include_obfuscation": 1}}, "stream_options.include_obfuscation"),
    ({"max_output_tokens": "100"}, "max_output_tokens"),
])
def test_nested_parameters_are_strict_too(body, param):
    # A nested model has its own config: strictness is declared on each (found by schemathesis: "true" and 1 were
    # taken as booleans inside text.format and stream_options).
    error = error_of(CreateResponseRequest, {"input": "x", **body})
    assert error["code"] == "invalid_value" and error["param"] == param


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


def test_an_integral_number_is_an_integer():
    # JSON Schema's integer (what the document says) includes 16.0; strictness is about strings and booleans
    # (found by schemathesis: 16.0 was refused for max_output_tokens).
    request = CreateResponseRequest.model_validate({"input": "x", "max_output_tokens": 16.0})
    assert request.max_output_tokens == 16 and isinstance(request.max_output_tokens, int)
    for value in (16.5, "16", True):
        error = error_of(CreateResponseRequest, {"input": "x", "max_output_tokens": value})
        assert error["param"] == "max_output_tokens"


def test_the_document_says_what_the_validators_refuse():
    # Caller-supplied tools are refused, and a text format needs its type (the discriminator reads it): the document
    # must not offer a non-empty tools list, nor a format without its type, as valid.
    schemas = build_openapi()["components"]["schemas"]
    assert schemas["CreateResponseRequest"]["properties"]["tools"]["maxItems"] == 0
    tokens = schemas["CreateResponseRequest"]["properties"]["max_output_tokens"]["anyOf"][0]
    assert tokens["type"] == "integer" and tokens["minimum"] == 16 and "ge" not in tokens
    for name in ("TextFormatText", "TextFormatJsonObject", "TextFormatJsonSchema"):
        assert "type" in schemas[name]["required"], name


def test_the_document_says_store_can_only_be_true():
    # store=false is refused (every response is kept); the document must not offer it as a valid value.
    store = build_openapi()["components"]["schemas"]["CreateResponseRequest"]["properties"]["store"]
    assert store.get("const") is True or store.get("enum") == [True]
