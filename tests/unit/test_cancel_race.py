"""A cancel may land at any moment of a streamed answer: every turn still settles ``cancelled`` or ``completed``,
and its log stays gapless (sequence numbers 0..n) and replayable (the stored events rebuild the stored response).

The turns here are driven in-process, through the real TurnWriter, item streams, projection and store, so that
hundreds of cancel points run in a few seconds; tests/integration/test_cancel_race.py does the same through the
HTTP API against the emulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent import events as ev
from agent.bus import EventBus
from agent.item_streams import MessageStream, ReasoningStream
from agent.loop import TurnCancelled
from agent.models import MessageItem, OutputText
from agent.redact import REDACTED
from agent.store.store import Store
from agent.writer import TurnWriter
from tests.unit.conftest import new_response

SECRET = "hf_" + "S" * 34
CASES = 500


class InterruptedWriter(TurnWriter):
    """A TurnWriter on which the turn's cancel lands at its ``cancel_at``-th streamed emission: that emission
    raises TurnCancelled before its event is taken, as a cancellation at an await inside it would. Every
    boundary between two events of an item (between ``output_item.added`` and ``content_part.added`` too)
    is a point where a cancel can land."""

    def __init__(self, *args: Any, cancel_at: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.countdown = cancel_at
        self.interrupted = False

    def _maybe_cancel(self) -> None:
        if self.countdown is None:
            return
        if self.countdown == 0:
            self.countdown, self.interrupted = None, True
            raise TurnCancelled()
        self.countdown -= 1

    def emit_deferred(self, event_type: str, **payload: Any) -> dict[str, Any]:
        self._maybe_cancel()
        return super().emit_deferred(event_type, **payload)

    def emit_redacted_delta(self, event_type: str, **payload: Any) -> dict[str, Any]:
        self._maybe_cancel()
        return super().emit_redacted_delta(event_type, **payload)


@dataclass
class Attempt:
    """One model call: its reasoning and answer chunks in the order they arrive; a failed call drops after them."""

    chunks: list[tuple[str, str]] = field(default_factory=list)   # ("reasoning" | "text", delta)
    fails: bool = False


def random_attempts(rng: random.Random) -> list[Attempt]:
    attempts = []
    count = rng.choice((1, 1, 2))
    for number in range(count):
        attempt = Attempt(fails=number < count - 1)  # every call but the last breaks off and is retried
        thinking = [f"think{i} " for i in range(rng.randint(0, 3))]
        answer = [f"word{i} " for i in range(rng.randint(0, 5))]
        if answer and rng.random() < 0.3:
            # A credential split across deltas: the redactor holds its start back until the end of the text.
            cut = rng.randint(1, len(SECRET) - 1)
            answer[-1:] = [answer[-1] + SECRET[:cut], SECRET[cut:] + " end"]
        attempt.chunks = [("reasoning", t) for t in thinking] + [("text", t) for t in answer]
        attempts.append(attempt)
    return attempts


async def play(writer: TurnWriter, attempts: list[Attempt]) -> None:
    """The model calls of one turn, streamed as the agent loop streams them, then the turn's settled status.
    A cancel (from any emission of the streams, their closing included) closes what is open as incomplete."""
    try:
        for attempt in attempts:
            stream = MessageStream(writer, (SECRET,))
            thought = ReasoningStream(writer, (SECRET,))
            try:
                for kind, delta in attempt.chunks:
                    (thought if kind == "reasoning" else stream).text(delta)
                # A failed call's output is closed as incomplete, then the call is tried again.
                await thought.finish("incomplete" if attempt.fails else "completed")
                await stream.finish("incomplete" if attempt.fails else "completed")
            except TurnCancelled:
                await thought.finish("incomplete")
                await stream.finish("incomplete")
                raise
            if not attempt.fails:
                break
        await writer.set_status("completed")
    except TurnCancelled:
        await writer.set_status("cancelled")
    finally:
        await writer.close()


def streamed_emissions(attempts: list[Attempt]) -> int:
    """An upper bound of the streamed emissions of a turn that is not cancelled (every boundary is tried)."""
    # per stream: item added, part added, the held tail's delta, text done, part done, item done
    return sum(2 * 6 + len(a.chunks) for a in attempts)


def assert_item_grammar(events: list[dict[str, Any]], *, interrupted: bool) -> None:
    """Per streamed item: added → [part added → deltas → text done → part done] → item done, once each; the
    deltas join into the done text and the item's final text; no event for a part that was never opened."""
    items: dict[str, dict[str, Any]] = {}
    for event in events:
        kind = event["type"]
        if kind == ev.ITEM_ADDED:
            assert event["item"]["id"] not in items
            items[event["item"]["id"]] = {"steps": ["added"], "deltas": "", "done_text": None, "item": None}
            continue
        item_id = event["item"]["id"] if kind == ev.ITEM_DONE else event.get("item_id")
        if item_id is None or kind in (ev.LLM_CALL, ev.TOOL_LOG, ev.ACTION_COST):
            continue
        seen = items[item_id]
        assert seen["item"] is None, f"{kind} after the item was done"
        if kind == ev.PART_ADDED:
            assert seen["steps"] == ["added"]
            seen["steps"].append("part")
        elif kind in (ev.TEXT_DELTA, ev.REASONING_DELTA):
            assert seen["steps"] == ["added", "part"], f"a delta for a part that was not opened: {seen['steps']}"
            seen["deltas"] += event["delta"]
        elif kind in (ev.TEXT_DONE, ev.REASONING_DONE):
            assert seen["steps"] == ["added", "part"], f"{kind} for a part that was not opened: {seen['steps']}"
            seen["steps"].append("text_done")
            seen["done_text"] = event["text"]
        elif kind == ev.PART_DONE:
            assert seen["steps"] == ["added", "part", "text_done"], seen["steps"]
            seen["steps"].append("part_done")
            assert event["part"]["text"] == seen["done_text"]
        elif kind == ev.ITEM_DONE:
            seen["item"] = event["item"]
            if seen["steps"] == ["added"]:
                # Its part was never opened: closed as incomplete, with no content.
                assert event["item"]["status"] == "incomplete" and event["item"]["content"] == []
            else:
                assert seen["steps"] == ["added", "part", "text_done", "part_done"], seen["steps"]
                assert [p["text"] for p in event["item"]["content"]] == [seen["done_text"]]
    for item_id, seen in items.items():
        assert seen["item"] is not None, f"{item_id} was never closed"
        if seen["done_text"] is not None:
            assert seen["deltas"] == seen["done_text"]
        assert SECRET not in seen["deltas"]
        if not interrupted:
            assert seen["item"]["status"] in ("completed", "incomplete")


async def run_case(store: Store, rng: random.Random, attempts: list[Attempt], cancel_at: int | None) -> None:
    row = await new_response(store)
    bus = EventBus()
    live = bus.subscribe(row.id)
    writer = InterruptedWriter(store, bus, row, flush_ms=rng.choice((0, 1, 5)), secrets=(SECRET,),
                               snapshot_ms=rng.choice((0, 50)), cancel_at=cancel_at)
    await writer.set_status("in_progress")
    await play(writer, attempts)

    stored = await store.events_after(row.id, -1, 5000)
    stored_row = await store.get_response(row.id)
    # Every turn settles cancelled (when the cancel landed) or completed.
    assert stored_row.status == ("cancelled" if writer.interrupted else "completed")
    assert stored[-1]["type"] == (ev.CANCELLED if writer.interrupted else ev.COMPLETED)
    # Gapless: 0..n, and what live subscribers were sent is exactly the stored log after the first two.
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
    sent = []
    while (batch := await live.next_batch(0)) is not None:
        sent.extend(batch)
    assert sent == stored[2:]
    # Replayable: the stored events rebuild the stored response, and the writer's own projection.
    assert ev.project(stored).public() == stored_row.snapshot == writer.state.public()
    assert_item_grammar(stored, interrupted=writer.interrupted)
    if not writer.interrupted:
        expected = "".join(t for k, t in attempts[-1].chunks if k == "text").replace(SECRET, REDACTED)
        assert writer.state.output_text.endswith(expected)


async def test_random_cancel_points_leave_every_log_gapless_and_replayable(store):
    rng = random.Random(20261127)
    cancelled = 0
    for _case in range(CASES):
        attempts = random_attempts(rng)
        cancel_at = rng.randint(0, streamed_emissions(attempts)) if rng.random() < 0.85 else None
        await run_case(store, rng, attempts, cancel_at)
        cancelled += cancel_at is not None
    assert cancelled > CASES // 2


async def test_every_cancel_point_of_a_reasoned_answer(store):
    """Each emission of a turn that thinks, then answers, in turn: the cancel lands there."""
    attempts = [Attempt(chunks=[("reasoning", "hmm "), ("reasoning", "ok"), ("text", "The "), ("text", "answer.")])]
    rng = random.Random(7)
    for cancel_at in range(streamed_emissions(attempts) + 1):
        await run_case(store, rng, attempts, cancel_at)


async def test_a_cancel_between_item_added_and_part_added_closes_only_the_item(store):
    row = await new_response(store)
    # Emissions: reasoning item added (0), cancel at its content part (1).
    writer = InterruptedWriter(store, EventBus(), row, flush_ms=0, cancel_at=1)
    await writer.set_status("in_progress")
    await play(writer, [Attempt(chunks=[("reasoning", "thinking"), ("text", "answer")])])
    stored = await store.events_after(row.id, -1, 5000)
    assert [e["type"] for e in stored] == [ev.CREATED, ev.QUEUED, ev.IN_PROGRESS, ev.ITEM_ADDED, ev.ITEM_DONE,
                                           ev.CANCELLED]
    assert stored[4]["item"]["status"] == "incomplete" and stored[4]["item"]["content"] == []
    assert [e["sequence_number"] for e in stored] == list(range(6))
    assert ev.project(stored).public() == (await store.get_response(row.id)).snapshot


# ---------------------------------------------------------------- the writer: refuse before a number is taken

def _text_done(item_id: str, index: int) -> dict[str, Any]:
    return {"item_id": item_id, "output_index": index, "content_index": 0, "text": "x", "logprobs": []}


@pytest.mark.parametrize("refused", [
    # a .done for a part that was never opened (the message item has no content part)
    lambda w: w.emit_deferred(ev.TEXT_DONE, **_text_done("msg_0", 0)),
    # a delta for an item that does not exist
    lambda w: w.emit_redacted_delta(ev.TEXT_DELTA, item_id="msg_9", output_index=9, content_index=0, delta="x",
                                    logprobs=[]),
    # a delta addressed to the right index but another item's id
    lambda w: w.emit_deferred(ev.TEXT_DELTA, item_id="msg_other", output_index=0, content_index=0, delta="x",
                              logprobs=[]),
    # reasoning text into a message item
    lambda w: w.emit_deferred(ev.REASONING_DELTA, item_id="msg_0", output_index=0, content_index=0, delta="x"),
    # an item added at an output_index already taken (indexes are never reused; after a discard they skip)
    lambda w: w.emit_deferred(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_5").model_dump()),
    # a second content part at index 1 of an item whose part 0 was never opened
    lambda w: w.emit_deferred(ev.PART_ADDED, item_id="msg_0", output_index=0, content_index=1,
                              part=OutputText().model_dump()),
], ids=["done-without-part", "unknown-item", "wrong-item-id", "wrong-kind", "index-taken", "part-out-of-order"])
async def test_an_event_the_projection_refuses_takes_no_sequence_number(store, refused):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=5)
    await writer.set_status("in_progress")
    writer.emit_deferred(ev.ITEM_ADDED, output_index=0, item=MessageItem(id="msg_0").model_dump())
    before, last = writer.state.public(), writer.last_sequence
    with pytest.raises(ev.EventRefused):
        refused(writer)
    assert writer.last_sequence == last
    assert writer.state.public() == before
    await writer.set_status("completed")
    await writer.close()
    stored = await store.events_after(row.id, -1, 5000)
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
    assert ev.project(stored).public() == (await store.get_response(row.id)).snapshot


async def test_a_durable_event_the_projection_refuses_takes_no_number_and_commits_nothing(store):
    row = await new_response(store)
    writer = TurnWriter(store, EventBus(), row, flush_ms=0)
    await writer.set_status("in_progress")
    last = writer.last_sequence
    with pytest.raises(ev.EventRefused):
        await writer.emit(ev.ITEM_DONE, output_index=0, item=MessageItem(id="msg_0").model_dump())
    assert writer.last_sequence == last and writer.state.output == []
    await writer.set_status("completed")
    await writer.close()
    stored = await store.events_after(row.id, -1, 5000)
    assert [e["sequence_number"] for e in stored] == list(range(len(stored)))
