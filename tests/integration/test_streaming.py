"""SSE: replay then live, resumption by Last-Event-ID / starting_after, the SDK's retrieve(stream=True) path."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import make_settings, run_server
from tests.integration.helpers import (
    TERMINAL_EVENTS, all_events, create, parse_sse, settle, stream_events, uscript, sse_lines,
)

SLOW_TEXT = "The quick brown fox jumps over the lazy dog. " * 4  # 180 chars


SLOW_STEP = {"say": SLOW_TEXT, "chunks": 40, "delay_ms": 25}  # about one second of streaming


def slow_turn(alice) -> dict:
    return create(alice, uscript(SLOW_STEP), background=True)


def assert_complete_log(events: list[dict]) -> None:
    assert [e["sequence_number"] for e in events] == list(range(len(events))), "gap or duplicate"
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] == "response.completed"
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == SLOW_TEXT == events[-1]["response"]["output_text"]


@pytest.mark.parametrize("how", ["last-event-id", "starting_after", "retrieve-stream"])
def test_resume_after_disconnect_has_no_gap_and_no_duplicate(alice, how):
    running = slow_turn(alice)
    first = stream_events(alice, "GET", f"/v1/responses/{running['id']}/events", limit=8)
    assert len(first) == 8 and first[-1]["type"] not in TERMINAL_EVENTS
    last = first[-1]["sequence_number"]
    if how == "last-event-id":
        rest = stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                             headers={"last-event-id": str(last)})
    elif how == "starting_after":
        rest = stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                             params={"starting_after": last})
    else:
        rest = stream_events(alice, "GET", f"/v1/responses/{running['id']}",
                             params={"stream": "true", "starting_after": last})
    assert rest[0]["sequence_number"] == last + 1
    # The reconnection caught the turn live: the run was still going when it attached.
    assert any(e["type"] == "response.output_text.delta" for e in rest)
    assert_complete_log(first + rest)


def test_several_disconnects_in_a_row_reassemble_the_log(alice):
    running = slow_turn(alice)
    collected: list[dict] = []
    while not collected or collected[-1]["type"] not in TERMINAL_EVENTS:
        after = collected[-1]["sequence_number"] if collected else -1
        collected += stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                                   params={"starting_after": after}, limit=5)
    assert_complete_log(collected)


def test_stream_of_a_finished_response_replays_and_closes(alice):
    done = create(alice, uscript({"say": SLOW_TEXT, "chunks": 5}))
    assert done["status"] == "completed"
    replay = all_events(alice, done["id"])
    assert replay[0]["type"] == "response.created" and replay[-1]["type"] == "response.completed"
    assert [e["sequence_number"] for e in replay] == list(range(len(replay)))
    again = stream_events(alice, "GET", f"/v1/responses/{done['id']}", params={"stream": "true"})
    assert again == replay
    tail = stream_events(alice, "GET", f"/v1/responses/{done['id']}/events",
                         params={"starting_after": replay[-3]["sequence_number"]})
    assert tail == replay[-2:]
    # Asking after the last event: nothing more, and the stream closes at once.
    assert stream_events(alice, "GET", f"/v1/responses/{done['id']}/events",
                         params={"starting_after": replay[-1]["sequence_number"]}) == []


def test_concurrent_streams_see_the_same_log(alice, server):
    import threading

    running = slow_turn(alice)
    results: list[list[dict]] = [[], []]

    def follow(slot: int):
        with server.client() as client:
            results[slot] = all_events(client, running["id"])

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results[0] == results[1]
    assert_complete_log(results[0])


def test_failed_turn_stream_ends_with_response_failed(alice):
    from tests.integration.helpers import nonce

    body = create(alice, uscript({"error": 503, "times": 10}, {"say": nonce()}), background=True)
    events = all_events(alice, body["id"])
    assert events[-1]["type"] == "response.failed"
    assert events[-1]["response"]["error"]["type"] == "model_provider_error"
    assert "error" not in events[-1]  # the error lives in the response, not at the top level


@pytest.fixture(scope="module")
def keepalive_server(emulator, tmp_path_factory):
    path = tmp_path_factory.mktemp("keepalive") / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}", sse_keepalive_seconds=0.2), path) as handle:
        yield handle


def test_keepalive_is_a_single_comment_line(keepalive_server):
    import threading

    from openai import OpenAI

    with keepalive_server.client() as client:
        running = create(client, uscript({"hang_ms": 1300}, {"say": "after the wait"}), background=True)
        sdk_types: list[str] = []

        def sdk_follow():
            # The openai SDK's decoder must survive the keep-alives (DESIGN §4 pitfall).
            with OpenAI(base_url=keepalive_server.url + "/v1", api_key="hf_emu_alice", max_retries=0) as sdk:
                sdk_types.extend(e.type for e in sdk.responses.retrieve(running["id"], stream=True))

        follower = threading.Thread(target=sdk_follow)
        follower.start()
        with client.stream("GET", f"/v1/responses/{running['id']}/events",
                           timeout=httpx.Timeout(30.0, read=30.0)) as reply:
            raw = reply.read().decode()
        assert ": keep-alive\n" in raw
        # Never a blank line after the comment (the openai SDK would dispatch an empty event and crash).
        assert ": keep-alive\n\n" not in raw
        frames = list(parse_sse(re.split(r"\r\n|\r|\n", raw)))
        events = [f["data"] for f in frames]
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        assert events[-1]["type"] == "response.completed"
        # Every frame that dispatches carries data.
        blocks = [b for b in raw.replace(": keep-alive\n", "").split("\n\n") if b.strip()]
        assert all("\ndata: " in b for b in blocks)
        assert settle(client, running["id"])["output_text"] == "after the wait"
        follower.join(15)
        assert sdk_types == [e["type"] for e in events]


def test_stream_mode_create_then_resume_from_the_events_endpoint(alice):
    with alice.stream("POST", "/v1/responses", json={
            "input": uscript(SLOW_STEP), "stream": True},
            timeout=httpx.Timeout(30.0, read=30.0)) as reply:
        first = []
        for frame in parse_sse(sse_lines(reply)):
            first.append(frame["data"])
            if len(first) == 6:
                break
    response_id = first[0]["response"]["id"]
    rest = stream_events(alice, "GET", f"/v1/responses/{response_id}/events",
                         headers={"last-event-id": str(first[-1]["sequence_number"])})
    assert_complete_log(first + rest)


def test_text_holding_unicode_line_separators_streams_intact(alice):
    # JSON text may hold U+2028, U+2029 and NEL unescaped; SSE lines end only at CR, LF or CRLF, so a client that
    # splits as SSE does (the openai SDKs) reads each event whole.
    text = "one\u2028two\u2029three\x85four"
    response = create(alice, uscript({"say": text, "chunks": 3}))
    events = all_events(alice, response["id"])
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == text and events[-1]["response"]["output_text"] == text
