"""A dropped connection while following a run: the client resumes with Last-Event-ID, nothing missed or repeated."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.cli.cutting_proxy import cutting_proxy
from tests.cli.scenarios import json_lines
from tests.integration.helpers import uscript

DELTA_FRAME = b"event: response.output_text.delta"


def test_a_connection_cut_mid_stream_resumes_after_the_last_whole_event(run_cli, cli_env, cli_server):
    # Paced text, so the deltas arrive in separate reads; the proxy resets the connection halfway through the
    # third delta's frame. The server is untouched.
    with cutting_proxy(urlsplit(cli_server.url).port, DELTA_FRAME, count=3) as proxy:
        done = run_cli("submit", "--json", uscript({"stamped": 8, "delay_ms": 60}),
                       env=cli_env(ML_INTERN_BASE_URL=proxy.url))
    assert done.returncode == 0, done.stderr
    assert proxy.cuts == 1
    assert "connection lost" in done.stderr

    events = json_lines(done.stdout)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))  # no gap, no duplicate
    assert events[-1]["type"] == "response.completed"
    streamed = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert streamed == events[-1]["response"]["output_text"]
    assert streamed.count("[t=") == 8

    # The second request for the events resumed after the last whole event the client had read: the two whole
    # deltas before the cut; the cut third frame came again in full.
    event_requests = [head for head in proxy.request_heads if "/events" in head.splitlines()[0]]
    resumed_from = [_last_event_id(head) for head in event_requests]
    assert len(resumed_from) == 2 and resumed_from[0] is None
    resumed_after = resumed_from[1]
    before_cut = [e for e in events if e["sequence_number"] <= resumed_after]
    assert [e["type"] for e in before_cut].count("response.output_text.delta") == 2


def _last_event_id(head: str) -> int | None:
    found = re.search(r"(?im)^last-event-id: (\d+)$", head)
    return int(found.group(1)) if found else None
