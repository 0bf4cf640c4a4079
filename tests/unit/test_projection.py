"""The response object is a projection of its event log: applying every stored event reproduces the materialised
snapshot exactly — for logs written by the real writer and for logs of real turns served over HTTP."""

from __future__ import annotations

import pytest

from agent import events as ev
from agent.bus import EventBus
from agent.item_streams import MessageStream, ReasoningStream
from agent.models import (
    Artifact, IncompleteDetails, McpCallItem, MessageItem, OutputText, ResponseError, ResponseObject,
)
from agent.writer import TurnWriter
from tests.integration.helpers import all_events, create, nonce, settle, uscript
from tests.unit.conftest import new_response


async def _write_message(writer: TurnWriter, index: int, chunks: list[str], status: str = "completed") -> None:
    item = MessageItem(id=f"msg_{index}")
    await writer.emit(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
    await writer.emit(ev.PART_ADDED, item_id=item.id, output_index=index, content_index=0,
                      part=OutputText().model_dump())
    for chunk in chunks:
        await writer.emit(ev.TEXT_DELTA, item_id=item.id, output_index=index, content_index=0, delta=chunk,
                          logprobs=[])
    text = "".join(chunks)
    await writer.emit(ev.TEXT_DONE, item_id=item.id, output_index=index, content_index=0, text=text, logprobs=[])
    await writer.emit(ev.PART_DONE, item_id=item.id, output_index=index, content_index=0,
                      part=OutputText(text=text).model_dump())
    await writer.emit(ev.ITEM_DONE, output_index=index,
                      item=item.model_copy(update={"status": status, "content": [OutputText(text=text)]}).model_dump())


async def _assert_projection_matches(store, response_id: str) -> ResponseObject:
    events = await store.events_after(response_id, -1, 5000)
    projected = ev.project(events)
    stored = await store.get_response(response_id)
    assert projected.public() == stored.snapshot
    assert projected.status == stored.status
    # Every prefix of the log is a valid projection too (what a client replaying from 0 sees on the way).
    for cut in range(1, len(events)):
        ev.project(events[:cut])
    return projected


async def test_projection_of_a_full_turn_equals_the_materialised_row(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5, session_spent_usd=0.5)
    await writer.set_status("in_progress")
    await _write_message(writer, 0, ["Let me ", "look."])
    await writer.emit(ev.LLM_CALL, model="m", attempt=1, status="ok", input_tokens=100, output_tokens=20,
                      cached_tokens=30, cost_usd=0.001)
    for index, name in ((1, "hub_search"), (2, "hub_repo_details")):
        item = McpCallItem(id=f"mcp_{index}", name=name, arguments='{"q": 1}')
        await writer.emit(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
    await writer.emit(ev.TOOL_LOG, item_id="mcp_2", output_index=2, text="log line")
    await writer.emit(ev.ITEM_DONE, output_index=2, item=McpCallItem(
        id="mcp_2", name="hub_repo_details", arguments='{"q": 1}', error="Error: boom", status="failed").model_dump())
    await writer.emit(ev.ITEM_DONE, output_index=1, item=McpCallItem(
        id="mcp_1", name="hub_search", arguments='{"q": 1}', output="results", status="completed").model_dump())
    await writer.record_artifact(Artifact(type="model", repo_id="alice/m", url="https://hf.co/alice/m"))
    await writer.record_artifact(Artifact(type="model", repo_id="alice/m", url="https://hf.co/alice/m"))
    await writer.record_artifact(Artifact(type="hf_job", id="j1", url="https://hf.co/jobs/alice/j1"))
    await writer.emit(ev.LLM_CALL, model="m", attempt=1, status="error", error_code="model_rate_limited",
                      will_retry=True)
    await writer.emit(ev.LLM_CALL, model="m", attempt=2, status="ok", input_tokens=200, output_tokens=40,
                      cost_usd=0.002)
    await _write_message(writer, 3, ["Done", "."])
    await writer.set_status("completed")
    await writer.close()

    projected = await _assert_projection_matches(store, row.id)
    assert projected.status == "completed" and projected.completed_at is not None
    assert [type(i).__name__ for i in projected.output] == ["MessageItem", "McpCallItem", "McpCallItem", "MessageItem"]
    assert projected.output_text == "Let me look.Done."
    assert [a["type"] for a in projected.artifacts] == ["model", "hf_job"]
    usage = projected.usage
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (300, 60, 360)
    assert usage.input_tokens_details.cached_tokens == 30
    assert usage.cost_usd == pytest.approx(0.003)


@pytest.mark.parametrize("status", ["failed", "cancelled", "incomplete"])
async def test_projection_of_an_interrupted_turn(store, status):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5)
    await writer.set_status("in_progress")
    item = MessageItem(id="msg_0")
    await writer.emit(ev.ITEM_ADDED, output_index=0, item=item.model_dump())
    await writer.emit(ev.PART_ADDED, item_id=item.id, output_index=0, content_index=0, part=OutputText().model_dump())
    await writer.emit(ev.TEXT_DELTA, item_id=item.id, output_index=0, content_index=0, delta="half", logprobs=[])
    tool_item = McpCallItem(id="mcp_1", name="t", arguments="{}")
    await writer.emit(ev.ITEM_ADDED, output_index=1, item=tool_item.model_dump())
    if status == "incomplete":
        await writer.emit(ev.APPROVAL_REQUIRED, actions=[{"kind": "tool_call", "tool": "t"}],
                          budget={"max_cost_usd": 1.0}, tool_calls=[])
    error = ResponseError(code="x", message="y") if status == "failed" else None
    incomplete = IncompleteDetails(reason="approval_required") if status == "incomplete" else None
    await writer.set_status(status, error=error, incomplete=incomplete)
    await writer.close()

    projected = await _assert_projection_matches(store, row.id)
    # Items cut off by the stop are reported as incomplete, not forever in progress.
    assert [i.status for i in projected.output] == ["incomplete", "incomplete"]
    assert projected.output_text == "half"
    assert (projected.error is not None) == (status == "failed")
    assert (projected.pending_approval is not None) == (status == "incomplete")


async def test_a_discarded_attempt_leaves_the_projection_and_its_index_is_not_reused(store):
    # The loop's sequence for a model call that failed mid-answer and was retried, with the real item streams.
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5)
    await writer.set_status("in_progress")
    failed_thought, failed = ReasoningStream(writer), MessageStream(writer)
    failed_thought.text("Let me think")
    failed.text("PARTIAL-")
    failed_ids = {failed_thought.item.id, failed.item.id}
    await failed_thought.discard()
    await failed.discard()
    assert writer.state.output == [] and writer.state.output_text == ""
    retry = MessageStream(writer)
    retry.text("PARTIAL-then whole.")
    await retry.finish("completed")
    tool_item = McpCallItem(id="mcp_1", name="t", arguments="{}")
    tool_index = writer.next_output_index()
    await writer.emit(ev.ITEM_ADDED, output_index=tool_index, item=tool_item.model_dump())
    await writer.emit(ev.ITEM_DONE, output_index=tool_index,
                      item=tool_item.model_copy(update={"output": "ok", "status": "completed"}).model_dump())
    await writer.set_status("completed")
    await writer.close()

    projected = await _assert_projection_matches(store, row.id)
    assert projected.output_text == "PARTIAL-then whole."
    assert [(i.type, i.status) for i in projected.output] == [("message", "completed"), ("mcp_call", "completed")]
    assert not failed_ids & {i.id for i in projected.output}
    events = await store.events_after(row.id, -1, 5000)
    # The failed items were closed as incomplete (their text as shown), then discarded; indexes 0 and 1 are theirs.
    done = [(e["output_index"], e["item"]["status"]) for e in events if e["type"] == ev.ITEM_DONE]
    assert done == [(0, "incomplete"), (1, "incomplete"), (2, "completed"), (3, "completed")]
    assert [e["output_index"] for e in events if e["type"] == ev.ITEM_DISCARDED] == [0, 1]
    assert [e["output_index"] for e in events if e["type"] == ev.ITEM_ADDED] == [0, 1, 2, 3]


async def test_deltas_joined_into_the_projection_later_give_the_text_in_order_and_a_closed_part_refuses_one(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5)
    await writer.set_status("in_progress")
    thought, answer = ReasoningStream(writer), MessageStream(writer)
    for i in range(40):  # the two parts alternate, then each gets a run of deltas
        (thought if i % 3 == 0 or 20 <= i < 30 else answer).text(f"<{i}>")
    assert writer.state.output[0].content[0].text == "".join(f"<{i}>" for i in range(40) if i % 3 == 0 or 20 <= i < 30)
    for i in range(40, 60):
        answer.text(f"<{i}>")
    await thought.finish("completed")
    await answer.finish("completed")
    reasoning, message = writer.state.output
    assert reasoning.content[0].text == thought_text(range(40))
    assert message.content[0].text == "".join(f"<{i}>" for i in range(60)
                                              if i >= 40 or not (i % 3 == 0 or 20 <= i < 30))
    # The address of the last delta, now closed: refused before it takes a number, nothing changed.
    last = writer.last_sequence
    with pytest.raises(ev.EventRefused):
        writer.emit_redacted_delta(ev.TEXT_DELTA, item_id=message.id, output_index=1, content_index=0, delta="late",
                                   logprobs=[])
    assert writer.last_sequence == last
    await writer.set_status("completed")
    await writer.close()
    projected = await _assert_projection_matches(store, row.id)
    assert projected.output_text == message.content[0].text


def thought_text(indices) -> str:
    return "".join(f"<{i}>" for i in indices if i % 3 == 0 or 20 <= i < 30)


async def test_unknown_events_change_nothing(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0)
    before = writer.state.public()
    await writer.emit("response.some_future_telemetry", detail=1)
    await writer.close()
    assert writer.state.public() == before
    await _assert_projection_matches(store, row.id)


def test_projection_needs_response_created_first():
    with pytest.raises(ValueError):
        ev.project([])


# ---------------------------------------------------------------- real turns, through the server

@pytest.mark.parametrize("steps", [
    [{"say": "Looking.", "calls": [{"call": "hub_search", "arguments": {"search": "bert", "limit": 50}},
                                   {"call": "hub_repo_details", "arguments": {"repo_id": "BAAI/bge-m3"}}]},
     {"bad_arguments": "hub_search"}, {"say": "Answer in several chunks.", "chunks": 5}],
    # Failure counters are keyed by the script text: a nonce keeps them this test's own.
    [{"error": 429, "times": 1}, {"say": f"retried {nonce()}"}],
    [{"error": 500, "times": 10}, {"say": f"fails {nonce()}"}],
], ids=["tools", "retry", "failed"])
def test_projection_of_a_served_turn_equals_get(alice, steps):
    body = create(alice, uscript(*steps))
    final = settle(alice, body["id"])
    events = all_events(alice, body["id"])
    assert ev.project(events).public() == final


def test_projection_of_a_served_cancelled_turn_equals_get(alice):
    running = create(alice, uscript({"say": "partial " * 20, "chunks": 40, "delay_ms": 50}), background=True)
    from tests.integration.helpers import stream_events

    stream_events(alice, "GET", f"/v1/responses/{running['id']}/events",
                  until=lambda e: e["type"] == "response.output_text.delta")
    alice.post(f"/v1/responses/{running['id']}/cancel")
    final = settle(alice, running["id"])
    assert final["status"] == "cancelled"
    assert ev.project(all_events(alice, running["id"])).public() == final
