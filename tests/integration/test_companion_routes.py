"""The routes a Responses client expects around create/retrieve: ``GET /v1/responses/{id}/input_items``,
``DELETE /v1/responses/{id}``, ``GET /v1/models`` (through the openai SDK's methods), and ``GET /v1/responses``
(the caller's own responses, newest first, cursor-paginated, by session and status). Nothing of another account's
is ever listed or touched."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI
from openai.types import Model
from openai.types.responses import ResponseInputMessageItem, ResponseItemList, ResponseOutputMessage

from agent.settings import SUPPORTED_MODELS
from tests.conftest import ALICE, BOB, script
from tests.integration.helpers import (
    assert_envelope,
    create,
    hang,
    nonce,
    poll_until,
    settle,
    uscript,
    validate_response,
)

MODEL = "moonshotai/Kimi-K2.6:novita"


@pytest.fixture
def sdk(server):
    with OpenAI(base_url=server.url + "/v1", api_key=ALICE, max_retries=0) as client:
        yield client


@pytest.fixture
def bob_sdk(server):
    with OpenAI(base_url=server.url + "/v1", api_key=BOB, max_retries=0) as client:
        yield client


# ---------------------------------------------------------------- GET /v1/models

def test_models_lists_the_supported_models(sdk, server):
    models = list(sdk.models.list())
    assert [m.id for m in models] == list(SUPPORTED_MODELS)
    for model in models:
        Model.model_validate(model.model_dump(), strict=True)
        assert model.owned_by == model.id.split("/")[0] and model.object == "model"
    assert sdk.models.retrieve(MODEL).id == MODEL  # an id with '/' and ':' in the path
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.models.retrieve("acme/unknown")
    assert missing.value.code == "model_not_found"
    with server.client(None) as anonymous:
        assert_envelope(anonymous.get("/v1/models"), 401)


# ---------------------------------------------------------------- GET /v1/responses/{id}/input_items

CONTEXT = [{"role": "system", "content": "Be terse."},
           {"role": "developer", "content": [{"type": "input_text", "text": "Use "}, {"type": "input_text", "text": "SI units."}]},
           {"role": "assistant", "content": "Earlier answer."}]


def test_input_items_list_the_request_input_in_the_specs_shape(sdk, alice):
    task = uscript({"say": "listed"})
    reply = alice.post("/v1/responses", json={"input": [*CONTEXT, {"role": "user", "content": task}]})
    created = validate_response(reply.json())
    page = sdk.responses.input_items.list(created["id"], order="asc", include=["reasoning.encrypted_content"])
    items = page.data
    assert [item.role for item in items] == ["system", "developer", "assistant", "user"]
    assert isinstance(items[0], ResponseInputMessageItem) and isinstance(items[2], ResponseOutputMessage)
    assert [[part.text for part in item.content] for item in items] == [
        ["Be terse."], ["Use ", "SI units."], ["Earlier answer."], [task]]
    assert all(item.id.startswith("msg_") and item.status == "completed" for item in items)
    assert len({item.id for item in items}) == 4
    # The spec's default order is desc (last first); the raw list validates strictly as the spec's.
    raw = alice.get(f"/v1/responses/{created['id']}/input_items").json()
    ResponseItemList.model_validate(raw, strict=True)
    assert [item["id"] for item in raw["data"]] == [item.id for item in reversed(items)]
    assert (raw["first_id"], raw["last_id"], raw["has_more"]) == (items[-1].id, items[0].id, False)
    # Cursor pagination: the SDK follows `after` page by page.
    assert [item.id for item in sdk.responses.input_items.list(created["id"], order="asc", limit=1)] == [
        item.id for item in items]
    second = alice.get(f"/v1/responses/{created['id']}/input_items",
                       params={"limit": 2, "after": items[-1].id}).json()
    assert [item["id"] for item in second["data"]] == [items[2].id, items[1].id] and second["has_more"] is True


def test_a_string_input_is_one_user_item_and_the_token_is_redacted(alice):
    created = create(alice, script({"say": "ok"}, prompt=f"My token is {ALICE}, keep it {nonce()}."))
    [item] = alice.get(f"/v1/responses/{created['id']}/input_items").json()["data"]
    assert item["role"] == "user" and item["type"] == "message"
    assert ALICE not in item["content"][0]["text"] and "My token is" in item["content"][0]["text"]


def test_input_items_refusals(alice, bob):
    created = create(alice, uscript({"say": "mine"}))
    url = f"/v1/responses/{created['id']}/input_items"
    assert_envelope(bob.get(url), 404, code="response_not_found")
    assert_envelope(alice.get(url, params={"after": "msg_nope"}), 404, code="input_item_not_found", param="after")
    assert_envelope(alice.get(url, params={"limit": 0}), 400, param="limit")
    assert_envelope(alice.get(url, params={"limit": 101}), 400, param="limit")
    assert_envelope(alice.get(url, params={"order": "sideways"}), 400, param="order")
    assert_envelope(alice.get(url, params={"include": "everything"}), 400, param="include[0]")
    assert_envelope(alice.get(url, params={"page": 2}), 400, code="unknown_parameter", param="page")


# ---------------------------------------------------------------- GET /v1/responses

def test_list_responses_newest_first_paginated_and_filtered(alice, bob):
    first = create(alice, uscript({"say": f"one {nonce()}"}))
    second = create(alice, uscript({"say": f"two {nonce()}"}), previous_response_id=first["id"])
    failed = create(alice, uscript({"error": 500, "times": 9}, {"say": nonce()}))
    assert failed["status"] == "failed"
    page = alice.get("/v1/responses", params={"limit": 2}).json()
    assert [r["id"] for r in page["data"]] == [failed["id"], second["id"]]
    assert (page["object"], page["first_id"], page["last_id"], page["has_more"]) == (
        "list", failed["id"], second["id"], True)
    for response in page["data"]:
        validate_response(response)  # each as GET /v1/responses/{id} returns it
    assert page["data"][1] == alice.get(f"/v1/responses/{second['id']}").json()
    after = alice.get("/v1/responses", params={"limit": 1, "after": page["last_id"]}).json()
    assert [r["id"] for r in after["data"]] == [first["id"]]
    session = alice.get("/v1/responses", params={"session_id": first["session_id"]}).json()
    assert [r["id"] for r in session["data"]] == [second["id"], first["id"]] and session["has_more"] is False
    failures = alice.get("/v1/responses", params={"status": "failed", "limit": 100}).json()["data"]
    assert failed["id"] in [r["id"] for r in failures] and {r["status"] for r in failures} == {"failed"}
    # Never another account's: bob sees none of these, and cannot page or filter with alice's ids.
    assert not {r["id"] for r in bob.get("/v1/responses", params={"limit": 100}).json()["data"]} & {
        first["id"], second["id"], failed["id"]}
    assert_envelope(bob.get("/v1/responses", params={"after": first["id"]}), 404, param="after")
    assert_envelope(bob.get("/v1/responses", params={"session_id": first["session_id"]}), 404,
                    code="session_not_found", param="session_id")


@pytest.mark.parametrize(("params", "param", "code"), [
    ({"limit": 0}, "limit", "invalid_value"), ({"limit": 101}, "limit", "invalid_value"),
    ({"limit": "ten"}, "limit", "invalid_value"), ({"status": "done"}, "status", "invalid_value"),
    ({"after": "resp_short"}, "after", "invalid_value"), ({"order": "asc"}, "order", "unknown_parameter"),
])
def test_list_responses_refusals(alice, params, param, code):
    assert_envelope(alice.get("/v1/responses", params=params), 400, code=code, param=param)


# ---------------------------------------------------------------- DELETE /v1/responses/{id}

def test_delete_through_the_sdk_then_404_everywhere(sdk, alice):
    created = create(alice, uscript({"say": f"to delete {nonce()}"}))
    assert alice.get(f"/v1/responses/{created['id']}").status_code == 200  # now cached as a settled response
    assert sdk.responses.delete(created["id"]) is None
    for url in (f"/v1/responses/{created['id']}", f"/v1/responses/{created['id']}/input_items",
                f"/v1/responses/{created['id']}/events", f"/v1/responses/{created['id']}/artifacts"):
        assert_envelope(alice.get(url), 404, code="response_not_found")
    assert_envelope(alice.delete(f"/v1/responses/{created['id']}"), 404, code="response_not_found")
    assert created["id"] not in [r["id"] for r in alice.get("/v1/responses", params={"limit": 100}).json()["data"]]
    # Its session had no other response: it is gone too.
    assert_envelope(alice.get("/v1/responses", params={"session_id": created["session_id"]}), 404,
                    code="session_not_found")


def test_delete_answers_the_deleted_object(alice):
    created = create(alice, uscript({"say": "bye"}))
    reply = alice.delete(f"/v1/responses/{created['id']}")
    assert reply.status_code == 200
    assert reply.json() == {"id": created["id"], "object": "response.deleted", "deleted": True}


def test_a_running_response_is_refused_until_it_settles(alice, cancel_later):
    running = create(alice, hang(), background=True)
    cancel_later(running["id"])
    reply = alice.delete(f"/v1/responses/{running['id']}")
    assert_envelope(reply, 409, code="response_running")
    assert reply.headers["x-should-retry"] == "false"
    alice.post(f"/v1/responses/{running['id']}/cancel")
    assert settle(alice, running["id"])["status"] == "cancelled"
    assert alice.delete(f"/v1/responses/{running['id']}").status_code == 200


def test_a_response_another_continues_from_is_refused_newest_first_works(alice, emulator):
    first = create(alice, uscript({"say": f"first {nonce()}"}))
    second = create(alice, uscript({"say": f"second {nonce()}"}), previous_response_id=first["id"])
    error = assert_envelope(alice.delete(f"/v1/responses/{first['id']}"), 409, code="response_has_successors")
    assert second["id"] in error["message"]
    assert alice.get(f"/v1/responses/{first['id']}").status_code == 200
    # Deleting the newest moves the session back: it continues from the earlier response.
    assert alice.delete(f"/v1/responses/{second['id']}").status_code == 200
    third = create(alice, uscript({"say": f"third {nonce()}"}), previous_response_id=first["id"])
    assert third["status"] == "completed" and third["session_id"] == first["session_id"]
    for response in (third, first):
        assert alice.delete(f"/v1/responses/{response['id']}").status_code == 200


def test_a_paused_response_can_be_deleted(alice):
    paused = alice.post("/v1/responses", json={"input": uscript({"say": "never"}), "background": True,
                                               "max_cost_usd": 0.0001}).json()
    poll_until(alice, paused["id"], ("incomplete",))
    assert alice.delete(f"/v1/responses/{paused['id']}").status_code == 200
    assert_envelope(alice.post(f"/v1/responses/{paused['id']}/approvals", json={"approve": True}), 404)


def test_nothing_of_another_account_is_touched(alice, bob, bob_sdk):
    mine = create(alice, uscript({"say": f"mine {nonce()}"}))
    with pytest.raises(openai.NotFoundError):
        bob_sdk.responses.delete(mine["id"])
    assert_envelope(bob.delete(f"/v1/responses/{mine['id']}"), 404, code="response_not_found")
    assert alice.get(f"/v1/responses/{mine['id']}").json()["output_text"].startswith("mine")
    assert len(alice.get(f"/v1/responses/{mine['id']}/input_items").json()["data"]) == 1
