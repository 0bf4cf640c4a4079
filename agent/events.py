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


def snapshot_event(event_type: str, response: ResponseObject) -> dict[str, Any]:
    return {"type": event_type, "response": response.public()}


def apply(state: ResponseObject, event: dict[str, Any]) -> ResponseObject:
    """Apply one event to the projection; returns the (possibly new) state. Unknown events change nothing."""
    kind = event["type"]
    if kind in SNAPSHOT_EVENTS:
        return ResponseObject.model_validate(event["response"])
    if kind in (ITEM_ADDED, ITEM_DONE):
        item = event["item"]
        _set_item(state, event["output_index"], ITEM_MODELS[item["type"]].model_validate(item))
    elif kind == ITEM_DISCARDED:
        del state.output[_position(state, event["item_id"], event["output_index"])]
    elif kind == PART_ADDED:
        target = state.output[_position(state, event["item_id"], event["output_index"])]
        if isinstance(target, ReasoningItem):
            target.content.append(ReasoningText.model_validate(event["part"]))
        else:
            assert isinstance(target, MessageItem)
            target.content.append(OutputText.model_validate(event["part"]))
    elif kind in (TEXT_DELTA, REASONING_DELTA):
        _part(state, event).text += event["delta"]
    elif kind in (TEXT_DONE, REASONING_DONE):
        _part(state, event).text = event["text"]
    elif kind == ARTIFACT_CREATED:
        artifact = Artifact.model_validate(event["artifact"])
        if all(Artifact.model_validate(a).key != artifact.key for a in state.artifacts):
            state.artifacts.append(artifact.public())
    elif kind == LLM_CALL:
        usage = state.usage or Usage()
        usage.input_tokens += event.get("input_tokens", 0)
        usage.output_tokens += event.get("output_tokens", 0)
        usage.input_tokens_details.cached_tokens += event.get("cached_tokens", 0)
        usage.output_tokens_details.reasoning_tokens += event.get("reasoning_tokens", 0)
        usage.total_tokens = usage.input_tokens + usage.output_tokens
        state.usage = _add_cost(usage, event.get("cost_usd", 0.0))
    elif kind == PLAN_UPDATED:
        state.plan = list(event["plan"])
    elif kind == ACTION_COST:
        state.usage = _add_cost(state.usage or Usage(), event["cost_usd"])
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


def _part(state: ResponseObject, event: dict[str, Any]) -> OutputText | ReasoningText:
    """The content part a text or reasoning event addresses (a message's or a reasoning item's)."""
    item = state.output[_position(state, event["item_id"], event["output_index"])]
    assert isinstance(item, (MessageItem, ReasoningItem))
    return item.content[event["content_index"]]


def _find(state: ResponseObject, item_id: str, output_index: int) -> int | None:
    """Where item ``item_id`` is in output[]. That is its output_index unless an earlier item was discarded (an
    output_index is never reused, so the items after it moved up): then search from the end, where the items
    being streamed are."""
    output = state.output
    if output_index < len(output) and output[output_index].id == item_id:
        return output_index
    for position in range(len(output) - 1, -1, -1):
        if output[position].id == item_id:
            return position
    return None


def _position(state: ResponseObject, item_id: str, output_index: int) -> int:
    position = _find(state, item_id, output_index)
    if position is None:
        raise ValueError(f"no output item {item_id!r} (output_index {output_index})")
    return position


def _set_item(state: ResponseObject, index: int, item: MessageItem | McpCallItem | ReasoningItem) -> None:
    """An item added (appended) or done (replacing the item of the same id)."""
    position = _find(state, item.id, index)
    if position is None:
        state.output.append(item)
    else:
        state.output[position] = item


def with_status(state: ResponseObject, status: str, *, error: ResponseError | None = None,
                incomplete: IncompleteDetails | None = None, completed_at: int | None = None) -> ResponseObject:
    """A copy of ``state`` moved to ``status`` (the writer emits it as a snapshot event)."""
    output = state.output
    if status in ("failed", "cancelled", "incomplete"):
        # Items cut off by the stop are reported as incomplete rather than forever in progress.
        output = [item.model_copy(update={"status": "incomplete"}) if item.status == "in_progress" else item
                  for item in state.output]
    return state.model_copy(update={
        "status": status,
        "output": output,
        "error": error,
        "incomplete_details": incomplete,
        "completed_at": completed_at,
        "pending_approval": state.pending_approval if status == "incomplete" else None,
    }, deep=True)
