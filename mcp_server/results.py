"""Typed results of the MCP tools.

Every tool returns one of these pydantic models, so the SDK publishes an ``outputSchema`` for the tool and
answers each call with ``structuredContent`` (plus the same JSON as text for clients that only read text).
They are views of the service's response object, shaped for an assistant that polls: short previews instead
of full tool logs, only what is new when ``since_sequence`` is given, and a ``next_step`` hint.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskStatus = Literal["queued", "in_progress", "completed", "failed", "cancelled", "incomplete"]


class ToolCallSummary(BaseModel):
    """A tool the agent ran on the server (the caller never executes these)."""

    id: str
    name: str = Field(description="Tool name, e.g. hub_search, hf_jobs_run.")
    status: Literal["in_progress", "completed", "failed", "incomplete"]
    arguments_preview: str = Field("", description="The call's JSON arguments, truncated.")
    output_preview: str | None = Field(None, description="The start of the tool's output, truncated.")
    error: str | None = None


class ArtifactRef(BaseModel):
    """A Hugging Face resource the run created: a job, a trackio dashboard, a model/dataset/Space repo, a collection."""

    model_config = ConfigDict(extra="allow")

    type: Literal["hf_job", "trackio_dashboard", "model", "dataset", "space", "collection"]
    url: str = Field(description="Where to open it.")
    id: str | None = Field(None, description="Job id (hf_job).")
    repo_id: str | None = Field(None, description="Repository id (model, dataset, space).")
    space_id: str | None = Field(None, description="Space hosting the dashboard (trackio_dashboard).")
    project: str | None = Field(None, description="trackio project (trackio_dashboard).")
    slug: str | None = Field(None, description="Collection slug (collection).")


class ErrorInfo(BaseModel):
    code: str
    message: str


class IncompleteInfo(BaseModel):
    reason: str = Field(description="approval_required (call approve); server_restart or max_output_tokens (the "
                                    "response's output budget, set over HTTP, was spent): submit a follow-up with "
                                    "previous_response_id.")


class UsageInfo(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = Field(0.0, description="Estimated spend attributed to this response.")
    session_cost_usd: float = Field(0.0, description="Estimated spend of the whole session so far.")


class TaskSnapshot(BaseModel):
    """The state of one agent turn (an ML Intern response)."""

    response_id: str = Field(description="Pass to get_response / approve / cancel / list_artifacts.")
    session_id: str = Field(description="The conversation; chain a follow-up with previous_response_id.")
    status: TaskStatus = Field(description="queued / in_progress (still working, poll again), completed, failed, "
                                           "cancelled, or incomplete (paused: see incomplete_details).")
    model: str
    output_text: str | None = Field(
        None, description="The agent's answer text so far. Null when since_sequence was given (read new_output_text), "
                          "unless text returned earlier was withdrawn (a failed model call's): then it replaces "
                          "the text you collected.")
    new_output_text: str | None = Field(
        None, description="Only the text streamed after since_sequence (null when since_sequence was not given).")
    tool_calls: list[ToolCallSummary] = Field(
        default_factory=list,
        description="Tools the agent ran; with since_sequence only those started or finished since then.")
    artifacts: list[ArtifactRef] = Field(
        default_factory=list, description="Deduplicated Hub resources the run created, with URLs.")
    pending_approval: dict[str, Any] | None = Field(
        None, description="When paused for approval: the actions waiting and the budget context.")
    reasoning_summary: str | None = Field(
        None, description="The start of the model's latest reasoning (its thinking before the last answer or tool "
                          "call), shortened; null when the model did not reason or the caller turned it off.")
    plan: list[dict[str, str]] | None = Field(
        None, description="The agent's latest plan: steps with status pending / in_progress / completed / skipped.")
    error: ErrorInfo | None = None
    incomplete_details: IncompleteInfo | None = None
    usage: UsageInfo | None = None
    max_cost_usd: float | None = Field(None, description="The session's spend cap in USD.")
    previous_response_id: str | None = None
    last_sequence: int = Field(
        -1, description="Sequence number of the last event reflected here: pass it as since_sequence next time.")
    next_step: str = Field(description="What to do next.")


class ArtifactList(BaseModel):
    """Artifacts of a response or of a whole session, deduplicated."""

    response_id: str | None = None
    session_id: str | None = None
    count: int
    artifacts: list[ArtifactRef]
