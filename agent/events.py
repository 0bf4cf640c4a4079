"""Event types and the projection from a response's event log to its response object.

The log is the source of truth: ``project(events)`` must equal the materialised row the store keeps.
"""

from __future__ import annotations

from typing import Any, Iterable

import orjson

from agent.models import (
    ITEM_MODELS, Artifact, IncompleteDetails, McpCallItem, MessageItem, OutputText, ReasoningItem, ReasoningText,
    ResponseError, ResponseObject, Usage,
)

CREATED = "response.created"
QUEUED = "response.queued"
IN_PROGRESS = "response.in_progress"
COMPLETED = "response.completed"
FAILED = "response.failed"
INCOMPLETE = "response.incomplete"
CANCELLED = "response.cancelled"
ITEM_ADDED = "response.output_item.added"
ITEM_DONE = "response.output_item.done"
# Extension: an item of a failed model attempt, closed as incomplete, leaves output[] (docs/contract-choices.md).
ITEM_DISCARDED = "response.output_item.discarded"
PART_ADDED = "response.content_part.added"
PART_DONE = "response.content_part.done"
TEXT_DELTA = "response.output_text.delta"
TEXT_DONE = "response.output_text.done"
REASONING_DELTA = "response.reasoning_text.delta"
REASONING_DONE = "response.reasoning_text.done"
TOOL_LOG = "response.tool_log"
ARTIFACT_CREATED = "response.artifact.created"
APPROVAL_REQUIRED = "response.approval_required"
LLM_CALL = "response.llm_call"
# A costly action (a job, a paid Space) finished: its estimate moved from reserved to spent.
ACTION_COST = "response.action_cost"
PLAN_UPDATED = "response.plan.updated"

# The Responses spec's stream events (``ResponseStreamEvent`` types) this server emits, and its extensions
# (README, "Streaming and resumption"). Every event is in exactly one of the two.
STANDARD_EVENTS = frozenset({CREATED, QUEUED, IN_PROGRESS, COMPLETED, FAILED, INCOMPLETE, ITEM_ADDED, ITEM_DONE,
                             PART_ADDED, PART_DONE, TEXT_DELTA, TEXT_DONE, REASONING_DELTA, REASONING_DONE})
EXTENSION_EVENTS = frozenset({ITEM_DISCARDED, TOOL_LOG, ARTIFACT_CREATED, APPROVAL_REQUIRED, CANCELLED, LLM_CALL,
                              ACTION_COST, PLAN_UPDATED})
# Events carrying a full snapshot of the response (the OpenAI lifecycle events).
SNAPSHOT_EVENTS = frozenset({CREATED, QUEUED, IN_PROGRESS, COMPLETED, FAILED, INCOMPLETE, CANCELLED})
# After one of these the stream of a turn ends.
STREAM_END_EVENTS = frozenset({COMPLETED, FAILED, INCOMPLETE, CANCELLED})
# Events that may wait for a group commit; every other event is committed before the run goes on.
DEFERRABLE_EVENTS = frozenset({TEXT_DELTA, REASONING_DELTA, TOOL_LOG, LLM_CALL, ACTION_COST})
# The structure events of a streamed message or reasoning item: they may ride with their deltas' group commit
# (the streamed text is exactly as durable as its deltas; a commit each cost most of a short turn's CPU).
STREAMED_ITEM_EVENTS = frozenset({ITEM_ADDED, PART_ADDED, TEXT_DONE, REASONING_DONE, PART_DONE, ITEM_DONE})


class WireEvent(dict):
    """An event as committed. Its JSON is encoded once, on first use, and the same bytes go to every subscriber
    that sends it (events are never modified after they are emitted)."""

    __slots__ = ("_json", "emitted_at")

    def json(self) -> bytes:
        try:
            return self._json
        except AttributeError:
            self._json = orjson.dumps(self)
            return self._json


def event_json(event: dict[str, Any]) -> bytes:
    return event.json() if isinstance(event, WireEvent) else orjson.dumps(event)


def standard_view(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event as a standard-only stream (``stream_events: "standard"``) sends it, or None to leave it out.

    Extension events are left out, except ``response.cancelled``: the spec has no cancel event, so the stream ends
    with ``response.failed`` carrying the same (cancelled) response and sequence number. Everything else goes as
    stored, with its stored sequence number: the numbers have gaps where extensions were left out, which both SDKs
    accept, and a resumed stream's ``Last-Event-ID`` means the same in either view. A failed model attempt's items
    go as they streamed, closed with status ``incomplete`` (only their ``response.output_item.discarded`` is left
    out): the SDKs' accumulators need every item they saw added to be done, at an ``output_index`` never reused,
    and the terminal event's response holds the final output without them."""
    kind = event["type"]
    if kind in STANDARD_EVENTS:
        return event
    if kind == CANCELLED:
        return WireEvent({"type": FAILED, "response": event["response"], "sequence_number": event["sequence_number"]})
    return None


def snapshot_event(event_type: str, response: ResponseObject) -> dict[str, Any]:
    return {"type": event_type, "response": response.public()}


class EventRefused(ValueError):
    """An event that does not fit the projection (a delta for a part that was never opened, an item out of
    place...). ``apply`` raises it before changing anything, so the writer refuses the event before it takes a
    sequence number: the log stays gapless and replayable."""


def apply(state: ResponseObject, event: dict[str, Any]) -> ResponseObject:
    """Apply one event to the projection; returns the (possibly new) state. Unknown events change nothing.

    Every check comes before the first change: an event that raises (``EventRefused``, or a malformed payload)
    leaves ``state`` as it was. The checks of the streamed events are a few O(1) lookups on the item addressed."""
    kind = event["type"]
    if kind in SNAPSHOT_EVENTS:
        return ResponseObject.model_validate(event["response"])
    if kind in (TEXT_DELTA, REASONING_DELTA):
        delta = event["delta"]
        part = _part(state, event, MessageItem if kind == TEXT_DELTA else ReasoningItem)
        if not isinstance(delta, str):
            raise EventRefused(f"{kind}: delta is not text")
        part.text += delta
    elif kind == ITEM_ADDED:
        index, item = event["output_index"], _item(event["item"])
        # An output_index is never reused (after a discard it is past the end of output[]).
        if not isinstance(index, int) or index < len(state.output):
            raise EventRefused(f"{kind}: output_index {index} is taken ({len(state.output)} items)")
        if _find(state, item.id, index) is not None:
            raise EventRefused(f"{kind}: item {item.id} was already added")
        state.output.append(item)
    elif kind == ITEM_DONE:
        item = _item(event["item"])
        position, current = _open_item(state, kind, event["output_index"], item.id)
        if current.type != item.type:
            raise EventRefused(f"{kind}: a {item.type} item cannot close the {current.type} item {item.id}")
        state.output[position] = item
    elif kind == ITEM_DISCARDED:
        position = _find(state, event["item_id"], event["output_index"])
        if position is None:
            raise EventRefused(f"{kind}: no output item {event['item_id']!r}")
        del state.output[position]
    elif kind == PART_ADDED:
        _, target = _open_item(state, kind, event["output_index"], event["item_id"])
        if not isinstance(target, (MessageItem, ReasoningItem)):
            raise EventRefused(f"{kind}: a {target.type} item has no content parts")
        if event["content_index"] != len(target.content):
            raise EventRefused(f"{kind}: content_index {event['content_index']} is not the next part "
                               f"({len(target.content)}) of {target.id}")
        part_model = ReasoningText if isinstance(target, ReasoningItem) else OutputText
        target.content.append(part_model.model_validate(event["part"]))
    elif kind in (TEXT_DONE, REASONING_DONE):
        text = event["text"]
        part = _part(state, event, MessageItem if kind == TEXT_DONE else ReasoningItem)
        if not isinstance(text, str):
            raise EventRefused(f"{kind}: text is not text")
        part.text = text
    elif kind == PART_DONE:
        _part(state, event, (MessageItem, ReasoningItem))  # the part must exist; its text came with the .done
    elif kind == ARTIFACT_CREATED:
        artifact = Artifact.model_validate(event["artifact"])
        if all(Artifact.model_validate(a).key != artifact.key for a in state.artifacts):
            state.artifacts.append(artifact.public())
    elif kind == LLM_CALL:
        counts = [event.get(key, 0) for key in ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")]
        cost = event.get("cost_usd", 0.0)
        if not all(isinstance(n, int) for n in counts) or not isinstance(cost, (int, float)):
            raise EventRefused(f"{kind}: token counts and cost must be numbers")
        usage = state.usage or Usage()
        usage.input_tokens += counts[0]
        usage.output_tokens += counts[1]
        usage.input_tokens_details.cached_tokens += counts[2]
        usage.output_tokens_details.reasoning_tokens += counts[3]
        usage.total_tokens = usage.input_tokens + usage.output_tokens
        state.usage = _add_cost(usage, cost)
    elif kind == PLAN_UPDATED:
        state.plan = list(event["plan"])
    elif kind == ACTION_COST:
        cost = event["cost_usd"]
        if not isinstance(cost, (int, float)):
            raise EventRefused(f"{kind}: cost_usd must be a number")
        state.usage = _add_cost(state.usage or Usage(), cost)
    elif kind == APPROVAL_REQUIRED:
        state.pending_approval = {"actions": event.get("actions", []), "budget": event.get("budget", {}),
                                  "tool_calls": event.get("tool_calls", [])}
    return state


def project(events: Iterable[dict[str, Any]]) -> ResponseObject:
    state: ResponseObject | None = None
    for event in events:
        state = apply(state, event) if state is not None else ResponseObject.model_validate(event["response"])
    if state is None:
        raise ValueError("an event log starts with response.created")
    return state


def _add_cost(usage: Usage, usd: float) -> Usage:
    usage.cost_usd = round(usage.cost_usd + usd, 6)
    usage.session_cost_usd = round(usage.session_cost_usd + usd, 6)
    return usage


def _item(raw: dict[str, Any]) -> MessageItem | McpCallItem | ReasoningItem:
    model = ITEM_MODELS.get(raw.get("type")) if isinstance(raw, dict) else None
    if model is None:
        raise EventRefused(f"unknown item type {raw.get('type') if isinstance(raw, dict) else raw!r}")
    return model.model_validate(raw)


def _find(state: ResponseObject, item_id: Any, output_index: Any) -> int | None:
    """Where item ``item_id`` is in output[]. That is its output_index unless an earlier item was discarded (an
    output_index is never reused, so the items after it moved up): then search from the end, where the items
    being streamed are."""
    output = state.output
    if isinstance(output_index, int) and 0 <= output_index < len(output) and output[output_index].id == item_id:
        return output_index
    for position in range(len(output) - 1, -1, -1):
        if output[position].id == item_id:
            return position
    return None


def _open_item(state: ResponseObject, kind: str, index: Any,
               item_id: Any) -> tuple[int, MessageItem | McpCallItem | ReasoningItem]:
    """The position and the item ``item_id`` (addressed by ``index``), which must not be done yet."""
    position = _find(state, item_id, index)
    if position is None:
        raise EventRefused(f"{kind}: no output item {item_id!r} (output_index {index})")
    item = state.output[position]
    if item.status != "in_progress":
        raise EventRefused(f"{kind}: output item {item_id} is already {item.status}")
    return position, item


def _part(state: ResponseObject, event: dict[str, Any],
          item_type: type | tuple[type, ...]) -> OutputText | ReasoningText:
    """The content part a text or reasoning event addresses: an open item of ``item_type``, a part it opened."""
    return _addressed_part(state, event["type"], event["item_id"], event["output_index"], event["content_index"],
                           item_type)


def text_part(state: ResponseObject, kind: str, item_id: Any, output_index: Any,
              content_index: Any) -> OutputText | ReasoningText:
    """The part a text (``TEXT_DELTA``) or reasoning (``REASONING_DELTA``) delta of this address fills."""
    return _addressed_part(state, kind, item_id, output_index, content_index,
                           MessageItem if kind == TEXT_DELTA else ReasoningItem)


def _addressed_part(state: ResponseObject, kind: str, item_id: Any, output_index: Any, index: Any,
                    item_type: type | tuple[type, ...]) -> OutputText | ReasoningText:
    _, item = _open_item(state, kind, output_index, item_id)
    if not isinstance(item, item_type):
        raise EventRefused(f"{kind}: output item {item.id} is a {item.type} item")
    if not isinstance(index, int) or not 0 <= index < len(item.content):
        raise EventRefused(f"{kind}: {item.id} has no content part {index} (a part is opened by "
                           f"{PART_ADDED})")
    return item.content[index]


def with_status(state: ResponseObject, status: str, *, error: ResponseError | None = None,
                incomplete: IncompleteDetails | None = None, completed_at: int | None = None) -> ResponseObject:
    """A copy of ``state`` moved to ``status`` (the writer emits it as a snapshot event)."""
    output = state.output
    if status in ("failed", "cancelled", "incomplete"):
        # Items cut off by the stop are reported as incomplete rather than forever in progress.
        output = [item.model_copy(update={"status": "incomplete"}) if item.status == "in_progress" else item
                  for item in state.output]
    # Shallow: the writer drops the old state for this one (a deep copy of the whole response was a tenth of a
    # short turn's CPU); the output list is new, so appending to one never shows in the other.
    return state.model_copy(update={
        "status": status,
        "output": list(output),
        "error": error,
        "incomplete_details": incomplete,
        "completed_at": completed_at,
        "pending_approval": state.pending_approval if status == "incomplete" else None,
    })
