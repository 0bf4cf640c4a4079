"""A flaky or broken router, through /v1: every fault the emulator injects (tests/emulator/README.md, "faults")
ends the turn in a clean, documented state. A failed model attempt leaves no text in the answer or in the
model's history; the event log stays gapless and replays to the response; the server keeps serving."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agent import events as ev
from tests.conftest import make_settings, run_server
from tests.integration.helpers import all_events, chat_requests, create, nonce, stream_events, uscript

ATTEMPTS = 4  # the server's llm_max_attempts (default): a fault repeated this often fails the turn


def replayed(client: httpx.Client, response_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The turn's whole event log and its response: the log is gapless and replays to exactly the response."""
    events = all_events(client, response_id)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    final = client.get(f"/v1/responses/{response_id}").json()
    assert ev.project(events).public() == final
    # An output_index names one item of the stream: never reused, even after a discarded item.
    added = [e["output_index"] for e in events if e["type"] == "response.output_item.added"]
    assert len(added) == len(set(added)), added
    return events, final


def voided(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items of failed attempts: closed as incomplete, then discarded from the response."""
    discarded = [e["item_id"] for e in events if e["type"] == "response.output_item.discarded"]
    done = {e["item"]["id"]: e["item"] for e in events if e["type"] == "response.output_item.done"}
    items = [done[item_id] for item_id in discarded]
    assert all(item["status"] == "incomplete" for item in items)
    return items


def attempts(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["status"], e.get("error_code")) for e in events if e["type"] == "response.llm_call"]


def assert_clean_answer(final: dict[str, Any], answer: str) -> None:
    """Only the successful attempt's items are in the response: one reasoning and one message, completed."""
    assert final["status"] == "completed", final
    assert final["output_text"] == answer
    assert [(i["type"], i["status"]) for i in final["output"]] == [("reasoning", "completed"), ("message", "completed")]


def assert_failed_clean(final: dict[str, Any], code: str) -> None:
    assert final["status"] == "failed" and final["error"]["type"] == code, final
    assert final["error"]["code"] == ("rate_limit_exceeded" if code == "model_rate_limited" else "server_error")
    assert final["output"] == [] and final["output_text"] == ""
    assert final["completed_at"] is None  # set only on a completed response


def next_turn_works(client: httpx.Client, emulator: Any, previous: dict[str, Any]) -> list[dict[str, Any]]:
    """A chained follow-up completes; returns the history the model received with it."""
    follow = create(client, "Go on.", previous_response_id=previous["id"])
    assert follow["status"] == "completed", follow
    return chat_requests(emulator, previous["session_id"])[-1]["json"]["messages"]


def assistant_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in messages if m["role"] == "assistant" and m.get("content")]


# ---------------------------------------------------------------- a dropped connection

def test_text_of_a_dropped_attempt_leaves_the_answer_and_the_history(alice, emulator):
    answer = f"PARTIAL-then the rest of the answer {nonce()}."
    body = create(alice, uscript({"fault": "drop", "after_chunks": 1}, {"say": answer, "chunks": 4}))
    events, final = replayed(alice, body["id"])
    assert_clean_answer(final, answer)
    assert attempts(events) == [("error", "model_unreachable"), ("ok", None)]
    # The dropped attempt was shown as it streamed (its first chunk), then closed as incomplete and discarded.
    void = voided(events)
    assert [i["type"] for i in void] == ["reasoning", "message"]
    shown = void[1]["content"][0]["text"]
    assert shown and answer.startswith(shown) and shown != answer
    assert not {i["id"] for i in void} & {i["id"] for i in final["output"]}
    history = next_turn_works(alice, emulator, body)
    assert assistant_texts(history) == [answer]


def test_a_turn_whose_every_attempt_drops_fails_with_no_partial_text(alice, emulator):
    body = create(alice, uscript({"fault": "drop", "after_chunks": 1, "times": 10},
                                 {"say": f"abc{nonce()}", "chunks": 5}))
    events, final = replayed(alice, body["id"])
    assert_failed_clean(final, "model_unreachable")
    assert attempts(events) == [("error", "model_unreachable")] * ATTEMPTS
    assert len([i for i in voided(events) if i["type"] == "message"]) == ATTEMPTS
    history = next_turn_works(alice, emulator, body)
    assert assistant_texts(history) == []  # nothing of the failed turn reaches the model


def test_a_reset_inside_a_tool_calls_arguments_runs_the_call_once_complete(alice, emulator):
    said = f"Searching {nonce()}."
    body = create(alice, uscript(
        {"fault": "drop_in_arguments"},
        {"say": said, "call": "hub_search", "arguments": {"search": "whisper", "limit": 2}},
        {"say": "Found it."}))
    events, final = replayed(alice, body["id"])
    assert final["status"] == "completed", final
    assert final["output_text"] == said + "Found it."
    [call] = [i for i in final["output"] if i["type"] == "mcp_call"]
    assert call["status"] == "completed" and call["arguments"] == '{"search": "whisper", "limit": 2}'
    assert [e["item"]["type"] for e in events if e["type"] == "response.output_item.added"].count("mcp_call") == 1
    assert [i["type"] for i in voided(events)] == ["reasoning", "message"]
    assert attempts(events) == [("error", "model_unreachable"), ("ok", None), ("ok", None)]
    history = next_turn_works(alice, emulator, body)
    assert assistant_texts(history)[:2] == [said, "Found it."]


# ---------------------------------------------------------------- a cut-off or garbage reply (200)

BROKEN = [
    {"fault": "unfinished", "after_chunks": 2},  # the body ends cleanly, without finish_reason or [DONE]
    {"fault": "html"},                           # a gateway's page instead of an event stream
    {"fault": "empty"},                          # nothing at all
    {"fault": "malformed_chunk", "after_chunks": 1},  # a chunk cut in the middle of its JSON
    {"fault": "bad_shape_chunk", "after_chunks": 1},  # valid JSON, not a chunk (content is a number)
]
SAYS = ["ended the stream before the answer was complete", "text/html", "empty", "not valid JSON",
        "unexpected shape"]


@pytest.mark.parametrize("fault", BROKEN, ids=[fault["fault"] for fault in BROKEN])
def test_a_broken_reply_is_retried_and_leaves_nothing(alice, emulator, fault):
    answer = f"The complete answer, in several chunks {nonce()}."
    body = create(alice, uscript(fault, {"say": answer, "chunks": 4}))
    events, final = replayed(alice, body["id"])
    assert_clean_answer(final, answer)
    assert attempts(events) == [("error", "model_response_invalid"), ("ok", None)]
    history = next_turn_works(alice, emulator, body)
    assert assistant_texts(history) == [answer]


@pytest.mark.parametrize("fault, says", list(zip(BROKEN, SAYS)), ids=[fault["fault"] for fault in BROKEN])
def test_a_reply_broken_every_time_fails_the_turn_with_a_specific_code(alice, emulator, fault, says):
    body = create(alice, uscript({**fault, "times": 10}, {"say": f"never whole {nonce()}", "chunks": 4}))
    events, final = replayed(alice, body["id"])
    assert_failed_clean(final, "model_response_invalid")
    assert says in final["error"]["message"]
    assert attempts(events) == [("error", "model_response_invalid")] * ATTEMPTS
    next_turn_works(alice, emulator, body)


# ---------------------------------------------------------------- slow, but whole

def test_a_slow_trickle_is_read_whole(alice, emulator):
    said = f"Slowly {nonce()}."
    body = create(alice, uscript(
        {"fault": "trickle", "piece_bytes": 5, "delay_ms": 1},
        {"say": said, "call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}},
        {"say": "Done."}))
    events, final = replayed(alice, body["id"])
    assert final["status"] == "completed", final
    assert final["output_text"] == said + "Done."
    [call] = [i for i in final["output"] if i["type"] == "mcp_call"]
    assert call["status"] == "completed" and '"id": "BAAI/bge-m3"' in call["output"]
    assert attempts(events) == [("ok", None), ("ok", None)] and voided(events) == []
    next_turn_works(alice, emulator, body)


@pytest.fixture(scope="module")
def impatient_server(emulator, tmp_path_factory):
    """A server that gives the router 0.3 s between two reads."""
    path = tmp_path_factory.mktemp("impatient") / "db.sqlite"
    with run_server(make_settings(emulator, f"sqlite:///{path}", llm_timeout_seconds=0.3), path) as handle:
        yield handle


def test_a_trickle_slower_than_the_read_timeout_is_retried(impatient_server, emulator):
    answer = f"Quick this time {nonce()}."
    with impatient_server.client() as client:
        body = create(client, uscript({"fault": "trickle", "delay_ms": 600}, {"say": answer}))
        events, final = replayed(client, body["id"])
        assert_clean_answer(final, answer)
        assert attempts(events) == [("error", "model_timeout"), ("ok", None)]
        next_turn_works(client, emulator, body)


# ---------------------------------------------------------------- a discarded attempt, then a pause

def test_an_output_index_is_not_reused_after_a_discard_and_a_resumed_pause(alice):
    """A retried attempt's items keep their output_index after the response pauses and resumes: the resumed turn's
    items take new indexes (an SDK helper replaying the whole log refuses a repeated index)."""
    job = {"call": "hf_job_run", "arguments": {"image": "python:3.12", "command": ["python", "-c", "print(1)"],
                                               "flavor": "a100-large", "timeout_seconds": 7200}}
    created = create(alice, uscript({"fault": "drop", "after_chunks": 1},
                                    {"say": f"Launching {nonce()}.", "chunks": 3, "calls": [job]},
                                    {"say": "Understood, no job."}), background=True, max_cost_usd=0.05)
    first = all_events(alice, created["id"])
    assert first[-1]["type"] == "response.incomplete", [e["type"] for e in first]
    assert [e for e in first if e["type"] == "response.output_item.discarded"]
    denied = alice.post(f"/v1/responses/{created['id']}/approvals", json={"approve": False})
    assert denied.status_code == 200, denied.text
    rest = stream_events(alice, "GET", f"/v1/responses/{created['id']}/events",
                         params={"starting_after": first[-1]["sequence_number"]})
    assert rest[-1]["type"] == "response.completed", [e["type"] for e in rest]
    log = first + rest
    assert [e["sequence_number"] for e in log] == list(range(len(log)))
    added = [e["output_index"] for e in log if e["type"] == "response.output_item.added"]
    assert len(added) == len(set(added)), added
    final = alice.get(f"/v1/responses/{created['id']}").json()
    assert ev.project(log).public() == final
    assert final["output_text"].endswith("Understood, no job.")
