"""Every bad input gets a clear 400 envelope naming the parameter, and leaves stored data untouched; capacity
limits answer 429; Idempotency-Key makes create safe to retry."""

from __future__ import annotations

import threading

import openai
import pytest

from responses_api.sse import SETTLED_RETRY_MS
from tests.conftest import BOB, make_settings, run_server
from tests.integration.helpers import (
    CountingClient,
    assert_envelope,
    count_responses,
    create,
    db_scalar,
    hang,
    nonce,
    uscript,
)

OK_INPUT = "hello"


@pytest.mark.parametrize(("body", "param", "code", "fragment"), [
    ({"input": "x" * 100_001}, "input", "invalid_value", "100000"),
    ({"input": [{"role": "user", "content": "x" * 100_001}]}, "input[0]", "invalid_value", "100000"),
    ({"input": [{"role": "user", "content": "ok"}, {"role": "user", "content": [
        {"type": "input_text", "text": "x" * 60_000}, {"type": "input_text", "text": "x" * 60_000}]}]},
     "input[1]", "invalid_value", "100000"),
    ({"input": [{"role": "user", "content": [{"type": "input_text", "text": "x" * 100_001}]}]},
     "input[0].content[0].text", "invalid_value", "100000"),
    ({"input": ""}, "input", "invalid_value", None),
    ({"input": []}, "input", "invalid_value", None),
    ({"input": [{"role": "robot", "content": "x"}]}, "input[0].role", "invalid_value", None),
    ({"input": OK_INPUT, "instructions": "y" * 20_001}, "instructions", "invalid_value", "20000"),
    ({"input": OK_INPUT, "max_cost_usd": 0}, "max_cost_usd", "invalid_value", "greater than 0"),
    ({"input": OK_INPUT, "max_cost_usd": -1}, "max_cost_usd", "invalid_value", None),
    ({"input": OK_INPUT, "max_cost_usd": 500.01}, "max_cost_usd", "invalid_value", "500"),
    ({"input": OK_INPUT, "wait_timeout_seconds": 0.5}, "wait_timeout_seconds", "invalid_value", "1"),
    ({"input": OK_INPUT, "wait_timeout_seconds": 3601}, "wait_timeout_seconds", "invalid_value", "3600"),
    ({"input": OK_INPUT, "model": "acme/not-a-model"}, "model", "model_not_found", "acme/not-a-model"),
    ({"input": OK_INPUT, "frequency_penalty": 1}, "frequency_penalty", "unknown_parameter", "frequency_penalty"),
    ({"input": OK_INPUT, "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata", "invalid_value", "16"),
    ({"input": OK_INPUT, "metadata": {"k": "v" * 513}}, "metadata", "invalid_value", "512"),
    ({"input": OK_INPUT, "metadata": {"k": 1}}, "metadata.k", "invalid_value", None),
    ({"input": OK_INPUT, "store": False}, "store", "invalid_value", "store"),
    ({"input": OK_INPUT, "tools": [{"type": "function", "name": "f"}]}, "tools", "invalid_value", None),
    ({"model": "moonshotai/Kimi-K2.6:novita"}, "input", "missing_required_parameter", "input"),
    ({"input": OK_INPUT, "previous_response_id": "resp_123"}, "previous_response_id", "invalid_value", None),
])
def test_invalid_body_is_400_naming_the_parameter_and_stores_nothing(alice, server, body, param, code, fragment):
    before = count_responses(server.database_path)
    reply = alice.post("/v1/responses", json=body)
    error = assert_envelope(reply, 400, code=code, param=param)
    assert error["type"] == "invalid_request_error"
    if fragment is not None:
        assert fragment in error["message"]
    assert "constrained" not in error["message"] and "list[" not in error["message"]
    assert count_responses(server.database_path) == before


def test_limits_are_inclusive(alice):
    body = create(alice, uscript({"say": "edge"}), max_cost_usd=500, wait_timeout_seconds=3600,
                  metadata={f"k{i}": "v" * 512 for i in range(16)}, instructions="i" * 20_000)
    assert body["status"] == "completed" and body["max_cost_usd"] == 500
    assert len(body["metadata"]) == 16
    long_input = uscript({"say": "long"})
    long_input += " " * (100_000 - len(long_input))
    assert create(alice, long_input, wait_timeout_seconds=1, background=True)["status"] == "queued"


@pytest.mark.parametrize(("raw", "content_type"), [
    (b'{"input": "x"', "application/json"),
    (b"not json at all", "application/json"),
    (b"", "application/json"),
    (b'\xff\xfe{"input": 1}', "application/json"),
])
def test_malformed_json_is_400_invalid_json(alice, server, raw, content_type):
    before = count_responses(server.database_path)
    reply = alice.post("/v1/responses", content=raw, headers={"content-type": content_type})
    assert_envelope(reply, 400, code="invalid_json")
    assert count_responses(server.database_path) == before


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"just a string"', b"42", b"null"])
def test_body_that_is_not_an_object_is_400(alice, server, raw):
    before = count_responses(server.database_path)
    assert_envelope(alice.post("/v1/responses", content=raw), 400, code="invalid_json")
    assert count_responses(server.database_path) == before


def test_unknown_route_and_wrong_method_use_the_envelope(alice):
    error = assert_envelope(alice.get("/v1/nothing-here"), 404, code="route_not_found")
    assert "/v1/nothing-here" in error["message"]
    assert_envelope(alice.post("/v1/responses/resp_x/unknown"), 404)
    wrong = alice.put("/v1/responses")
    error = assert_envelope(wrong, 405, code="method_not_allowed")
    assert "PUT" in error["message"]
    assert {"GET", "POST"} <= {method.strip() for method in wrong.headers["allow"].split(",")}
    assert_envelope(alice.patch(f"/v1/responses/resp_{'0' * 32}"), 405, code="method_not_allowed")
    assert_envelope(alice.delete("/v1/responses"), 405)
    assert alice.head("/v1/responses").status_code == 200  # HEAD goes with GET


def test_bad_starting_after_is_400(alice):
    done = create(alice, uscript({"say": "x"}))
    for url, kwargs in ((f"/v1/responses/{done['id']}", {"params": {"stream": "true", "starting_after": "abc"}}),
                        (f"/v1/responses/{done['id']}/events", {"params": {"starting_after": "abc"}}),
                        (f"/v1/responses/{done['id']}/events", {"headers": {"last-event-id": "abc"}}),
                        (f"/v1/responses/{done['id']}/events", {"params": {"starting_after": "-5"}})):
        assert_envelope(alice.get(url, **kwargs), 400, param="starting_after")
    assert_envelope(alice.get(f"/v1/responses/{done['id']}", params={"stream": "maybe"}), 400, param="stream")


@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 1), str(2**53), "9" * 30, "1" * 5000])
def test_starting_after_beyond_any_sequence_number_is_400(alice, value):
    # 2^63 and up used to answer 200 and then drop the stream (OverflowError in SQLite).
    done = create(alice, uscript({"say": "x"}))
    for url, kwargs in ((f"/v1/responses/{done['id']}", {"params": {"stream": "true", "starting_after": value}}),
                        (f"/v1/responses/{done['id']}/events", {"params": {"starting_after": value}}),
                        (f"/v1/responses/{done['id']}/events", {"headers": {"last-event-id": value}})):
        error = assert_envelope(alice.get(url, **kwargs), 400, code="invalid_value", param="starting_after")
        assert str(2**53 - 1) in error["message"]
    # The largest accepted value streams normally: nothing after it, and the finished response's stream closes
    # (with only the reconnection hint).
    with alice.stream("GET", f"/v1/responses/{done['id']}/events",
                      params={"starting_after": str(2**53 - 1)}) as reply:
        assert reply.status_code == 200 and reply.read() == b"retry: %d\n" % SETTLED_RETRY_MS


@pytest.mark.parametrize(("raw", "param"), [
    (b'{"input": "x", "max_cost_usd": NaN}', "max_cost_usd"),
    (b'{"input": "x", "max_cost_usd": Infinity}', "max_cost_usd"),
    (b'{"input": "x", "max_cost_usd": 1e400}', "max_cost_usd"),
    (b'{"input": "x", "temperature": NaN}', "temperature"),
    (b'{"input": "x", "top_p": -Infinity}', "top_p"),
    (b'{"input": "x", "wait_timeout_seconds": NaN}', "wait_timeout_seconds"),
    (b'{"input": "x", "wait_timeout_seconds": ' + b"9" * 400 + b"}", "wait_timeout_seconds"),
])
def test_non_finite_and_huge_numbers_are_400_naming_the_parameter(alice, server, raw, param):
    before = count_responses(server.database_path)
    error = assert_envelope(alice.post("/v1/responses", content=raw), 400, code="invalid_value", param=param)
    assert count_responses(server.database_path) == before
    if b"NaN" in raw or b"Infinity" in raw:
        assert "finite" in error["message"]


@pytest.mark.parametrize("raw", [
    b"[" * 5000 + b"]" * 5000,
    b'{"input": "x", "metadata": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
    b'{"input": [' + b"[" * 100_000,
    b'{"input": "x", "temperature": ' + b"1" * 5000 + b"}",
])
def test_deep_nesting_and_overlong_numbers_are_400_invalid_json(alice, server, raw):
    # Used to be 500: RecursionError from the parser, ValueError for a 5,000-digit integer.
    before = count_responses(server.database_path)
    error = assert_envelope(alice.post("/v1/responses", content=raw), 400, code="invalid_json")
    assert "sys.set_int_max_str_digits" not in error["message"]
    assert count_responses(server.database_path) == before
    # The same holds for the other JSON route.
    assert_envelope(alice.post(f"/v1/responses/resp_{'0' * 32}/approvals", content=raw), 400, code="invalid_json")


def test_nesting_at_the_bound_is_parsed(alice, server):
    # 64 levels are parsed (then refused by the typed model for what they are, not as bad JSON).
    nested = b'{"input": "x", "metadata": {"k": ' + b"[" * 62 + b"]" * 62 + b"}}"
    assert_envelope(alice.post("/v1/responses", content=nested), 400, code="invalid_value", param="metadata.k")


def test_idempotency_key_returns_the_same_response(alice, server):
    key = f"idem-{nonce()}"
    task = uscript({"say": "once"})
    first = alice.post("/v1/responses", json={"input": task, "background": True}, headers={"idempotency-key": key})
    second = alice.post("/v1/responses", json={"input": task, "background": True}, headers={"idempotency-key": key})
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert db_scalar(server.database_path, "SELECT count(*) FROM responses WHERE idempotency_key = ?", key) == 1
    # Keys are per account: bob's identical key is his own response.
    with server.client(BOB) as bob:
        bobs = bob.post("/v1/responses", json={"input": task, "background": True}, headers={"idempotency-key": key})
    assert bobs.status_code == 200 and bobs.json()["id"] != first.json()["id"]


def test_concurrent_creates_with_one_idempotency_key_make_one_response(server):
    key = f"idem-{nonce()}"
    task = uscript({"say": "once"})
    ids: list[str] = []

    def submit():
        with server.client() as client:
            reply = client.post("/v1/responses", json={"input": task, "background": True},
                                headers={"idempotency-key": key})
            assert reply.status_code == 200, reply.text
            ids.append(reply.json()["id"])

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ids) == 4 and len(set(ids)) == 1
    assert db_scalar(server.database_path, "SELECT count(*) FROM responses WHERE idempotency_key = ?", key) == 1


def test_oversized_idempotency_key_is_400(alice, server):
    before = count_responses(server.database_path)
    reply = alice.post("/v1/responses", json={"input": "x"}, headers={"idempotency-key": "k" * 256})
    assert_envelope(reply, 400, code="invalid_idempotency_key")
    assert count_responses(server.database_path) == before


# ---------------------------------------------------------------- capacity

# Above the openai SDK's own first backoff (at most 0.5 s), so that a retry this late shows the header was obeyed.
CAPACITY_RETRY_AFTER = 1

@pytest.fixture(scope="module")
def small_server(emulator, tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "db.sqlite"
    settings = make_settings(emulator, f"sqlite:///{path}", max_live_sessions_per_account=2,
                             max_live_sessions_global=3, capacity_retry_after_seconds=CAPACITY_RETRY_AFTER)
    with run_server(settings, path) as handle:
        yield handle


def test_live_session_limits_per_account_and_global(small_server):
    with small_server.client() as alice, small_server.client(BOB) as bob:
        running = [create(alice, hang(), background=True) for _ in range(2)]
        before = count_responses(small_server.database_path)
        error = assert_envelope(alice.post("/v1/responses", json={"input": hang(), "background": True}), 429,
                                code="too_many_live_sessions")
        assert error["type"] == "rate_limit_error" and "2" in error["message"]
        assert count_responses(small_server.database_path) == before
        # Another account still has room until the server-wide cap.
        running.append(create(bob, hang(), background=True))
        assert_envelope(bob.post("/v1/responses", json={"input": hang(), "background": True}), 429,
                        code="server_at_capacity")
        assert count_responses(small_server.database_path) == before + 1
        # A finished turn frees its slot.
        alice.post(f"/v1/responses/{running[0]['id']}/cancel")
        from tests.integration.helpers import settle

        assert settle(alice, running[0]["id"])["status"] == "cancelled"
        again = create(alice, hang(), background=True)
        assert again["status"] == "queued"
        for response, client in ((running[1], alice), (running[2], bob), (again, alice)):
            client.post(f"/v1/responses/{response['id']}/cancel")
            assert settle(client, response["id"])["status"] == "cancelled"
        # Chaining a turn onto an idle session counts too, and succeeds now there is room.
        follow = create(alice, uscript({"say": f"fits {nonce()}"}), previous_response_id=running[0]["id"])
        assert follow["status"] == "completed"


def test_429s_tell_clients_whether_and_when_to_retry(small_server, cancel_later):
    """The per-account cap frees only when one of the caller's turns ends: ``x-should-retry: false``, and the SDK
    does not retry. Server capacity frees as anyone's turn ends: ``Retry-After`` (seconds), which the SDK waits."""
    with small_server.client() as alice, small_server.client(BOB) as bob:
        running = [cancel_later(create(alice, hang(), background=True)["id"], on=small_server) for _ in range(2)]
        reply = alice.post("/v1/responses", json={"input": hang(), "background": True})
        assert_envelope(reply, 429, code="too_many_live_sessions")
        assert reply.headers["x-should-retry"] == "false" and "retry-after" not in reply.headers
        sdk = CountingClient(small_server, max_retries=2)
        try:
            with pytest.raises(openai.RateLimitError) as raised:
                sdk.sdk.responses.create(input=hang(), background=True)
            assert raised.value.code == "too_many_live_sessions"
            assert sdk.requests == [("POST", "/v1/responses")]  # one attempt, no retry
        finally:
            sdk.close()

        running.append(cancel_later(create(bob, hang(), background=True)["id"], token=BOB, on=small_server))
        reply = bob.post("/v1/responses", json={"input": hang(), "background": True})
        assert_envelope(reply, 429, code="server_at_capacity")
        assert reply.headers["retry-after"] == str(CAPACITY_RETRY_AFTER) and "x-should-retry" not in reply.headers
        sdk = CountingClient(small_server, token=BOB, max_retries=1)
        try:
            with pytest.raises(openai.RateLimitError) as raised:
                sdk.sdk.responses.create(input=hang(), background=True)
            assert raised.value.code == "server_at_capacity"
            assert len(sdk.requests) == 2
            assert sdk.sent_at[1] - sdk.sent_at[0] >= CAPACITY_RETRY_AFTER
        finally:
            sdk.close()
        for response_id, client in zip(running, (alice, alice, bob)):
            client.post(f"/v1/responses/{response_id}/cancel")
