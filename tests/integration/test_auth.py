"""Authentication (HF user tokens via whoami-v2, cached) and per-account isolation on /v1."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import (
    ALICE, BOB, CAROL_NO_INFERENCE, DAVE_FINE_GRAINED, ORG_TOKEN, make_settings, run_server,
)
from tests.integration.helpers import (
    assert_envelope, count_responses, create, db_scalar, emulator_requests, hang, uscript, whoami_id,
)

BODY = {"input": "hello"}


def test_missing_authorization_is_401_with_challenge(server):
    with server.client(None) as anonymous:
        reply = anonymous.post("/v1/responses", json=BODY)
        assert_envelope(reply, 401, code="missing_token")
        assert reply.json()["error"]["type"] == "authentication_error"
        assert reply.headers["www-authenticate"].lower().startswith("bearer")
        for path in ("/v1/responses/resp_x", "/v1/responses/resp_x/events", "/v1/responses/resp_x/artifacts"):
            assert_envelope(anonymous.get(path), 401)
        assert_envelope(anonymous.post("/v1/responses/resp_x/cancel"), 401)


@pytest.mark.parametrize("header", ["Bearer hf_emu_nobody", "Basic aGk6aGk=", "Bearer", "hf_emu_alice"])
def test_invalid_or_malformed_token_is_401(server, header):
    with httpx.Client(base_url=server.url, headers={"authorization": header}, timeout=30) as client:
        reply = client.post("/v1/responses", json=BODY)
        assert_envelope(reply, 401)
        assert "www-authenticate" in reply.headers


def test_organization_token_is_403(server):
    with server.client(ORG_TOKEN) as org:
        error = assert_envelope(org.post("/v1/responses", json=BODY), 403, code="organization_token_not_supported")
        assert error["type"] == "permission_error"
    # Legacy api_org_ tokens are refused without even asking the Hub.
    with server.client("api_org_" + "x" * 30) as legacy:
        assert_envelope(legacy.post("/v1/responses", json=BODY), 403, code="organization_token_not_supported")


def test_token_without_inference_permission_is_403_before_any_session(server, emulator):
    carol_id = whoami_id(emulator, CAROL_NO_INFERENCE)
    before = count_responses(server.database_path)
    with server.client(CAROL_NO_INFERENCE) as carol:
        reply = carol.post("/v1/responses", json={"input": uscript({"say": "x"}), "background": True})
        error = assert_envelope(reply, 403, code="inference_provider_permission_required")
        assert "inference" in error["message"].lower()
    assert db_scalar(server.database_path, "SELECT count(*) FROM sessions WHERE owner_id = ?", carol_id) == 0
    assert db_scalar(server.database_path, "SELECT count(*) FROM responses WHERE owner_id = ?", carol_id) == 0
    assert count_responses(server.database_path) == before
    # The router was never called as carol.
    assert not [r for r in emulator_requests(emulator, "/v1/chat") if r["account"] == "carol"]


def test_fine_grained_token_with_inference_is_accepted(server, emulator):
    with server.client(DAVE_FINE_GRAINED) as dave:
        body = create(dave, uscript({"say": "fine-grained works"}))
        assert body["status"] == "completed" and body["output_text"] == "fine-grained works"
    dave_id = whoami_id(emulator, DAVE_FINE_GRAINED)
    assert db_scalar(server.database_path, "SELECT owner_name FROM sessions WHERE id = ?", body["session_id"]) == "dave"
    assert db_scalar(server.database_path, "SELECT owner_id FROM responses WHERE id = ?", body["id"]) == dave_id


def test_whoami_is_cached_per_token(emulator, tmp_path):
    path = tmp_path / "db.sqlite"

    def whoami_calls(account: str) -> int:
        return len([r for r in emulator_requests(emulator, "/api/whoami-v2") if r["account"] == account])

    with run_server(make_settings(emulator, f"sqlite:///{path}"), path) as fresh:
        # The emulator keeps a bounded log: start from an empty one so the counts are exact.
        httpx.delete(f"{emulator.url}/_emulator/requests", timeout=10).raise_for_status()
        before_dave, before_bob = whoami_calls("dave"), whoami_calls("bob")
        assert before_dave == before_bob == 0
        with fresh.client(DAVE_FINE_GRAINED) as dave:
            assert dave.get("/v1/responses/resp_" + "0" * 32).status_code == 404
            assert dave.get("/v1/responses/resp_" + "1" * 32).status_code == 404
            assert dave.post("/v1/responses", json={"input": uscript({"say": "ok"})}).status_code == 200
        assert whoami_calls("dave") - before_dave == 1
        # A different token is validated on its own.
        with fresh.client(BOB) as bob:
            assert bob.get("/v1/responses/resp_" + "0" * 32).status_code == 404
        assert whoami_calls("bob") - before_bob == 1
        assert whoami_calls("dave") - before_dave == 1


# ---------------------------------------------------------------- isolation

def test_another_account_cannot_see_or_touch_a_response(alice, bob, cancel_later):
    mine = create(alice, hang(), background=True)
    cancel_later(mine["id"])
    unknown = f"resp_{'3' * 32}"

    def same_as_unknown(path: str, method: str = "GET") -> None:
        theirs = bob.request(method, path.format(mine["id"]))
        nothing = bob.request(method, path.format(unknown))
        error = assert_envelope(theirs, 404, code="response_not_found")
        assert_envelope(nothing, 404, code="response_not_found")
        assert error == {**nothing.json()["error"], "message": nothing.json()["error"]["message"].replace(
            unknown, mine["id"])}

    same_as_unknown("/v1/responses/{}")
    same_as_unknown("/v1/responses/{}?stream=true")
    same_as_unknown("/v1/responses/{}/events")
    same_as_unknown("/v1/responses/{}/artifacts")
    same_as_unknown("/v1/responses/{}/cancel", "POST")
    # Alice still sees it, still running.
    assert alice.get(f"/v1/responses/{mine['id']}").json()["status"] in ("queued", "in_progress")
    assert alice.get(f"/v1/responses/{mine['id']}/artifacts").json() == {"object": "list", "data": []}


def test_owner_is_the_hub_user_id_not_the_token(server, emulator):
    with server.client(ALICE) as alice:
        body = create(alice, uscript({"say": "owned"}))
    assert db_scalar(server.database_path, "SELECT owner_id FROM responses WHERE id = ?", body["id"]) == whoami_id(
        emulator, ALICE)
    assert "hf_emu" not in db_scalar(server.database_path, "SELECT owner_id FROM responses WHERE id = ?", body["id"])
