"""What the fuzzer holds the server to, besides schemathesis's own checks against /openapi.json: every error is the
OpenAI envelope, no request hangs, and an account never reaches another account's response (404, as if unknown).
``Tally`` counts cases and outcomes for the report (docs/reliability.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.openapi_contract import sse_payloads

ENVELOPE_KEYS = {"message", "type", "param", "code"}
# A probe's answer is a refusal only as 404 (never 200, nor a 409/400 that says the response exists).
LEAK_PROBES = (("GET", ""), ("GET", "?stream=true"), ("GET", "/events"), ("GET", "/artifacts"),
               ("GET", "/input_items"), ("POST", "/cancel"), ("POST", "/approvals"), ("DELETE", ""))
# Readiness answers probes, not API clients: its 503 body is {"status": ...} by design (documented).
NON_ENVELOPE_PATHS = frozenset({"/readyz"})


@dataclass
class Tally:
    cases: int = 0
    by_operation: Counter = field(default_factory=Counter)
    by_phase: Counter = field(default_factory=Counter)
    by_operation_status: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    non_envelope: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    leak_probes: int = 0
    leaks: list[str] = field(default_factory=list)

    def summary(self, label: str) -> str:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        return (f"{label}: {self.cases} cases ({statuses}); 5xx: {len(self.server_errors)}, "
                f"non-envelope errors: {len(self.non_envelope)}, hangs: {len(self.hangs)}, "
                f"cross-account probes: {self.leak_probes}, leaks: {len(self.leaks)}")


def describe(case: Any) -> str:
    body = case.body if not isinstance(case.body, (bytes, str)) or len(case.body) < 300 else "<large>"
    return (f"{case.method} {case.formatted_path} query={case.query} headers="
            f"{ {k: v for k, v in (case.headers or {}).items() if k.lower() != 'authorization'} } body={body!r}")


def envelope_problem(status: int, content_type: str, content: bytes) -> str | None:
    """Why an error answer is not the OpenAI envelope, or None."""
    if not content_type.startswith("application/json"):
        return f"{status} with content-type {content_type!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return f"{status} with a body that is not JSON: {content[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(error, dict) \
            or set(error) != ENVELOPE_KEYS:
        return f"{status} body is not {{'error': {{message, type, param, code}}}}: {body!r:.300}"
    if not (isinstance(error["message"], str) and error["message"] and isinstance(error["type"], str)
            and all(error[key] is None or isinstance(error[key], str) for key in ("param", "code"))):
        return f"{status} envelope with wrong value types: {error!r:.300}"
    return None


class Accounts:
    """The two accounts the fuzzer acts as, and the probes that one must never reach the other's responses."""

    def __init__(self, base_url: str, tokens: tuple[str, str], tally: Tally, timeout: float) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.tally = tally
        self.timeout = timeout
        # Each response is probed once: a repeated Idempotency-Key answers the same one many times.
        self.probed: set[str] = set()

    def other(self, token: str) -> str:
        return self.tokens[1] if token == self.tokens[0] else self.tokens[0]

    def probe(self, owner_token: str, response_id: str) -> None:
        """As the other account, every route on ``response_id`` must answer 404 with the envelope and its list must
        not show it; the owner still reads it afterwards (the other account's cancel or delete changed nothing)."""
        if response_id in self.probed:
            return
        self.probed.add(response_id)
        intruder = self.other(owner_token)
        with httpx.Client(base_url=self.base_url, timeout=self.timeout,
                          headers={"authorization": f"Bearer {intruder}"}) as client:
            for method, suffix in LEAK_PROBES:
                kwargs = {"json": {"approve": True}} if suffix == "/approvals" else {}
                reply = client.request(method, f"/v1/responses/{response_id}{suffix}", **kwargs)
                self.tally.leak_probes += 1
                problem = None
                if reply.status_code != 404:
                    problem = f"{method} {suffix or '/'} answered {reply.status_code}: {reply.text[:200]}"
                elif envelope_problem(404, reply.headers.get("content-type", ""), reply.content):
                    problem = f"{method} {suffix or '/'} 404 without the envelope"
                elif response_id in reply.text and "No response found" not in reply.text:
                    problem = f"{method} {suffix or '/'} 404 that shows the response"
                if problem:
                    self.tally.leaks.append(f"{response_id}: {problem}")
            # Nor does it show in the other account's list of responses (newest first: it would be on page one).
            listed = client.get("/v1/responses", params={"limit": 100})
            self.tally.leak_probes += 1
            if listed.status_code != 200 or response_id in listed.text:
                self.tally.leaks.append(f"{response_id}: GET /v1/responses as the other account answered "
                                        f"{listed.status_code}{' and lists it' if response_id in listed.text else ''}")
            owner = client.get(f"/v1/responses/{response_id}", headers={"authorization": f"Bearer {owner_token}"})
        if owner.status_code != 200:
            self.tally.leaks.append(f"{response_id}: its owner got {owner.status_code} after the other account's "
                                    "probes")


def created_response_id(operation: str, status: int, content_type: str, content: bytes) -> str | None:
    """The id of a response a create just returned (the object, or its stream's first event)."""
    if operation != "POST /v1/responses" or status != 200:
        return None
    if content_type.startswith("text/event-stream"):
        events = sse_payloads(content.decode())
        return events[0]["response"]["id"] if events and events[0].get("type") == "response.created" else None
    body = json.loads(content)
    return body.get("id") if isinstance(body, dict) else None


def response_state(base_url: str, token: str, response_id: str) -> str:
    """For a stream that did not end: where its response stands, to tell a hang's cause."""
    with httpx.Client(base_url=base_url, timeout=10, headers={"authorization": f"Bearer {token}"}) as client:
        body = client.get(f"/v1/responses/{response_id}").json()
    return f"{response_id} is {body.get('status')} (incomplete_details={body.get('incomplete_details')})"
