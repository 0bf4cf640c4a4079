"""The response object and its output items, usage, errors and artifacts (OpenAI Responses shape + extensions)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from agent.models.common import DEFAULT_MAX_COST_USD, ResponseStatus
from agent.models.requests import ReasoningParam, ServiceTier, StreamEvents, TextParam, Truncation


# ---------------------------------------------------------------- response object

class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str = ""
    annotations: list[Any] = Field(default_factory=list)
    logprobs: list[Any] = Field(default_factory=list)


class MessageItem(BaseModel):
    id: str
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed", "incomplete"] = "in_progress"
    content: list[OutputText] = Field(default_factory=list)


class TextContent(BaseModel):
    """A text block of a tool result (MCP's ``TextContent``)."""

    type: Literal["text"] = "text"
    text: str


class McpProtocolError(BaseModel):
    """The call never reached a tool: the agent named a tool that does not exist (JSON-RPC ``code``)."""

    type: Literal["mcp_protocol_error"] = "mcp_protocol_error"
    code: int
    message: str


class McpToolExecutionError(BaseModel):
    """The tool ran and failed, or the caller denied it: ``content`` is the result the agent read."""

    type: Literal["mcp_tool_execution_error"] = "mcp_tool_execution_error"
    content: list[TextContent]

    @classmethod
    def of(cls, text: str) -> "McpToolExecutionError":
        return cls(content=[TextContent(text=text)])


McpCallError = Annotated[Union[McpProtocolError, McpToolExecutionError], Field(discriminator="type")]
# JSON-RPC "Invalid params", what an MCP server answers for an unknown tool.
MCP_INVALID_PARAMS = -32602


def error_text(error: McpProtocolError | McpToolExecutionError | None) -> str | None:
    """The error of a tool call as one text (what the agent read)."""
    if error is None:
        return None
    if isinstance(error, McpProtocolError):
        return error.message
    return "".join(block.text for block in error.content)


class McpCallItem(BaseModel):
    """A server-side tool call: the caller does not execute it. Shape of OpenAI's ``mcp_call`` item; ``error`` is
    the spec's object form (null when the call succeeded)."""

    id: str
    type: Literal["mcp_call"] = "mcp_call"
    server_label: str = "ml-intern"
    name: str
    arguments: str
    output: str | None = None
    error: McpCallError | None = None
    status: Literal["in_progress", "completed", "failed", "incomplete"] = "in_progress"

    @field_validator("error", mode="before")
    @classmethod
    def _stored_text(cls, value: Any) -> Any:
        # Responses stored by earlier versions hold the error as a plain string.
        return McpToolExecutionError.of(value) if isinstance(value, str) else value


class ReasoningText(BaseModel):
    type: Literal["reasoning_text"] = "reasoning_text"
    text: str = ""


class SummaryText(BaseModel):
    type: Literal["summary_text"] = "summary_text"
    text: str = ""


class ReasoningItem(BaseModel):
    """The model's reasoning before an answer or a tool call (OpenAI's ``reasoning`` item, with its text)."""

    id: str
    type: Literal["reasoning"] = "reasoning"
    summary: list[SummaryText] = Field(default_factory=list)
    content: list[ReasoningText] = Field(default_factory=list)
    status: Literal["in_progress", "completed", "incomplete"] = "in_progress"


OutputItem = Annotated[Union[MessageItem, McpCallItem, ReasoningItem], Field(discriminator="type")]
ITEM_MODELS: dict[str, type[BaseModel]] = {"message": MessageItem, "mcp_call": McpCallItem,
                                           "reasoning": ReasoningItem}


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0
    cache_write_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class Usage(BaseModel):
    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)
    total_tokens: int = 0
    # Extension: estimated spend attributed to this response, and to its whole session so far.
    cost_usd: float = 0.0
    session_cost_usd: float = 0.0


# The Responses spec's ``ResponseErrorCode`` values a run's failure maps to (agent/failures.py holds the table).
ResponseErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]


class ResponseError(BaseModel):
    """Why a run failed: ``code`` is one of the spec's codes; ``type`` (the spec's free-text "original error type")
    is the precise reason, e.g. ``model_provider_error`` or ``max_iterations_exceeded``."""

    code: ResponseErrorCode
    message: str
    type: str

    @model_validator(mode="before")
    @classmethod
    def _stored_reason(cls, value: Any) -> Any:
        # Responses stored by earlier versions hold the precise reason as ``code`` and no ``type``.
        if isinstance(value, dict) and "type" not in value and "code" in value:
            from agent.failures import spec_code  # the table imports this module

            return {**value, "code": spec_code(value["code"]), "type": value["code"]}
        return value


class IncompleteDetails(BaseModel):
    reason: str


class Artifact(BaseModel):
    """A Hub resource a run produced. ``key`` deduplicates it on the response."""

    model_config = ConfigDict(extra="allow")
    type: Literal["hf_job", "trackio_dashboard", "model", "dataset", "space", "collection"]
    url: str
    id: str | None = None          # hf_job
    repo_id: str | None = None     # model / dataset / space
    space_id: str | None = None    # trackio_dashboard
    project: str | None = None     # trackio_dashboard
    slug: str | None = None        # collection
    sandbox: bool | None = None    # space: the session's sandbox (the agent's dev box), reused across turns

    @property
    def key(self) -> str:
        ident = self.id or self.repo_id or self.space_id or self.slug or self.url
        return f"{self.type}:{ident}"

    def public(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ResponseObject(BaseModel):
    """The response as clients see it: a projection of its event log."""

    id: str
    object: Literal["response"] = "response"
    created_at: int = Field(default_factory=lambda: int(time.time()))
    completed_at: int | None = None
    model: str
    status: ResponseStatus = "queued"
    output: list[OutputItem] = Field(default_factory=list)
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    instructions: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    tools: list[Any] = Field(default_factory=list)
    tool_choice: str = "auto"
    parallel_tool_calls: bool = True
    temperature: float | None = None
    top_p: float | None = None
    background: bool = False
    previous_response_id: str | None = None
    usage: Usage | None = None
    user: str | None = None
    reasoning: ReasoningParam | None = None
    max_output_tokens: int | None = None
    text: TextParam = Field(default_factory=TextParam)
    truncation: Truncation = "auto"
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    # The processing actually used (the spec echoes that, not the value asked for).
    service_tier: ServiceTier = "default"
    # Extensions.
    session_id: str
    max_cost_usd: float = DEFAULT_MAX_COST_USD
    artifacts: list[dict[str, Any]] = Field(default_factory=list)
    pending_approval: dict[str, Any] | None = None
    stream_events: StreamEvents = "all"
    # The agent's latest plan ([{title, status}]) in this response, when it wrote one.
    plan: list[dict[str, str]] | None = None

    # Part of the public object (the SDK's convenience field): serialized, and so in the OpenAPI document.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_text(self) -> str:
        return "".join(part.text for item in self.output if isinstance(item, MessageItem) for part in item.content)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
