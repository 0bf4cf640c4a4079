"""The HTTP contract as an OpenAPI 3.1 document (``GET /openapi.json``), built from the pydantic models that
validate requests and shape responses, and from the event models of the SSE streams: a field or a bound added to
one of them shows in the document by itself. Only what no model holds is written here: paths, parameter places,
statuses, links."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from pydantic import BaseModel, TypeAdapter

from agent import run_view
from agent.event_models import StreamEvent
from agent.models import (
    RESPONSE_ID_PATTERN,
    ApprovalRequest,
    ArtifactList,
    CreateResponseRequest,
    InputItemList,
    InputItemsQuery,
    ModelCatalog,
    ModelInfo,
    ModelList,
    ResponseDeleted,
    ResponseList,
    ResponseListQuery,
    ResponseObject,
    StreamPosition,
)
from responses_api.bodies import Liveness, Readiness
from responses_api.errors import ErrorEnvelope
from responses_api.parameters import CreateHeaders, RetrieveQuery, StreamView

OPENAPI_VERSION = "3.1.0"
_SCHEMAS = "#/components/schemas/"
_JSON = "application/json"
_SSE = "text/event-stream"

# Bodies: (component name, model, mode). Requests are described as they are validated, answers as serialized.
_BODIES: tuple[tuple[str, Any, str], ...] = (
    ("CreateResponseRequest", CreateResponseRequest, "validation"),
    ("ApprovalRequest", ApprovalRequest, "validation"),
    ("Response", ResponseObject, "serialization"),
    ("StreamEvent", StreamEvent, "serialization"),
    ("ResponseList", ResponseList, "serialization"),
    ("ResponseDeleted", ResponseDeleted, "serialization"),
    ("InputItemList", InputItemList, "serialization"),
    ("ArtifactList", ArtifactList, "serialization"),
    ("ModelList", ModelList, "serialization"),
    ("Model", ModelInfo, "serialization"),
    ("ModelCatalog", ModelCatalog, "serialization"),
    ("ErrorEnvelope", ErrorEnvelope, "serialization"),
    ("Liveness", Liveness, "serialization"),
    ("Readiness", Readiness, "serialization"),
)
# Models of query and header parameters: each field is one parameter (its alias is the wire name).
_PARAMETER_MODELS: tuple[type[BaseModel], ...] = (StreamPosition, RetrieveQuery, CreateHeaders, StreamView,
                                                  ResponseListQuery, InputItemsQuery)

# Error statuses: (component name, description). Every one of them carries the error envelope.
_ERRORS = {
    400: ("BadRequest", "Invalid request: `invalid_value`, `missing_required_parameter`, `unknown_parameter`, "
                        "`invalid_json`, `model_not_found`, `request_too_large`, `invalid_idempotency_key`."),
    401: ("Unauthorized", "Missing or invalid Hugging Face token (`missing_token`, `invalid_token`)."),
    403: ("Forbidden", "The token may not be used here (`inference_provider_permission_required`, "
                       "`organization_token_not_supported`)."),
    404: ("NotFound", "`response_not_found`: unknown id, or another account's (existence never leaks); "
                      "`model_not_found`, `route_not_found`."),
    409: ("Conflict", "`session_busy`, `session_paused`, `no_pending_approval`, a response still running or "
                      "continued by another (sent with `x-should-retry: false`)."),
    429: ("TooManyRequests", "`too_many_live_sessions`, `server_at_capacity`."),
    500: ("ServerError", "An unexpected failure (`server_error`)."),
    503: ("Unavailable", "`hub_unavailable` (token validation could not reach the Hub), `session_unavailable`, "
                         "`server_shutting_down`, `store_unavailable` (the database is unreachable; retry)."),
}
_V1_ERRORS = (401, 403, 500, 503)  # every authenticated route


def build_openapi(supported_models: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The document; ``supported_models`` (the server's setting) narrows the request's ``model`` to them."""
    inputs = [((name, mode), mode, TypeAdapter(model)) for name, model, mode in _BODIES]
    inputs += [((model.__name__, "validation"), "validation", TypeAdapter(model)) for model in _PARAMETER_MODELS]
    refs, definitions = TypeAdapter.json_schemas(inputs, ref_template=_SCHEMAS + "{model}")
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    # A parameter model is a set of parameters, not a body: its fields become parameters.
    parameters = {model.__name__: schemas.pop(model.__name__) for model in _PARAMETER_MODELS}
    bodies = {}
    for name, _model, mode in _BODIES:
        schema = refs[((name, mode), mode)]
        if "$ref" not in schema:  # a union (the stream events): one named component
            schemas[name], schema = schema, _ref(name)
        bodies[name] = schema
    if supported_models:
        create = schemas[bodies["CreateResponseRequest"]["$ref"].removeprefix(_SCHEMAS)]
        _narrow_string(create["properties"]["model"], list(supported_models))
    # What an SSE answer's schema describes is each frame (as OpenAPI 3.2's itemSchema does): frames carry an event
    # as JSON in their data (responses_api/sse.py writes them).
    schemas["ServerSentEvent"] = {
        "type": "object",
        "description": "One SSE frame: `id:` the event's sequence_number, `event:` its type, `data:` the event.",
        "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
            "event": {"type": "string"},
            "data": {"type": "string", "contentMediaType": _JSON, "contentSchema": bodies["StreamEvent"]},
        },
    }
    bodies["ServerSentEvent"] = _ref("ServerSentEvent")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "ML Intern API",
            "version": _version(),
            "description": ("An autonomous ML-engineering agent served over the OpenAI Responses API (with "
                            "extensions) and MCP, acting as the caller on Hugging Face. Every `/v1` request needs "
                            "`Authorization: Bearer <Hugging Face user token>`. Every non-2xx answer carries the "
                            "OpenAI error envelope. Streams are server-sent events (`ServerSentEvent`): each "
                            "frame's `data:` holds one `StreamEvent`, its `sequence_number` is the frame's `id:`. "
                            "Keep-alives are comment lines."),
        },
        "paths": _paths(bodies, parameters),
        "components": {
            "schemas": schemas,
            "responses": {name: {"description": description, "content": {_JSON: {"schema": bodies["ErrorEnvelope"]}}}
                          for name, description in _ERRORS.values()},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A Hugging Face user access token (classic, or fine-grained with "
                               "`inference.serverless.write`). Organization tokens are refused."}},
        },
    }


def _version() -> str:
    try:
        return metadata.version("ml-intern-api")
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        return "0.0.0"


def _narrow_string(schema: dict[str, Any], values: list[str]) -> None:
    """Restrict the string branch of a (nullable) string property to ``values``."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["enum"] = values


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS + name}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/{_ERRORS[status][0]}"} for status in sorted(statuses)}


def _parameter(holder: dict[str, Any], field: str, location: str, name: str | None = None,
               description: str | None = None) -> dict[str, Any]:
    """One field of a parameter model as an OpenAPI parameter (``name`` overrides the wire name)."""
    schema = _without_null(dict(holder["properties"][field]))
    schema.pop("title", None)
    text = description or schema.pop("description", None)
    parameter = {"name": name or field, "in": location, "required": field in holder.get("required", ()),
                 "schema": schema}
    if text:
        parameter["description"] = text
    return parameter


_RESPONSE_ID = {"name": "response_id", "in": "path", "required": True, "schema": {"type": "string"},
                "description": "A response id (`resp_` + 32 hex digits); any other value is simply not found."}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without the ``null`` of an optional field: a query string or header has no null, an
    absent parameter is how it is left out."""
    branches = [branch for branch in schema.get("anyOf", ()) if branch != {"type": "null"}]
    if "anyOf" not in schema or len(branches) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf" and not (key == "default" and value is None)}
    return {**branches[0], **rest}


def _query_parameters(holder: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of a query model as a query parameter (an array repeats its name: ``include=a&include=b``)."""
    return [_parameter(holder, field, "query") for field in holder["properties"]]


def _links(*operations: str) -> dict[str, Any]:
    """Links from an answer holding a response object to the operations that act on that response."""
    return {operation: {"operationId": operation, "parameters": {"response_id": "$response.body#/id"}}
            for operation in operations}


def _paths(bodies: dict[str, dict[str, Any]], parameters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    position, options, headers, view = (parameters["StreamPosition"], parameters["RetrieveQuery"],
                                        parameters["CreateHeaders"], parameters["StreamView"])
    stream_events = _parameter(view, "stream_events", "query")
    starting_after = _parameter(position, "starting_after", "query",
                                description="Stream the events after this sequence number (-1: from the start).")
    last_event_id = _parameter(position, "starting_after", "header", name="Last-Event-ID",
                               description="SSE resumption: the `id:` of the last event received "
                                           "(`starting_after` wins when both are sent).")
    bearer = [{"bearerAuth": []}]
    response_json = {_JSON: {"schema": bodies["Response"]}}
    events = {_SSE: {"schema": bodies["ServerSentEvent"]}}
    on_response = ("retrieveResponse", "streamResponseEvents", "cancelResponse", "approveResponse",
                   "listResponseArtifacts", "listInputItems", "deleteResponse")
    return {
        "/v1/responses": {"get": {
            "operationId": "listResponses",
            "summary": "The caller's responses, newest first (cursor: `after` = the last id of the previous page)",
            "security": bearer,
            "parameters": _query_parameters(parameters["ResponseListQuery"]),
            "responses": {"200": {"description": "A page of response objects.",
                                  "content": {_JSON: {"schema": bodies["ResponseList"]}}},
                          **_errors(400, 404, *_V1_ERRORS)},  # 404: an `after` that is not one of the caller's
        }, "post": {
            "operationId": "createResponse",
            "summary": "Create a response: in the background, streamed, or synchronously",
            "description": ("`background: true` returns at once (status `queued`); `stream: true` answers with the "
                            "event stream until the turn ends or pauses; otherwise the call waits up to "
                            "`wait_timeout_seconds` and returns the object as it is then. A repeated "
                            "`Idempotency-Key` returns the first response."),
            "security": bearer,
            "parameters": [_parameter(headers, "Idempotency-Key", "header")],
            "requestBody": {"required": True, "content": {_JSON: {"schema": bodies["CreateResponseRequest"]}}},
            "responses": {
                "200": {"description": "The response object (JSON), or its event stream when `stream` is true.",
                        "content": {**response_json, **events}, "links": _links(*on_response)},
                **_errors(400, 404, 409, 429, *_V1_ERRORS),
            },
        }},
        "/v1/responses/{response_id}": {"delete": {
            "operationId": "deleteResponse",
            "summary": "Delete a finished response (a running one must be cancelled first)",
            "security": bearer,
            "parameters": [_RESPONSE_ID],
            "responses": {"200": {"description": "Deleted; the id is not found afterwards.",
                                  "content": {_JSON: {"schema": bodies["ResponseDeleted"]}}},
                          **_errors(404, 409, *_V1_ERRORS)},
        }, "get": {
            "operationId": "retrieveResponse",
            "summary": "The response object, or (`stream=true`) its events from `starting_after`",
            "security": bearer,
            "parameters": [_RESPONSE_ID, _parameter(options, "stream", "query"), starting_after, last_event_id,
                           stream_events],
            "responses": {
                "200": {"description": "The response object, or its event stream.",
                        "content": {**response_json, **events},
                        "links": _links("streamResponseEvents", "cancelResponse", "approveResponse",
                                        "listResponseArtifacts", "listInputItems", "deleteResponse")},
                **_errors(400, 404, *_V1_ERRORS),
            },
        }},
        "/v1/responses/{response_id}/input_items": {"get": {
            "operationId": "listInputItems",
            "summary": "The input items of the request that created the response (cursor pagination)",
            "security": bearer,
            "parameters": [_RESPONSE_ID, *_query_parameters(parameters["InputItemsQuery"])],
            "responses": {"200": {"description": "A page of input items.",
                                  "content": {_JSON: {"schema": bodies["InputItemList"]}}},
                          **_errors(400, 404, *_V1_ERRORS)},
        }},
        "/v1/responses/{response_id}/events": {"get": {
            "operationId": "streamResponseEvents",
            "summary": "The response's events as SSE, after `starting_after` / `Last-Event-ID`",
            "description": ("Replays the stored events, then follows the live turn; ends after the terminal (or "
                            "pausing) event. Keep-alives are SSE comment lines."),
            "security": bearer,
            "parameters": [_RESPONSE_ID, starting_after, last_event_id, stream_events],
            "responses": {"200": {"description": "The event stream.", "content": events},
                          **_errors(400, 404, *_V1_ERRORS)},
        }},
        "/v1/responses/{response_id}/cancel": {"post": {
            "operationId": "cancelResponse",
            "summary": "Cancel a running response (asynchronous and idempotent)",
            "description": "A finished response is returned unchanged, with 200.",
            "security": bearer,
            "parameters": [_RESPONSE_ID],
            "responses": {"200": {"description": "The response object as it is now.", "content": response_json,
                                  "links": _links("retrieveResponse", "streamResponseEvents", "approveResponse")},
                          **_errors(404, *_V1_ERRORS)},
        }},
        "/v1/responses/{response_id}/approvals": {"post": {
            "operationId": "approveResponse",
            "summary": "Approve or deny the actions a paused response waits for, and resume it",
            "security": bearer,
            "parameters": [_RESPONSE_ID],
            "requestBody": {"required": True, "content": {_JSON: {"schema": bodies["ApprovalRequest"]}}},
            "responses": {"200": {"description": "The resumed response (`in_progress`).", "content": response_json,
                                  "links": _links("retrieveResponse", "streamResponseEvents", "cancelResponse")},
                          **_errors(400, 404, 409, 429, *_V1_ERRORS)},
        }},
        "/v1/responses/{response_id}/artifacts": {"get": {
            "operationId": "listResponseArtifacts",
            "summary": "The Hub resources the response produced",
            "security": bearer,
            "parameters": [_RESPONSE_ID],
            "responses": {"200": {"description": "The artifacts.",
                                  "content": {_JSON: {"schema": bodies["ArtifactList"]}}},
                          **_errors(404, *_V1_ERRORS)},
        }},
        "/v1/models": {"get": {
            "operationId": "listModels",
            "summary": "The models a request may name (OpenAI's list shape)",
            "security": bearer,
            "responses": {"200": {"description": "The models.", "content": {_JSON: {"schema": bodies["ModelList"]}}},
                          **_errors(*_V1_ERRORS)},
        }},
        "/v1/models/{model_id}": {"get": {
            "operationId": "retrieveModel",
            "summary": "One supported model",
            "security": bearer,
            "parameters": [{"name": "model_id", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "A model id, its `/` encoded as `%2F` (or sent as is)."}],
            "responses": {"200": {"description": "The model.", "content": {_JSON: {"schema": bodies["Model"]}}},
                          **_errors(404, *_V1_ERRORS)},
        }},
        "/api/config/model": {"get": {
            "operationId": "getModelConfig",
            "summary": "The supported models and the default",
            "responses": {"200": {"description": "The models.", "content": {_JSON: {"schema": bodies["ModelCatalog"]}}},
                          **_errors(500)},
        }},
        "/healthz": {"get": {
            "operationId": "healthz", "summary": "Liveness: the process serves requests",
            "responses": {"200": {"description": "Alive.", "content": {_JSON: {"schema": bodies["Liveness"]}}}},
        }},
        "/readyz": {"get": {
            "operationId": "readyz",
            "summary": "Readiness: started, not shutting down, and the database answers",
            "responses": {
                "200": {"description": "Ready.", "content": {_JSON: {"schema": bodies["Readiness"]}}},
                "503": {"description": "Not ready (a probe's answer, not an API error: no envelope).",
                        "content": {_JSON: {"schema": bodies["Readiness"]}}},
            },
        }},
        "/metrics": {"get": {
            "operationId": "metrics", "summary": "Prometheus metrics of this replica",
            "responses": {"200": {"description": "Prometheus text exposition format.",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}},
        }},
        "/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1.", "content": {_JSON: {"schema": {"type": "object"}}}}},
        }},
        **{path: {"get": {
            "operationId": operation_id,
            "summary": f"OAuth protected-resource metadata (RFC 9728) for {what}",
            "description": ("Tells MCP hosts that the resource takes Hugging Face user tokens as bearer tokens and "
                            "has no authorization server to discover (docs/mcp.md)."),
            "responses": {"200": {"description": "The metadata.", "content": {_JSON: {"schema": {
                "type": "object", "required": ["resource"],
                "properties": {"resource": {"type": "string"}, "resource_name": {"type": "string"},
                               "authorization_servers": {"type": "array", "items": {"type": "string"}},
                               "bearer_methods_supported": {"type": "array", "items": {"type": "string"}},
                               "resource_documentation": {"type": "string"}}}}}}},
        }} for path, operation_id, what in (
            ("/.well-known/oauth-protected-resource", "resourceMetadata", "the whole origin"),
            ("/.well-known/oauth-protected-resource/mcp", "mcpResourceMetadata", "/mcp"))},
        **{path: {"get": {
            "operationId": operation_id,
            "summary": summary,
            "description": ("The run page (docs/run-page.md): static HTML whose script signs in with a pasted Hugging "
                            "Face token and reads `/v1` with it. No token is sent to this route."),
            **({"parameters": [{"name": "response_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": RESPONSE_ID_PATTERN}}]} if "{" in path else {}),
            "responses": {"200": {"description": "The page shell.", "content": {"text/html": {"schema": {
                "type": "string"}}}}, **(_errors(404) if "{" in path else {})},
        }} for path, operation_id, summary in (
            ("/", "runPageHome", "The run page: sign in, your runs, a new task"),
            ("/runs/{response_id}", "runPageRun", "The run page: one run, live"))},
        "/run-view/{name}": {"get": {
            "operationId": "runPageAsset",
            "summary": "A file of the run page (style, scripts, vendored libraries and their licences)",
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": sorted(run_view.ASSETS)}}],
            "responses": {"200": {"description": "The file.", "content": {
                media: {"schema": {"type": "string"}} for media in ("text/css", "text/javascript", "text/plain")}},
                **_errors(404)},
        }},
        "/mcp": {method: {
            "operationId": f"mcp_{method}",
            "summary": f"MCP streamable HTTP ({method.upper()})",
            "description": ("The MCP endpoint (JSON-RPC over streamable HTTP, stateless): tools `submit_task`, "
                            "`get_response`, `approve`, `cancel`, `list_artifacts`. See docs/mcp.md; its messages "
                            "are described by the MCP specification, not here."),
            "security": bearer,
            **({"requestBody": {"required": True, "content": {_JSON: {"schema": {}}}}} if method == "post" else {}),
            "responses": {"200": {"description": "A JSON-RPC answer, or an SSE stream of them.",
                                  "content": {_JSON: {"schema": {}}, _SSE: {"schema": {}}}},
                          "default": {"description": "A transport-level refusal (auth, host, origin, method)."}},
        } for method in ("post", "get", "delete")},
    }
