"""The three execution modes of POST /v1/responses (background, synchronous, stream) and the response object shape."""

from __future__ import annotations

import time

from tests.integration.helpers import (
    RESPONSE_ID, create, parse_sse, poll_until, settle, uscript, sse_lines,
)

# DESIGN §4: the keys the OpenAI SDK models expect, plus the extensions.
RESPONSE_KEYS = {
    "id", "object", "created_at", "model", "status", "output", "error", "incomplete_details", "instructions",
    "metadata", "tools", "tool_choice", "parallel_tool_calls", "temperature", "top_p", "background",
    "previous_response_id", "usage", "artifacts", "max_cost_usd", "session_id",
}


def test_background_returns_queued_at_once_then_completes(alice):
    body = create(alice, uscript({"hang_ms": 800}, {"say": "Background answer."}), background=True)
    assert body["status"] == "queued"  # returned before the turn even started
    assert body["background"] is True
    assert body["output"] == [] and body["error"] is None
    done = poll_until(alice, body["id"], ("completed", "failed", "cancelled"))
    assert done["status"] == "completed"
    assert done["output_text"] == "Background answer."
    assert done["completed_at"] is not None and done["completed_at"] >= done["created_at"]


def test_synchronous_returns_the_completed_response(alice):
    body = create(alice, uscript({"say": "Synchronous answer."}))
    assert body["status"] == "completed"
    assert body["background"] is False
    assert body["output_text"] == "Synchronous answer."
    assert body["output"][-1]["type"] == "message"
    assert body["output"][-1]["content"][0]["text"] == "Synchronous answer."


def test_synchronous_wait_timeout_returns_in_progress_and_the_run_continues(alice):
    started = time.monotonic()
    body = create(alice, uscript({"hang_ms": 2500}, {"say": "Slow answer."}), wait_timeout_seconds=1)
    elapsed = time.monotonic() - started
    assert body["status"] == "in_progress"
    assert 0.9 <= elapsed < 2.4
    done = settle(alice, body["id"])
    assert done["status"] == "completed"
    assert done["output_text"] == "Slow answer."


def test_stream_mode_is_a_gapless_event_stream_ending_with_completed(alice):
    text = "Streaming is a sequence of small deltas that add up."
    # The SDK sends Accept: application/json even when streaming: the body's flag decides.
    with alice.stream("POST", "/v1/responses", json={"input": uscript({"say": text, "chunks": 6}), "stream": True},
                      headers={"accept": "application/json"}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        frames = list(parse_sse(sse_lines(reply)))
    events = [f["data"] for f in frames]
    for frame, event in zip(frames, events):
        assert frame["event"] == event["type"]
        assert frame["id"] == str(event["sequence_number"])
        assert "type" in event and "sequence_number" in event
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] == "response.completed"
    types = [e["type"] for e in events]
    for expected in ("response.queued", "response.in_progress", "response.output_item.added",
                     "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                     "response.content_part.done", "response.output_item.done", "response.llm_call"):
        assert expected in types
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    # Six chunks; those that arrive together are joined into one delta, so at least one and at most six.
    assert 1 <= len(deltas) <= 6
    assert all(d["logprobs"] == [] for d in deltas)
    final = events[-1]["response"]
    assert "".join(d["delta"] for d in deltas) == final["output_text"] == text
    response_id = events[0]["response"]["id"]
    assert alice.get(f"/v1/responses/{response_id}").json()["output_text"] == text


def test_accept_event_stream_without_stream_flag_is_json(alice):
    reply = alice.post("/v1/responses", json={"input": uscript({"say": "json"})},
                       headers={"accept": "text/event-stream"})
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["status"] == "completed"


def test_response_object_has_every_documented_key(alice):
    metadata = {"ticket": "ML-42", "team": "research"}
    body = create(alice, uscript({"say": "Shape check."}), instructions="Be brief.", metadata=metadata,
                  temperature=0.3, max_cost_usd=2.5)
    assert RESPONSE_KEYS <= set(body)
    assert RESPONSE_ID.match(body["id"])
    assert body["object"] == "response"
    assert isinstance(body["created_at"], int)
    assert body["model"] == "moonshotai/Kimi-K2.6:novita"
    assert body["status"] == "completed"
    assert body["error"] is None and body["incomplete_details"] is None
    assert body["instructions"] == "Be brief."
    assert body["metadata"] == metadata
    assert body["tools"] == [] and body["tool_choice"] == "auto" and body["parallel_tool_calls"] is True
    assert body["temperature"] == 0.3 and body["top_p"] is None
    assert body["background"] is False and body["previous_response_id"] is None
    assert body["artifacts"] == [] and body["max_cost_usd"] == 2.5
    assert body["session_id"].startswith("sess_")
    usage = body["usage"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens_details"]["cached_tokens"] == 0
    # The default model thinks: its reasoning is billed as output and shown as a reasoning item first.
    assert 0 < usage["output_tokens_details"]["reasoning_tokens"] < usage["output_tokens"]
    assert usage["cost_usd"] > 0
    assert body["reasoning"] == {"effort": None, "summary": None, "generate_summary": None, "context": None,
                                 "content": "full"} or body["reasoning"] is None
    reasoning, message = body["output"]
    assert reasoning["type"] == "reasoning" and reasoning["id"].startswith("rs_") and reasoning["summary"] == []
    assert reasoning["status"] == "completed" and reasoning["content"][0]["type"] == "reasoning_text"
    assert reasoning["content"][0]["text"]
    assert message["type"] == "message" and message["role"] == "assistant" and message["status"] == "completed"
    assert message["id"].startswith("msg_")
    [part] = message["content"]
    assert part == {"type": "output_text", "text": "Shape check.", "annotations": [], "logprobs": []}


def test_instructions_are_prefixed_to_the_task(alice, emulator):
    from tests.integration.helpers import chat_requests

    task = uscript({"say": "ok"})
    body = create(alice, task, instructions="INSTRUCTIONS-MARKER")
    [request] = chat_requests(emulator, body["session_id"])
    last_user = [m for m in request["json"]["messages"] if m["role"] == "user"][-1]
    assert last_user["content"] == f"INSTRUCTIONS-MARKER\n\n{task}"
    assert request["json"]["messages"][0]["role"] == "system"
