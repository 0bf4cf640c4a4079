"""Defects the schemathesis run (tests/fuzz) found, each pinned by the request that showed it."""

from __future__ import annotations

from tests.integration.helpers import assert_envelope, nonce, uscript


def test_a_repeated_idempotency_key_does_not_let_an_unknown_model_through(alice):
    # The key's replay used to come before the model check: {"model": "AAA"} with a used key answered 200 with the
    # first response, while the same body without the key is a 400. Every bad input is refused, key or not.
    key = f"idem-{nonce()}"
    first = alice.post("/v1/responses", json={"input": uscript({"say": "once"}), "background": True},
                       headers={"idempotency-key": key})
    assert first.status_code == 200
    again = alice.post("/v1/responses", json={"input": "x", "model": "AAA", "background": True},
                       headers={"idempotency-key": key})
    assert_envelope(again, 400, code="model_not_found", param="model")
    # The key still replays the first response for a valid request.
    replay = alice.post("/v1/responses", json={"input": uscript({"say": "once"}), "background": True},
                        headers={"idempotency-key": key})
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
