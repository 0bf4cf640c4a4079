"""/openapi.json: a valid OpenAPI 3.1 document, built from the models, naming every route; real answers of the
server (against the emulator) validate against it, error envelopes and SSE events included."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from agent.event_models import EVENT_MODELS
from agent.models import LIST_MAX_LIMIT, MAX_SEQUENCE_NUMBER, CreateResponseRequest
from tests.conftest import ALICE, BOB, CAROL_NO_INFERENCE, ORG_TOKEN, ServerHandle, make_settings, run_server
from tests.integration.helpers import hang, nonce, uscript
from tests.openapi_contract import Contract

FAKE_ID = "resp_" + "0" * 32


@pytest.fixture(scope="module")
def document(server: ServerHandle) -> dict:
    reply = httpx.get(f"{server.url}/openapi.json", timeout=30)  # no token needed
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    return reply.json()


@pytest.fixture(scope="module")
def contract(document: dict) -> Contract:
    return Contract(document)


class Checked:
    """An httpx client whose every answer is checked against the document as it arrives."""

    def __init__(self, server: ServerHandle, contract: Contract, token: str | None) -> None:
        self.client = server.client(token, timeout=60)
        self.contract = contract
        self.statuses: set[tuple[str, str, int]] = set()

    def request(self, method: str, path: str, **kwargs) -> tuple[httpx.Response, list]:
        with self.client.stream(method, path, **kwargs) as reply:
            body = reply.read().decode()
        values = self.contract.check(method, path, reply, body)
        self.statuses.add((method, self.contract.template(path), reply.status_code))
        return reply, values


@pytest.fixture
def checked(server: ServerHandle, contract: Contract) -> Iterator[callable]:
    opened: list[Checked] = []

    def make(token: str | None = ALICE) -> Checked:
        opened.append(Checked(server, contract, token))
        return opened[-1]

    yield make
    for client in opened:
        client.client.close()


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_route_is_documented_and_every_documented_path_is_routed(emulator, tmp_path, document):
    from starlette.routing import Route

    from responses_api.app import create_app

    app = create_app(make_settings(emulator, f"sqlite:///{tmp_path / 'db.sqlite'}"))
    routed = set()
    for route in app.routes:
        assert isinstance(route, Route), route
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # Starlette's {model_id:path} is OpenAPI's {model_id}
        routed.add(path)
        documented = document["paths"].get(path)
        assert documented is not None, f"{route.path} is not in /openapi.json"
        # Starlette adds HEAD to GET routes; a route without methods (/mcp) takes them all: POST, GET, DELETE.
        methods = {m.lower() for m in (route.methods or {"POST", "GET", "DELETE"})} - {"head"}
        assert methods <= set(documented), f"{route.path}: {methods - set(documented)} not documented"
    assert set(document["paths"]) == routed


def _keys(node) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def test_bounds_and_events_come_from_the_models(document):
    # A bound pydantic cannot translate lands under its own name (ge, le...), which no validator reads.
    assert not {"ge", "gt", "le", "lt", "max_length", "min_length"} & set(_keys(document["components"]))
    schemas = document["components"]["schemas"]
    create = schemas["CreateResponseRequest"]["properties"]
    field = CreateResponseRequest.model_fields["max_cost_usd"]
    assert field.metadata  # the bound lives on the model...
    cost = next(s for s in create["max_cost_usd"]["anyOf"] if s.get("type") == "number")
    assert cost["exclusiveMinimum"] == 0 and cost["maximum"] == 500  # ...and shows in the document
    assert schemas["CreateResponseRequest"]["additionalProperties"] is False
    retrieve = document["paths"]["/v1/responses/{response_id}"]["get"]
    starting_after = next(p for p in retrieve["parameters"] if p["name"] == "starting_after")
    assert starting_after["schema"]["minimum"] == -1 and starting_after["schema"]["maximum"] == MAX_SEQUENCE_NUMBER
    assert {p["name"] for p in retrieve["parameters"]} == {"response_id", "stream", "starting_after", "Last-Event-ID",
                                                           "stream_events"}
    listing = document["paths"]["/v1/responses"]["get"]["parameters"]
    assert next(p for p in listing if p["name"] == "limit")["schema"]["maximum"] == LIST_MAX_LIMIT
    create_op = document["paths"]["/v1/responses"]["post"]
    assert [p["name"] for p in create_op["parameters"]] == ["Idempotency-Key"]
    # Every event type has its model in the SSE schema (a discriminated union on `type`).
    events = schemas["StreamEvent"]
    assert set(events["discriminator"]["mapping"]) == set(EVENT_MODELS)
    sse = create_op["responses"]["200"]["content"]["text/event-stream"]["schema"]
    assert sse == {"$ref": "#/components/schemas/ServerSentEvent"}  # each frame; its data is a StreamEvent
    frame_data = schemas["ServerSentEvent"]["properties"]["data"]
    assert frame_data["contentSchema"] == {"$ref": "#/components/schemas/StreamEvent"}
    # Every error status of every operation carries the envelope.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/readyz":
                    assert response["$ref"].startswith("#/components/responses/"), (method, path, status)
    for response in document["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_real_answers_validate_against_the_document(checked, server, emulator):
    alice, bob = checked(ALICE), checked(BOB)
    # Background, then the object and its events in every documented way.
    reply, (created,) = alice.request("POST", "/v1/responses", json={
        "input": uscript({"say": "Looking.", "calls": [{"call": "plan", "arguments": {
            "steps": [{"title": "look", "status": "in_progress"}]}}]},
            {"call": "hub_create_repo", "arguments": {"repo_id": f"alice/contract-{nonce()}"}},
            {"say": "Done, with a repo."}),
        "background": True, "metadata": {"k": "v"}}, headers={"Idempotency-Key": f"k-{nonce()}"})
    rid = created["id"]
    _, events = alice.request("GET", f"/v1/responses/{rid}/events")
    assert events[-1]["type"] == "response.completed"
    kinds = {e["type"] for e in events}
    assert {"response.plan.updated", "response.artifact.created", "response.llm_call",
            "response.output_text.delta", "response.reasoning_text.delta"} <= kinds
    alice.request("GET", f"/v1/responses/{rid}")
    alice.request("GET", f"/v1/responses/{rid}", params={"stream": "true", "starting_after": 2})
    alice.request("GET", f"/v1/responses/{rid}/events", headers={"Last-Event-ID": "3"})
    _, (artifacts,) = alice.request("GET", f"/v1/responses/{rid}/artifacts")
    assert artifacts["data"]
    alice.request("POST", f"/v1/responses/{rid}/cancel")  # finished: 200, unchanged
    # The companion routes.
    _, (page,) = alice.request("GET", "/v1/responses", params={"limit": 2})
    assert page["data"]
    alice.request("GET", "/v1/responses", params={"status": "someday"})  # 400
    _, (items,) = alice.request("GET", f"/v1/responses/{rid}/input_items", params={"order": "asc"})
    assert items["data"]
    alice.request("GET", "/v1/models")
    alice.request("GET", "/v1/models/moonshotai%2FKimi-K2.6:novita")  # the id as one path segment
    alice.request("GET", "/v1/models/nope")  # 404
    # Streamed and synchronous creates.
    alice.request("POST", "/v1/responses", json={"input": uscript({"say": "streamed"}), "stream": True})
    alice.request("POST", "/v1/responses", json={"input": uscript({"say": "sync"}), "wait_timeout_seconds": 30})
    # A pause for approval, its 409s, the approval, a denial of nothing.
    _, (paused,) = alice.request("POST", "/v1/responses", json={
        "input": uscript({"say": "after approval"}), "background": True, "max_cost_usd": 0.0001})
    _, pause_events = alice.request("GET", f"/v1/responses/{paused['id']}/events")
    assert pause_events[-1]["type"] == "response.incomplete"
    alice.request("POST", "/v1/responses", json={"input": "more", "previous_response_id": paused["id"]})  # 409
    alice.request("POST", f"/v1/responses/{paused['id']}/approvals", json={"approve": True, "new_max_cost_usd": 1})
    alice.request("GET", f"/v1/responses/{paused['id']}/events")
    alice.request("POST", f"/v1/responses/{paused['id']}/approvals", json={"approve": False})  # 409 nothing pending
    # A cancelled turn.
    _, (running,) = alice.request("POST", "/v1/responses", json={"input": hang(), "background": True})
    alice.request("POST", f"/v1/responses/{running['id']}/cancel")
    _, cancel_events = alice.request("GET", f"/v1/responses/{running['id']}/events")
    assert cancel_events[-1]["type"] == "response.cancelled"
    # The standard-only view: the cancel ends with response.failed carrying the cancelled response.
    _, standard = alice.request("GET", f"/v1/responses/{running['id']}/events", params={"stream_events": "standard"})
    assert standard[-1]["type"] == "response.failed" and standard[-1]["response"]["status"] == "cancelled"
    alice.request("POST", "/v1/responses", json={"input": uscript({"say": "std"}), "stream": True,
                                                 "stream_events": "standard"})
    alice.request("GET", f"/v1/responses/{rid}/events", params={"stream_events": "bogus"})  # 400
    # Refusals: 400s, 401s, 403s, 404s (another account's response included).
    alice.request("POST", "/v1/responses", content=b"{not json")
    alice.request("POST", "/v1/responses", json={"input": "x", "surprise": 1})
    alice.request("POST", "/v1/responses", json={"input": "x", "model": "nope/nope"})
    alice.request("GET", f"/v1/responses/{rid}", params={"stream": "maybe"})
    alice.request("GET", f"/v1/responses/{rid}/events", params={"starting_after": "-5"})
    alice.request("POST", f"/v1/responses/{rid}/approvals", json={"approve": "perhaps"})
    checked(None).request("GET", f"/v1/responses/{rid}")
    checked("hf_not_a_token").request("POST", "/v1/responses", json={"input": "x"})
    checked(ORG_TOKEN).request("GET", f"/v1/responses/{rid}")
    checked(CAROL_NO_INFERENCE).request("POST", "/v1/responses", json={"input": "x", "background": True})
    alice.request("GET", f"/v1/responses/{FAKE_ID}")
    for method, suffix in (("GET", ""), ("GET", "/events"), ("POST", "/cancel"), ("GET", "/artifacts")):
        reply, _ = bob.request(method, f"/v1/responses/{rid}{suffix}")
        assert reply.status_code == 404
    bob.request("POST", f"/v1/responses/{rid}/approvals", json={"approve": True})
    # The routes without a token.
    anonymous = checked(None)
    for path in ("/api/config/model", "/healthz", "/readyz", "/metrics", "/openapi.json",
                 "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        reply, _ = anonymous.request("GET", path)
        assert reply.status_code == 200
    # Deleting: bob cannot, alice can; then it is gone.
    reply, _ = bob.request("DELETE", f"/v1/responses/{rid}")
    assert reply.status_code == 404
    reply, _ = alice.request("DELETE", f"/v1/responses/{rid}")
    assert reply.status_code == 200
    reply, _ = alice.request("GET", f"/v1/responses/{rid}")
    assert reply.status_code == 404
    seen = alice.statuses | bob.statuses
    assert {("POST", "/v1/responses", status) for status in (200, 400, 409)} <= seen
    assert {("POST", "/v1/responses/{response_id}/approvals", status) for status in (200, 400, 409)} <= seen


def test_429_answers_validate_against_the_document(emulator, tmp_path, contract):
    path = tmp_path / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}", max_live_sessions_per_account=1), path) as handle:
        with handle.client(ALICE) as alice:
            first = alice.post("/v1/responses", json={"input": hang(), "background": True}).json()
            refused = alice.post("/v1/responses", json={"input": "x", "background": True})
            assert refused.status_code == 429
            contract.check("POST", "/v1/responses", refused)
            alice.post(f"/v1/responses/{first['id']}/cancel")
