"""The fuzzed server: the real app on a loopback port against the emulator, with its own database, fuzzed through
its own /openapi.json by schemathesis. Sizes come from the environment so that ``make fuzz`` runs the same tests
longer: ML_INTERN_FUZZ_EXAMPLES (per operation and mode), ML_INTERN_FUZZ_SCENARIOS (stateful scenarios),
ML_INTERN_FUZZ_RANDOM=1 (new draws every run instead of the CI's fixed ones)."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis

from responses_api.openapi import build_openapi
from tests.conftest import ALICE, BOB, ServerHandle, make_settings, run_server
from tests.fuzz.checks import Accounts, Tally

# The CI smoke: a few hundred cases, well under two minutes.
EXAMPLES = int(os.environ.get("ML_INTERN_FUZZ_EXAMPLES", "10"))
SCENARIOS = int(os.environ.get("ML_INTERN_FUZZ_SCENARIOS", "15"))
# CI draws the same cases every run (derandomized); `make fuzz` explores new ones each time.
RANDOM = os.environ.get("ML_INTERN_FUZZ_RANDOM", "") == "1"
# A request not answered (a stream not ended) within this is a hang. Turns of the emulated model take well under a
# second, so nothing legitimate comes near it.
REQUEST_TIMEOUT_S = 20.0
MAX_STREAM_EVENTS = 1_000_000
# /mcp speaks JSON-RPC (its own tests and the MCP conformance suite cover it).
NOT_FUZZED = "/mcp"


@pytest.fixture(scope="module")
def fuzz_server(emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "ml_intern.db"
    # Fuzzed creates start many short turns at once; the live-session cap still applies (and answers 429).
    with run_server(make_settings(emulator, f"sqlite:///{path}"), path) as handle:
        yield handle


@pytest.fixture(scope="module")
def api_schema(fuzz_server: ServerHandle):
    # Streams are read to their end (schemathesis stops after 20 events by default), within the request timeout.
    config = schemathesis.Config.from_dict({"max-stream-events": MAX_STREAM_EVENTS})
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json", config=config)
    return schema.exclude(path=NOT_FUZZED)


_TALLY = pytest.StashKey[Tally]()


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Tally:
    # Kept on the run's config: the terminal summary reports it (make fuzz prints the figures).
    return request.config.stash.setdefault(_TALLY, Tally())


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    counts = config.stash.get(_TALLY, None)
    if counts is None:
        return
    terminalreporter.section("schemathesis fuzzing")
    documented = {f"{method.upper()} {path}"
                  for path, methods in build_openapi()["paths"].items() for method in methods}
    merged: dict[str, Counter] = defaultdict(Counter)
    for (_phase, label, status), n in counts.by_operation_status.items():
        merged[label if label in documented else "undocumented methods"][status] += n
    for label, statuses in sorted(merged.items(), key=lambda item: item[0].split()[-1]):
        terminalreporter.write_line(f"  {label}: {sum(statuses.values())} cases ("
                                    + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())) + ")")
    terminalreporter.write_line("  by phase: " + ", ".join(f"{phase} {cases}" for phase, cases in
                                                          counts.by_phase.items()))
    draws = "random" if RANDOM else "derandomized"
    terminalreporter.write_line(counts.summary(f"examples={EXAMPLES} per operation and mode, scenarios={SCENARIOS}, "
                                               f"{draws}"))


@pytest.fixture(scope="module")
def accounts(fuzz_server: ServerHandle, tally: Tally) -> Accounts:
    return Accounts(fuzz_server.url, (ALICE, BOB), tally, REQUEST_TIMEOUT_S)
