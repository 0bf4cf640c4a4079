"""Token rules: whoami-v2 payloads → who the caller is and what the token permits; the resolver's cache."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from agent.errors import Forbidden, Unauthorized, Unavailable
from agent.identity import IdentityResolver, bearer_token, parse_whoami, token_fingerprint
from agent.settings import Settings


def user(role: str = "write", *, global_perms=(), scoped=(), orgs=()) -> dict:
    access = {"displayName": "t", "role": role}
    if role == "fineGrained":
        access["fineGrained"] = {"global": list(global_perms), "scoped": [
            {"entity": {"_id": "e", "type": kind, "name": name}, "permissions": list(perms)}
            for kind, name, perms in scoped]}
    return {"type": "user", "id": "66aa00", "name": "alice", "orgs": [{"name": o} for o in orgs],
            "auth": {"type": "access_token", "accessToken": access}}


def test_classic_write_token():
    who = parse_whoami(user("write", orgs=("acme",)))
    assert (who.user_id, who.username, who.token_role, who.orgs) == ("66aa00", "alice", "write", ("acme",))
    assert who.can_infer and who.can_write_repos and who.can_run_jobs


def test_classic_read_token_can_infer_but_not_write():
    who = parse_whoami(user("read"))
    assert who.can_infer and not who.can_write_repos and not who.can_run_jobs


def test_fine_grained_with_inference_on_the_user_entity():
    who = parse_whoami(user("fineGrained", scoped=[
        ("user", "alice", ["inference.serverless.write", "repo.write", "job.write"])]))
    assert who.token_role == "fineGrained"
    assert who.can_infer and who.can_write_repos and who.can_run_jobs


def test_fine_grained_with_global_inference():
    who = parse_whoami(user("fineGrained", global_perms=["inference.serverless.write"]))
    assert who.can_infer and not who.can_write_repos and not who.can_run_jobs


def test_fine_grained_without_inference():
    who = parse_whoami(user("fineGrained", scoped=[("user", "alice", ["repo.content.read", "repo.write"])]))
    assert not who.can_infer and who.can_write_repos and not who.can_run_jobs


def test_fine_grained_inference_scoped_elsewhere_does_not_count():
    # Inference billed to an org or granted on another user's entity is not the caller's own permission.
    for entity in (("org", "acme"), ("user", "mallory")):
        who = parse_whoami(user("fineGrained", scoped=[(*entity, ["inference.serverless.write"])]))
        assert not who.can_infer
    # Write and job scopes anywhere (e.g. on an org) still tell the agent it may try.
    who = parse_whoami(user("fineGrained", scoped=[("org", "acme", ["repo.write", "job.write"])]))
    assert who.can_write_repos and who.can_run_jobs


def test_org_tokens_are_refused():
    with pytest.raises(Forbidden) as raised:
        parse_whoami({"type": "org", "id": "o1", "name": "acme", "auth": {"accessToken": {"role": "write"}}})
    assert raised.value.code == "organization_token_not_supported"


def test_missing_role_is_read():
    who = parse_whoami({"type": "user", "id": "66bb", "name": "bob", "auth": {}})
    assert who.user_id == "66bb" and who.token_role == "read" and who.can_infer and not who.can_write_repos
    who = parse_whoami({"type": "user", "id": "66bb", "name": "bob", "auth": {"accessToken": {"role": None}},
                        "orgs": None})
    assert who.token_role == "read" and who.orgs == ()


# Replies the Hub never sends for a valid token: an upstream fault (503, retryable), never an account. Without
# an id or a name every such token would share one owner ('').
@pytest.mark.parametrize("payload", [
    {"type": "user"},
    {"type": "user", "name": "bob"},
    {"type": "user", "id": "66bb"},
    {"type": "user", "id": "", "name": ""},
    {"type": "user", "id": 7, "name": "bob"},
    {"name": "nobody", "id": "1"},
    {"type": "user", "id": "66bb", "name": "bob", "orgs": ["acme"]},
    {"type": "user", "id": "66bb", "name": "bob", "auth": {"accessToken": {"fineGrained": {"scoped": [1]}}}},
    [], "user", None, 3,
])
def test_payloads_without_an_account_are_an_upstream_fault(payload):
    with pytest.raises(Unavailable) as raised:
        parse_whoami(payload)
    assert raised.value.code == "hub_unavailable" and raised.value.status == 503


@pytest.mark.parametrize(("header", "code"), [
    (None, "missing_token"), ("", "missing_token"), ("Bearer", "invalid_token"), ("Bearer   ", "invalid_token"),
    ("Basic abc", "invalid_token"), ("Bearer " + "x" * 513, "invalid_token"), ("Bearer a\x00b", "invalid_token"),
])
def test_bearer_header_problems_are_401(header, code):
    with pytest.raises(Unauthorized) as raised:
        bearer_token(header)
    assert raised.value.code == code


def test_bearer_parsing():
    assert bearer_token("Bearer hf_abc") == "hf_abc"
    assert bearer_token("bearer   hf_abc  ") == "hf_abc"
    with pytest.raises(Forbidden):
        bearer_token("Bearer api_org_abcdef")


# ---------------------------------------------------------------- the resolver

class FakeHub:
    def __init__(self, status: int = 200, payload: dict | None = None, delay: float = 0.0,
                 body: bytes | None = None) -> None:
        self.calls: list[str] = []
        self.status, self.payload, self.delay, self.body = status, payload or user(), delay, body

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.headers["authorization"])
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.body is not None:
            return httpx.Response(self.status, content=self.body, headers={"content-type": "text/html"})
        return httpx.Response(self.status, json=self.payload)


def resolver(hub: FakeHub, **settings) -> IdentityResolver:
    http = httpx.AsyncClient(transport=httpx.MockTransport(hub.handler))
    return IdentityResolver(Settings(hub_url="https://hub.example", **settings), http)


async def test_resolver_caches_by_fingerprint_never_the_token():
    hub = FakeHub()
    identities = resolver(hub)
    first = await identities.resolve("Bearer hf_one")
    second = await identities.resolve("Bearer hf_one")
    assert len(hub.calls) == 1 and hub.calls == ["Bearer hf_one"]
    assert first.secret() == second.secret() == "hf_one"
    assert list(identities._cache) == [token_fingerprint("hf_one")]
    assert "hf_one" not in repr(identities._cache) and "hf_one" not in repr(first)
    await identities.resolve("Bearer hf_two")
    assert len(hub.calls) == 2


async def test_concurrent_validations_of_one_token_make_one_call():
    hub = FakeHub(delay=0.05)
    identities = resolver(hub)
    results = await asyncio.gather(*(identities.resolve("Bearer hf_same") for _ in range(5)))
    assert len(hub.calls) == 1 and {r.user_id for r in results} == {"66aa00"}


async def test_cache_expires():
    hub = FakeHub()
    identities = resolver(hub, whoami_cache_seconds=0)
    await identities.resolve("Bearer hf_one")
    await identities.resolve("Bearer hf_one")
    assert len(hub.calls) == 2


async def test_inference_permission_is_checked_even_from_the_cache():
    hub = FakeHub(payload=user("fineGrained", scoped=[("user", "alice", ["repo.write"])]))
    identities = resolver(hub)
    for _ in range(2):
        with pytest.raises(Forbidden) as raised:
            await identities.resolve("Bearer hf_noinfer")
        assert raised.value.code == "inference_provider_permission_required"
    assert len(hub.calls) == 1
    who = await identities.resolve("Bearer hf_noinfer", require_inference=False)
    assert not who.can_infer


@pytest.mark.parametrize(("status", "error", "code"), [
    (401, Unauthorized, "invalid_token"), (403, Unauthorized, "invalid_token"),
    (429, Unavailable, "hub_rate_limited"), (500, Unavailable, "hub_unavailable"),
])
async def test_hub_answers_map_to_errors(status, error, code):
    identities = resolver(FakeHub(status=status, payload={"error": "nope"}))
    with pytest.raises(error) as raised:
        await identities.resolve("Bearer hf_x")
    assert raised.value.code == code
    assert "hf_x" not in raised.value.message


async def test_unreachable_hub_is_503_and_failures_are_not_cached():
    async def down(request):
        raise httpx.ConnectError("refused")

    identities = IdentityResolver(Settings(hub_url="https://hub.example"),
                                  httpx.AsyncClient(transport=httpx.MockTransport(down)))
    with pytest.raises(Unavailable) as raised:
        await identities.resolve("Bearer hf_x")
    assert raised.value.code == "hub_unavailable"
    assert identities._cache == {}


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"", b'{"type": "user", "id": "1"', b"\xff\xfe"])
async def test_a_200_that_is_not_json_is_503_and_not_cached(body):
    hub = FakeHub(body=body)
    identities = resolver(hub)
    for _ in range(2):
        with pytest.raises(Unavailable) as raised:
            await identities.resolve("Bearer hf_x")
        assert raised.value.code == "hub_unavailable"
    assert len(hub.calls) == 2 and identities._cache == {}


async def test_a_200_without_an_account_is_503_for_every_token():
    identities = resolver(FakeHub(payload={"type": "user"}))
    for token in ("hf_one", "hf_two"):
        with pytest.raises(Unavailable) as raised:
            await identities.resolve(f"Bearer {token}")
        assert raised.value.code == "hub_unavailable" and token not in raised.value.message
