"""The parts of the server's JSON the client reads, as typed models. Lenient on purpose: unknown keys are
ignored and most fields are optional, so a newer server with more fields still works with this client."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Events after which the server closes a stream: the run ended, or paused.
TERMINAL_EVENTS = frozenset({"response.completed", "response.failed", "response.cancelled", "response.incomplete"})
SETTLED_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete"})


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorBody(Lenient):
    """The OpenAI error envelope's ``error`` object."""

    message: str = ""
    type: str | None = None
    code: str | None = None
    param: str | None = None


class RunError(Lenient):
    """A failed run's ``error``: ``code`` is the spec's, ``type`` the precise reason."""

    code: str | None = None
    message: str = ""
    type: str | None = None


class Budget(Lenient):
    max_cost_usd: float | None = None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    remaining_usd: float | None = None
    # The smallest cap under which the pending actions run; None when the amount is not why the run paused.
    required_max_cost_usd: float | None = None


class PendingAction(Lenient):
    kind: str                        # "model_call" | "tool_call"
    tool: str | None = None
    arguments: str | None = None
    estimate_usd: float | None = None  # None: the cost cannot be estimated
    reason: str = ""


class PendingApproval(Lenient):
    actions: list[PendingAction] = Field(default_factory=list)
    budget: Budget = Field(default_factory=Budget)


class Usage(Lenient):
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    session_cost_usd: float = 0.0


class PlanStep(Lenient):
    title: str
    status: str = "pending"          # pending | in_progress | completed


class Artifact(Lenient):
    type: str
    url: str
    id: str | None = None
    repo_id: str | None = None
    space_id: str | None = None
    project: str | None = None
    slug: str | None = None

    @property
    def name(self) -> str:
        return self.repo_id or self.slug or self.space_id or self.project or self.id or self.url


class OutputItem(Lenient):
    """An ``output[]`` item: a message, a reasoning item or a server-side tool call (``mcp_call``)."""

    id: str
    type: str
    status: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None
    error: dict[str, Any] | None = None
    content: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(part.get("text") or "" for part in self.content)

    @property
    def error_text(self) -> str | None:
        """A failed tool call's error as words (the spec's error object: content text, or a protocol message)."""
        if not self.error:
            return None
        texts = [part.get("text", "") for part in self.error.get("content") or [] if isinstance(part, dict)]
        return "".join(texts) or self.error.get("message") or json.dumps(self.error)


class IncompleteDetails(Lenient):
    reason: str


class Response(Lenient):
    id: str
    status: str
    model: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    output: list[OutputItem] = Field(default_factory=list)
    output_text: str | None = None
    error: RunError | None = None
    incomplete_details: IncompleteDetails | None = None
    usage: Usage | None = None
    max_cost_usd: float | None = None
    session_id: str | None = None
    previous_response_id: str | None = None
    artifacts: list[Artifact] = Field(default_factory=list)
    pending_approval: PendingApproval | None = None
    plan: list[PlanStep] | None = None

    @property
    def answer(self) -> str:
        """The final answer's text: ``output_text``, else the message items' text."""
        if self.output_text is not None:
            return self.output_text
        return "".join(item.text for item in self.output if item.type == "message")

    @property
    def paused_for_approval(self) -> bool:
        return (self.status == "incomplete" and self.incomplete_details is not None
                and self.incomplete_details.reason == "approval_required" and self.pending_approval is not None)


class ResponseList(Lenient):
    """``GET /v1/responses``: the caller's responses, newest first."""

    data: list[Response] = Field(default_factory=list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class ArtifactList(Lenient):
    data: list[Artifact] = Field(default_factory=list)


class ModelEntry(Lenient):
    id: str
    owned_by: str | None = None
    default: bool = False


class ModelList(Lenient):
    """``GET /v1/models``, or the older ``GET /api/config/model`` (which names the ``default``)."""

    data: list[ModelEntry] = Field(default_factory=list)
    default: str | None = None


# ---------------------------------------------------------------- events (the payloads the renderer reads)

class ItemEvent(Lenient):
    """``response.output_item.added`` / ``.done``."""

    output_index: int | None = None
    item: OutputItem


class DeltaEvent(Lenient):
    """``response.output_text.delta`` / ``response.reasoning_text.delta``."""

    item_id: str
    delta: str = ""


class ItemDiscarded(Lenient):
    """A failed model attempt's item: what it streamed is void."""

    item_id: str


class ToolLog(Lenient):
    item_id: str | None = None
    text: str = ""


class ArtifactCreated(Lenient):
    artifact: Artifact


class PlanUpdated(Lenient):
    plan: list[PlanStep] = Field(default_factory=list)


class Charge(Lenient):
    """``response.llm_call`` / ``response.action_cost``: every dollar is carried by one of these."""

    cost_usd: float = 0.0
    status: str | None = None
    attempt: int | None = None
    error_code: str | None = None
    will_retry: bool | None = None


class SnapshotEvent(Lenient):
    """``response.created`` / ``queued`` / ``in_progress`` and the terminal events: the whole response."""

    response: Response
