"""/v1 routes: parse, authenticate, call the service, render. No rule lives here."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent.errors import InvalidRequest
from agent.identity import Identity
from agent.json_limits import JsonRefused, loads_bounded
from agent.metrics import CONTENT_TYPE_LATEST
from agent.models import (
    MAX_SEQUENCE_NUMBER,
    ApprovalRequest,
    ArtifactList,
    CreateResponseRequest,
    InputItemsQuery,
    ResponseListQuery,
    StreamEvents,
    StreamPosition,
)
from agent.service import AgentService
from responses_api.bodies import Liveness, Readiness
from responses_api.errors import envelope, validation_error_response
from responses_api.openapi import build_openapi
from responses_api.parameters import RetrieveQuery, StreamView
from responses_api.sse import sse_response

# Bodies beyond this are refused before parsing (200 messages × 100,000 chars fits).
MAX_BODY_BYTES = 24 * 1024 * 1024


def _service(request: Request) -> AgentService:
    return request.app.state.service


async def _identity(request: Request) -> Identity:
    return await _service(request).authenticate(request.headers.get("authorization"))


async def _json_body(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidRequest(f"Request body exceeds {MAX_BODY_BYTES} bytes.", code="request_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise InvalidRequest(f"Request body exceeds {MAX_BODY_BYTES} bytes.", code="request_too_large")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_json")
    try:
        return loads_bounded(raw)
    except JsonRefused as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from None


def _starting_after(request: Request) -> int:
    source, raw = "starting_after", request.query_params.get("starting_after")
    if raw is None:
        source, raw = "Last-Event-ID", request.headers.get("last-event-id")
    if raw is None or raw == "":
        return -1
    try:
        return StreamPosition(starting_after=raw).starting_after
    except ValidationError:
        # ``param`` is the parameter's name whichever spelling carried it (the header is its alias).
        raise InvalidRequest(f"{source} must be an integer sequence number from -1 to {MAX_SEQUENCE_NUMBER}.",
                             code="invalid_value", param="starting_after") from None


def _stream_events(request: Request, stored: StreamEvents) -> StreamEvents:
    """A resumed stream's view: ``?stream_events=`` when given, else the one its response was created with."""
    try:
        view = StreamView.model_validate(request.query_params).stream_events
    except ValidationError:
        raise InvalidRequest(f"stream_events must be one of: {', '.join(get_args(StreamEvents))}.",
                             code="invalid_value", param="stream_events") from None
    return stored if view is None else view


async def _parse_body(request: Request, model: type[BaseModel]) -> Any:
    """The JSON object body as ``model``, or the OpenAI-style 400 naming the first invalid field."""
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_json")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        return validation_error_response(exc)


def _query(request: Request, model: type[BaseModel], lists: tuple[str, ...] = ()) -> Any:
    """The query string as ``model`` (``lists``: parameters that may repeat, ``?include=a&include=b``), or the
    OpenAI-style 400 naming the first invalid one."""
    params: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in lists:
            params.setdefault(name, []).append(value)
        elif name.endswith("[]") and name[:-2] in lists:  # the openai SDKs' array style: include[]=a
            params.setdefault(name[:-2], []).append(value)
        elif name in params:
            raise InvalidRequest(f"'{name}' may be given once.", code="invalid_value", param=name)
        else:
            params[name] = value
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        return validation_error_response(exc)


async def create_response(request: Request) -> Response:
    identity = await _identity(request)
    create = await _parse_body(request, CreateResponseRequest)
    if isinstance(create, Response):
        return create
    service = _service(request)
    idempotency_key = request.headers.get("idempotency-key")
    if create.stream:
        return sse_response(await service.submit_streaming(identity, create, idempotency_key=idempotency_key),
                            service.metrics, stream_events=create.stream_events)
    response = await service.submit(identity, create, idempotency_key=idempotency_key)
    if not create.background:
        response = await service.wait(identity, response.id, timeout=create.wait_timeout_seconds)
    return JSONResponse(response.public())


async def retrieve_response(request: Request) -> Response:
    identity = await _identity(request)
    service = _service(request)
    response_id = request.path_params["response_id"]
    try:
        stream = RetrieveQuery.model_validate(request.query_params).stream
    except ValidationError:
        raise InvalidRequest("stream must be true or false.", code="invalid_value", param="stream") from None
    if stream:
        starting_after = _starting_after(request)
        response = await service.get(identity, response_id)  # 404 before the stream starts
        return sse_response(service.subscribe_batches(identity, response_id, starting_after=starting_after),
                            service.metrics, stream_events=_stream_events(request, response.stream_events))
    return Response((await service.get_json(identity, response_id)), media_type="application/json")


async def response_events(request: Request) -> Response:
    identity = await _identity(request)
    service = _service(request)
    response_id = request.path_params["response_id"]
    starting_after = _starting_after(request)
    response = await service.get(identity, response_id)
    return sse_response(service.subscribe_batches(identity, response_id, starting_after=starting_after),
                        service.metrics, stream_events=_stream_events(request, response.stream_events))


async def cancel_response(request: Request) -> Response:
    identity = await _identity(request)
    response = await _service(request).cancel(identity, request.path_params["response_id"])
    return JSONResponse(response.public())


async def approve_response(request: Request) -> Response:
    identity = await _identity(request)
    decision = await _parse_body(request, ApprovalRequest)
    if isinstance(decision, Response):
        return decision
    response = await _service(request).approve(
        identity, request.path_params["response_id"], approve=decision.approve,
        new_max_cost_usd=decision.new_max_cost_usd, feedback=decision.feedback)
    return JSONResponse(response.public())


async def list_response_artifacts(request: Request) -> Response:
    identity = await _identity(request)
    artifacts = await _service(request).list_artifacts(identity, response_id=request.path_params["response_id"])
    return JSONResponse(ArtifactList.model_validate({"data": artifacts}).model_dump(exclude_none=True))


async def list_responses(request: Request) -> Response:
    identity = await _identity(request)
    query = _query(request, ResponseListQuery)
    if isinstance(query, Response):
        return query
    return JSONResponse((await _service(request).list_responses(identity, query)).public())


async def list_input_items(request: Request) -> Response:
    identity = await _identity(request)
    query = _query(request, InputItemsQuery, lists=("include",))
    if isinstance(query, Response):
        return query
    page = await _service(request).input_items(identity, request.path_params["response_id"], query)
    return JSONResponse(page.model_dump(mode="json"))


async def delete_response(request: Request) -> Response:
    identity = await _identity(request)
    deleted = await _service(request).delete(identity, request.path_params["response_id"])
    return JSONResponse(deleted.model_dump(mode="json"))


async def list_models(request: Request) -> Response:
    await _identity(request)
    return JSONResponse(_service(request).models().model_dump(mode="json"))


async def retrieve_model(request: Request) -> Response:
    await _identity(request)
    return JSONResponse(_service(request).model(request.path_params["model_id"]).model_dump(mode="json"))


async def model_config(request: Request) -> Response:
    return JSONResponse(_service(request).model_config())


async def healthz(request: Request) -> Response:
    """Liveness: the process serves requests."""
    return JSONResponse(Liveness().model_dump())


async def readyz(request: Request) -> Response:
    """Readiness: started, not shutting down, and the database answers."""
    service = getattr(request.app.state, "service", None)
    if service is None or not await service.ready():
        state = "draining" if service is not None and service.draining else "unavailable"
        return JSONResponse(Readiness(status=state).model_dump(), status_code=503)
    return JSONResponse(Readiness(status="ready").model_dump())


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this replica (no token, account or free text in any label)."""
    return Response(_service(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def openapi_document(request: Request) -> Response:
    """The HTTP contract (OpenAPI 3.1), built once per app from the models."""
    document = getattr(request.app.state, "openapi", None)
    if document is None:
        document = request.app.state.openapi = build_openapi(request.app.state.settings.supported_models)
    return JSONResponse(document)


async def not_found(request: Request) -> Response:
    return envelope(404, f"Unknown route: {request.method} {request.url.path}", code="route_not_found")


def _by_method(**endpoints: Any) -> Any:
    """One endpoint per path dispatching on the method: a 405 then lists every method the path takes in ``Allow``
    (with a route per method, Starlette lists only the first route's)."""
    async def endpoint(request: Request) -> Response:
        method = request.method.lower()
        return await endpoints["get" if method == "head" else method](request)  # Starlette adds HEAD to GET

    return endpoint


routes = [
    Route("/v1/responses", _by_method(post=create_response, get=list_responses), methods=["GET", "POST"]),
    Route("/v1/responses/{response_id}", _by_method(get=retrieve_response, delete=delete_response),
          methods=["GET", "DELETE"]),
    Route("/v1/responses/{response_id}/input_items", list_input_items, methods=["GET"]),
    Route("/v1/responses/{response_id}/events", response_events, methods=["GET"]),
    Route("/v1/responses/{response_id}/cancel", cancel_response, methods=["POST"]),
    Route("/v1/responses/{response_id}/approvals", approve_response, methods=["POST"]),
    Route("/v1/responses/{response_id}/artifacts", list_response_artifacts, methods=["GET"]),
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id:path}", retrieve_model, methods=["GET"]),
    Route("/api/config/model", model_config, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi_document, methods=["GET"]),
]
