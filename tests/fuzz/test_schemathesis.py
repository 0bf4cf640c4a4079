"""Fuzz the HTTP contract with schemathesis, from the server's own /openapi.json, as two real accounts: every
operation alone (schemathesis's coverage and fuzzing phases), then stateful scenarios that follow the document's
links (create -> retrieve / events / cancel / approvals / artifacts / input items / delete, chains). Beyond
schemathesis's checks (no 5xx, statuses, content types and bodies as documented, auth enforced...): every error is
the OpenAI envelope, nothing hangs, and the other account gets 404 on every route of each response created
(see tests/fuzz/checks.py)."""

from __future__ import annotations

import httpx
import hypothesis
import pytest
import requests
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, rule, run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from responses_api.openapi import build_openapi
from tests.conftest import ALICE, BOB
from tests.fuzz.checks import (
    NON_ENVELOPE_PATHS,
    Accounts,
    Tally,
    created_response_id,
    describe,
    envelope_problem,
    response_state,
)
from tests.fuzz.conftest import EXAMPLES, NOT_FUZZED, RANDOM, REQUEST_TIMEOUT_S, SCENARIOS

# The operations, from the document the server serves (built from the same models), for test ids.
_DOCUMENT = build_openapi()
OPERATIONS = [f"{method.upper()} {path}" for path, operations in _DOCUMENT["paths"].items() if path != NOT_FUZZED
              for method in operations]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Negative cases need something to get wrong: a parameter or a body.
FUZZED = [(label, mode) for label in OPERATIONS for mode in MODES
          if mode is GenerationMode.POSITIVE or {"parameters", "requestBody"} & set(
              _DOCUMENT["paths"][label.split(" ", 1)[1]][label.split(" ", 1)[0].lower()])]

# A hang is caught per request (REQUEST_TIMEOUT_S); this bounds a whole test (`make fuzz` runs far longer ones).
pytestmark = pytest.mark.timeout(3600 if RANDOM else 300)


def _settings(max_examples: int, **extra) -> hypothesis.settings:
    # Derandomized and without the example database: the same cases every run (the server's ids differ, not the
    # requests), so the CI run does not flake. No shrinking: against a live server it takes minutes, and the
    # failing request is reported as it was sent.
    return hypothesis.settings(max_examples=max_examples, derandomize=not RANDOM, database=None, deadline=None,
                               suppress_health_check=list(HealthCheck), print_blob=True,
                               phases=[Phase.explicit, Phase.reuse, Phase.generate], **extra)


def contract_check(tally: Tally, accounts: Accounts, token: str, phase: str):
    """A schemathesis check closing over the run's tally and the account that sent the request."""

    def check(ctx, response, case) -> None:
        label = f"{case.method} {case.operation.path}"
        tally.cases += 1
        tally.by_operation[label] += 1
        tally.by_phase[phase] += 1
        tally.by_operation_status[(phase, label, response.status_code)] += 1
        tally.statuses[response.status_code] += 1
        content_type = (response.headers.get("content-type") or [""])[0]
        problems = []
        if response.status_code >= 500:
            tally.server_errors.append(f"{describe(case)} -> {response.status_code} {response.content[:300]!r}")
            problems.append(f"server error {response.status_code}")
        if response.status_code >= 400 and case.operation.path not in NON_ENVELOPE_PATHS:
            problem = envelope_problem(response.status_code, content_type, response.content)
            if problem:
                tally.non_envelope.append(f"{describe(case)} -> {problem}")
                problems.append(problem)
        response_id = created_response_id(label, response.status_code, content_type, response.content)
        if response.stream_cut_short:  # streams are read to their end: only the timeout cuts one short
            state = response_state(accounts.base_url, token, response_id) if response_id else ""
            tally.hangs.append(f"{describe(case)} -> stream still open after {REQUEST_TIMEOUT_S}s {state}")
            problems.append(f"stream did not end {state}")
        if response_id is not None:
            leaks_before = len(tally.leaks)
            accounts.probe(token, response_id)
            problems += tally.leaks[leaks_before:]
        assert not problems, "; ".join(problems)

    return check


def call_and_check(case, token: str, tally: Tally, accounts: Accounts, phase: str):
    try:
        response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S)
    except requests.exceptions.Timeout:
        tally.cases += 1
        tally.hangs.append(f"{describe(case)} -> no answer within {REQUEST_TIMEOUT_S}s")
        raise AssertionError(f"hang: {describe(case)}") from None
    case.validate_response(response, additional_checks=[contract_check(tally, accounts, token, phase)])
    return response


def _operation(api_schema, label: str):
    method, path = label.split(" ", 1)
    return api_schema[path][method]


def _token(tally: Tally) -> str:
    # Alternate the accounts: each acts on its own, and each is probed against the other's responses.
    return (ALICE, BOB)[tally.cases % 2]


@pytest.mark.parametrize("label", OPERATIONS)
def test_coverage_cases(api_schema, label: str, tally: Tally, accounts: Accounts):
    """schemathesis's coverage phase: a deterministic set of boundary values, missing and wrongly typed
    parameters, unknown properties, unexpected methods and missing credentials, for one operation."""
    operation = _operation(api_schema, label)
    failures = []
    for case in api_schema.iter_coverage_cases(operation, generation_modes=MODES,
                                               generation_config=api_schema.config.generation):
        try:
            call_and_check(case, _token(tally), tally, accounts, "coverage")
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{describe(case)}\n    {exc}")
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures[:200])


@pytest.mark.parametrize(("label", "mode"), FUZZED, ids=[f"{label}-{mode}" for label, mode in FUZZED])
def test_fuzzed_cases(api_schema, label: str, mode: GenerationMode, tally: Tally, accounts: Accounts):
    """schemathesis's fuzzing phase: hypothesis draws valid (positive) or invalid (negative) requests."""

    @hypothesis.given(case=_operation(api_schema, label).as_strategy(generation_mode=mode))
    @_settings(EXAMPLES)
    def fuzz(case) -> None:
        call_and_check(case, _token(tally), tally, accounts, f"fuzzing ({mode})")

    fuzz()


# Stateful scenarios follow the links the document declares on a created response (create -> retrieve, events,
# cancel, approvals, artifacts), chain turns with previous_response_id, and let the other account try the same
# routes on the same ids. (schemathesis's own state machine picks its entry points by heuristics that leave
# create out here, and follows links with true randomness; this one is derandomized like the rest.)
_OPERATION_BY_ID = {operation["operationId"]: (method.upper(), path)
                    for path, operations in _DOCUMENT["paths"].items() for method, operation in operations.items()}
NEVER_CREATED = "resp_" + "0" * 32
_CREATE_LINKS = sorted(_DOCUMENT["paths"]["/v1/responses"]["post"]["responses"]["200"]["links"])


def test_stateful_scenarios(api_schema, tally: Tally, accounts: Accounts):
    create_op = api_schema["/v1/responses"]["POST"]

    def run(case, token: str):
        return call_and_check(case, token, tally, accounts, "stateful")

    def linked(operation_id: str, response_id: str):
        method, path = _OPERATION_BY_ID[operation_id]
        return api_schema[path][method].as_strategy(path_parameters={"response_id": response_id})

    class Scenario(RuleBasedStateMachine):
        # (owner's token, response id). What a rule adds depends only on what hypothesis drew, never on the server's
        # answer (a refused create adds an id that exists nowhere): hypothesis replays choice sequences and needs
        # the same bundles each time.
        responses = Bundle("responses")

        @staticmethod
        def _created_id(response) -> str:
            content_type = (response.headers.get("content-type") or [""])[0]
            created = created_response_id("POST /v1/responses", response.status_code, content_type, response.content)
            return created or NEVER_CREATED

        @rule(target=responses, case=create_op.as_strategy(), token=st.sampled_from((ALICE, BOB)))
        def create(self, case, token):
            return (token, self._created_id(run(case, token)))

        @rule(target=responses, case=create_op.as_strategy(), token=st.sampled_from((ALICE, BOB)))
        def create_paused(self, case, token):
            """A turn that pauses for approval at once (a tiny budget): what approvals and cancel act on."""
            if not isinstance(case.body, dict):
                return multiple()
            case.body = {**case.body, "max_cost_usd": 1e-6, "background": True, "stream": False}
            case.body.pop("previous_response_id", None)
            return (token, self._created_id(run(case, token)))

        @rule(target=responses, parent=responses, case=create_op.as_strategy(), as_other=st.booleans())
        def chain(self, parent, case, as_other):
            """A new turn on the parent's session; the other account must not be able to chain onto it."""
            owner, parent_id = parent
            token = accounts.other(owner) if as_other else owner
            if not isinstance(case.body, dict):
                return multiple()
            case.body = {**case.body, "previous_response_id": parent_id}
            response_id = self._created_id(run(case, token))
            if not as_other:
                return (token, response_id)
            if response_id == NEVER_CREATED:
                return multiple()
            # The other account's 200 can only be its own earlier response (a repeated Idempotency-Key replays it,
            # whatever the body): never one chained onto, or showing, the parent.
            mine = httpx.get(f"{accounts.base_url}/v1/responses/{response_id}", timeout=REQUEST_TIMEOUT_S,
                             headers={"authorization": f"Bearer {token}"}).json()
            if response_id == parent_id or mine.get("previous_response_id") == parent_id:
                tally.leaks.append(f"{describe(case)} as the other account chained onto {parent_id}")
                raise AssertionError(f"cross-account chain accepted: {describe(case)}")
            return multiple()

        @rule(entry=responses, order=st.permutations(_CREATE_LINKS), data=st.data())
        def walk(self, entry, order, data):
            """Every link of the created response, in a drawn order, as its owner (e.g. events, then approvals
            once the stream has ended at the pause, then cancel, retrieve, artifacts)."""
            owner, response_id = entry
            for operation_id in order:
                run(data.draw(linked(operation_id, response_id)), owner)

        @rule(entry=responses, operation_id=st.sampled_from(_CREATE_LINKS), as_other=st.booleans(), data=st.data())
        def follow(self, entry, operation_id, as_other, data):
            """A link of the created response, as its owner, or as the other account (who must get 404)."""
            owner, response_id = entry
            case = data.draw(linked(operation_id, response_id))
            token = accounts.other(owner) if as_other else owner
            response = run(case, token)
            if as_other:
                tally.leak_probes += 1
                if response.status_code not in (400, 404):  # 400: the drawn query itself was invalid
                    tally.leaks.append(f"{describe(case)} as the other account: {response.status_code}")
                    raise AssertionError(f"cross-account access: {describe(case)} -> {response.status_code}")

    run_state_machine_as_test(Scenario, settings=_settings(SCENARIOS, stateful_step_count=6))
