"""Typed models of the events a response's log holds and its SSE streams carry (one model per ``type``).

The writer builds events as plain dicts on its hot path; these models say what each one holds, for the OpenAPI
document (``/openapi.json``) and for tests, which check that every event the server emits validates against its
model (``validate_event``). A new event type or field needs its model here, or those tests fail.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from agent.budget import PendingAction
from agent.models import Artifact, OutputItem, OutputText, ReasoningText, ResponseObject
from agent.tools.plan import PlanStep


class _Event(BaseModel):
    # Strict: a field the writer adds without declaring it here fails the event tests.
    model_config = ConfigDict(extra="forbid")
    sequence_number: int = Field(ge=0, description="Per response, from 0, gapless; also the SSE `id:`.")


# ---------------------------------------------------------------- lifecycle: a full snapshot of the response

class _SnapshotEvent(_Event):
    response: ResponseObject


class ResponseCreatedEvent(_SnapshotEvent):
    type: Literal["response.created"]


class ResponseQueuedEvent(_SnapshotEvent):
    type: Literal["response.queued"]


class ResponseInProgressEvent(_SnapshotEvent):
    type: Literal["response.in_progress"]


class ResponseCompletedEvent(_SnapshotEvent):
    type: Literal["response.completed"]


class ResponseFailedEvent(_SnapshotEvent):
    type: Literal["response.failed"]


class ResponseIncompleteEvent(_SnapshotEvent):
    """A resumable pause (``approval_required``) or a turn stopped by a restart (``server_restart``)."""

    type: Literal["response.incomplete"]


class ResponseCancelledEvent(_SnapshotEvent):
    """Extension: the turn was cancelled."""

    type: Literal["response.cancelled"]


# ---------------------------------------------------------------- output items and their content

class _ItemEvent(_Event):
    output_index: int = Field(ge=0)
    item: OutputItem


class ResponseOutputItemAddedEvent(_ItemEvent):
    type: Literal["response.output_item.added"]


class ResponseOutputItemDoneEvent(_ItemEvent):
    type: Literal["response.output_item.done"]


class ResponseOutputItemDiscardedEvent(_Event):
    """Extension: an item of a failed model attempt, already closed as incomplete, leaves ``output[]``."""

    type: Literal["response.output_item.discarded"]
    output_index: int = Field(ge=0)
    item_id: str


ContentPart = Annotated[Union[OutputText, ReasoningText], Field(discriminator="type")]


class _PartEvent(_Event):
    item_id: str
    output_index: int = Field(ge=0)
    content_index: int = Field(ge=0)


class ResponseContentPartAddedEvent(_PartEvent):
    type: Literal["response.content_part.added"]
    part: ContentPart


class ResponseContentPartDoneEvent(_PartEvent):
    type: Literal["response.content_part.done"]
    part: ContentPart


class ResponseTextDeltaEvent(_PartEvent):
    type: Literal["response.output_text.delta"]
    delta: str
    logprobs: list[Any] = Field(default_factory=list)


class ResponseTextDoneEvent(_PartEvent):
    type: Literal["response.output_text.done"]
    text: str
    logprobs: list[Any] = Field(default_factory=list)


class ResponseReasoningTextDeltaEvent(_PartEvent):
    type: Literal["response.reasoning_text.delta"]
    delta: str


class ResponseReasoningTextDoneEvent(_PartEvent):
    type: Literal["response.reasoning_text.done"]
    text: str


# ---------------------------------------------------------------- extensions

class ResponseToolLogEvent(_Event):
    """The full output of a tool call (``output[]`` keeps 4 KB of it) or a line of a job's log."""

    type: Literal["response.tool_log"]
    item_id: str
    output_index: int = Field(ge=0)
    text: str


class ResponseArtifactCreatedEvent(_Event):
    type: Literal["response.artifact.created"]
    artifact: Artifact


class BudgetContext(BaseModel):
    max_cost_usd: float
    spent_usd: float
    reserved_usd: float
    remaining_usd: float


class FunctionCall(BaseModel):
    name: str
    arguments: str


class PendingToolCall(BaseModel):
    """A model tool call held for approval (chat-completions shape)."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ResponseApprovalRequiredEvent(_Event):
    """The turn pauses: the pending actions and the budget they would exceed. The stream ends after the
    ``response.incomplete`` that follows."""

    type: Literal["response.approval_required"]
    actions: list[PendingAction]
    budget: BudgetContext
    tool_calls: list[PendingToolCall] = Field(default_factory=list)


class ResponseLlmCallEvent(_Event):
    """Telemetry of one model call (the turn's, or a research sub-agent's): tokens, cost, latency, retries.
    Open to further telemetry fields."""

    model_config = ConfigDict(extra="allow")
    type: Literal["response.llm_call"]
    model: str
    status: Literal["ok", "error"]
    attempt: int | None = Field(None, ge=1)
    cost_usd: float | None = Field(None, ge=0)
    input_tokens: int | None = Field(None, ge=0)
    output_tokens: int | None = Field(None, ge=0)
    reasoning_tokens: int | None = Field(None, ge=0)
    cached_tokens: int | None = Field(None, ge=0)
    price_source: str | None = None
    duration_ms: float | None = Field(None, ge=0)
    tool_calls: int | None = Field(None, ge=0)
    finish_reason: str | None = None
    max_tokens: int | None = Field(None, ge=1)
    error_code: str | None = None
    will_retry: bool | None = None
    subagent: str | None = None
    step: int | None = Field(None, ge=1)


class ResponseActionCostEvent(_Event):
    """A costly action (a job, a paid Space) was charged its estimate. Open to further details."""

    model_config = ConfigDict(extra="allow")
    type: Literal["response.action_cost"]
    cost_usd: float = Field(ge=0)
    tool: str | None = None
    call_id: str | None = None
    item_id: str | None = None


class ResponsePlanUpdatedEvent(_Event):
    type: Literal["response.plan.updated"]
    item_id: str
    plan: list[PlanStep]


StreamEvent = Annotated[Union[
    ResponseCreatedEvent, ResponseQueuedEvent, ResponseInProgressEvent, ResponseCompletedEvent,
    ResponseFailedEvent, ResponseIncompleteEvent, ResponseCancelledEvent,
    ResponseOutputItemAddedEvent, ResponseOutputItemDoneEvent, ResponseOutputItemDiscardedEvent,
    ResponseContentPartAddedEvent, ResponseContentPartDoneEvent,
    ResponseTextDeltaEvent, ResponseTextDoneEvent, ResponseReasoningTextDeltaEvent, ResponseReasoningTextDoneEvent,
    ResponseToolLogEvent, ResponseArtifactCreatedEvent, ResponseApprovalRequiredEvent, ResponseLlmCallEvent,
    ResponseActionCostEvent, ResponsePlanUpdatedEvent,
], Field(discriminator="type")]

STREAM_EVENT = TypeAdapter(StreamEvent)

# type -> model, e.g. "response.tool_log" -> ResponseToolLogEvent.
EVENT_MODELS: dict[str, type[BaseModel]] = {
    get_args(model.model_fields["type"].annotation)[0]: model for model in get_args(get_args(StreamEvent)[0])}


def validate_event(event: dict[str, Any]) -> BaseModel:
    """The event as its model; raises ``pydantic.ValidationError`` when it does not fit (or has no model)."""
    return STREAM_EVENT.validate_python(event)
