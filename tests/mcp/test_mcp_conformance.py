"""The official MCP conformance suite against ``/mcp`` of the real app (on the emulator): every server scenario
that applies to this server passes; every scenario of the pinned suite is classified, so a new version's new
scenarios need a decision.

The suite cannot send headers, and every ``/mcp`` request needs a Hugging Face token. The test serves the real
app behind ``with_default_bearer`` below, a test-only ASGI wrapper that adds the emulator account's
``Authorization`` header to requests that carry none (as a client configured with the token would). The product
has no such switch: no setting, no code path, nothing to leave on by mistake. The wrapper adds the header only;
the Host / Origin checks, the token check against the emulator's whoami and everything after run unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ALICE, make_settings
from tests.mcp import conformance
from tests.serving import serve_in_thread

# Scenarios that test this server's own behaviour.
APPLICABLE = ("server-initialize", "ping", "tools-list", "resources-list", "dns-rebinding-protection")
# Scenarios that need fixtures of the suite's reference server (tools, resources and prompts with set names and
# contents) or features this server deliberately does not have; they would fail for that reason alone.
NOT_APPLICABLE = {
    "logging-set-level": "no logging capability (deprecated in 2026-07-28; progress notifications instead)",
    "completion-complete": "no completions capability (no prompts or resource templates with arguments to complete)",
    **{name: "calls a fixture tool of the reference server (test_*), which this server does not have" for name in (
        "tools-call-simple-text", "tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
        "tools-call-mixed-content", "tools-call-with-logging", "tools-call-error", "tools-call-with-progress",
        "tools-call-sampling", "tools-call-elicitation", "elicitation-sep1034-defaults",
        "elicitation-sep1330-enums", "json-schema-2020-12")},
    **{name: "reads a fixture resource of the reference server (test://...)" for name in (
        "resources-read-text", "resources-read-binary", "resources-templates-read")},
    "resources-subscribe": "resources are not subscribable (no subscribe capability advertised)",
    "resources-unsubscribe": "resources are not subscribable (no subscribe capability advertised)",
    **{name: "no prompts capability (this server has no prompts)" for name in (
        "prompts-list", "prompts-get-simple", "prompts-get-with-args", "prompts-get-embedded-resource",
        "prompts-get-with-image")},
    "server-sse-polling": "needs a stateful session with resumable SSE; this server is stateless (no session id)",
    "server-sse-multiple-streams": "needs a stateful session; this server is stateless (no session id)",
}
PASSING = frozenset({"SUCCESS", "INFO"})


def with_default_bearer(app, token: str):
    """Test-only: ``app`` with ``Authorization: Bearer <token>`` added to HTTP requests that have none."""
    header = (b"authorization", f"Bearer {token}".encode())

    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and not any(name == b"authorization" for name, _ in scope["headers"]):
            scope = {**scope, "headers": [*scope["headers"], header]}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def suite() -> conformance.Suite:
    try:
        return conformance.ensure_installed()
    except conformance.Unavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the MCP conformance suite must run under CI=true: {exc}")
        pytest.skip(f"MCP conformance suite not installable here: {exc} (runs under CI)")


@pytest.fixture(scope="module")
def conformance_url(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from responses_api.app import create_app

    path = tmp_path_factory.mktemp("conformance") / "db.sqlite"
    app = with_default_bearer(create_app(make_settings(emulator, f"sqlite:///{path}")), ALICE)
    with serve_in_thread(app, name="ml-intern-conformance") as port:
        # A loopback URL: the DNS-rebinding scenario applies to local servers and checks the Host it implies.
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.mark.npm
@pytest.mark.timeout(900)
def test_every_scenario_of_the_suite_is_classified(suite: conformance.Suite) -> None:
    listed = set(suite.server_scenarios())
    assert listed, "the suite listed no server scenario"
    assert not set(APPLICABLE) & set(NOT_APPLICABLE)
    assert listed == set(APPLICABLE) | set(NOT_APPLICABLE), (
        f"new: {sorted(listed - set(APPLICABLE) - set(NOT_APPLICABLE))}, "
        f"gone: {sorted((set(APPLICABLE) | set(NOT_APPLICABLE)) - listed)}")


@pytest.mark.npm
@pytest.mark.timeout(900)
@pytest.mark.parametrize("scenario", APPLICABLE)
def test_conformance_scenario_passes(suite: conformance.Suite, conformance_url: str, scenario: str,
                                     tmp_path: Path) -> None:
    checks = suite.run_scenario(conformance_url, scenario, tmp_path)
    assert checks, f"{scenario}: no checks"
    failing = [check for check in checks if check.get("status") not in PASSING]
    assert not failing, failing
    assert any(check.get("status") == "SUCCESS" for check in checks), checks


@pytest.mark.npm
@pytest.mark.timeout(900)
def test_the_suite_fails_a_server_it_should_fail(suite: conformance.Suite, emulator, tmp_path: Path) -> None:
    # The harness reads failures: the same app with DNS-rebinding protection turned off fails that scenario.
    from responses_api.app import create_app

    settings = make_settings(emulator, f"sqlite:///{tmp_path / 'db.sqlite'}", mcp_allowed_hosts=("*",))
    with serve_in_thread(with_default_bearer(create_app(settings), ALICE), name="ml-intern-unprotected") as port:
        checks = suite.run_scenario(f"http://127.0.0.1:{port}/mcp", "dns-rebinding-protection", tmp_path / "out")
    statuses = {check["id"]: check["status"] for check in checks}
    assert statuses["localhost-host-rebinding-rejected"] == "FAILURE", checks
    assert statuses["localhost-host-valid-accepted"] == "SUCCESS", checks
