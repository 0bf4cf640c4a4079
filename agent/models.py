"""Typed models at the service boundary: the create request and the response object (OpenAI Responses shape + extensions)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, computed_field, field_validator,
    model_validator,
)

MAX_MESSAGE_CHARS = 100_000
MAX_INSTRUCTIONS_CHARS = 20_000
MAX_INPUT_MESSAGES = 200
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY_CHARS = 64
MAX_METADATA_VALUE_CHARS = 512
DEFAULT_MAX_COST_USD = 5.0
DEFAULT_WAIT_TIMEOUT_SECONDS = 900.0
RESPONSE_ID_PATTERN = r"^resp_[0-9a-f]{32}$"
# The largest integer a client (or the model) may send: 2^53 - 1 survives any JSON client, and stays far inside the
# database's 64-bit integers (a starting_after of 2^63 overflowed SQLite and dropped the stream).
MAX_SAFE_INTEGER = 2**53 - 1
MAX_SEQUENCE_NUMBER = MAX_SAFE_INTEGER
TOOL_OUTPUT_LIMIT_BYTES = 4096

ResponseStatus = Literal["queued", "in_progress", "completed", "failed", "cancelled", "incomplete"]
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
# Statuses after which a stream ends: terminal ones and the resumable pause.
SETTLED_STATUSES = TERMINAL_STATUSES | {"incomplete"}
RUNNING_STATUSES = frozenset({"queued", "in_progress"})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


# ---------------------------------------------------------------- request

class InputContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["input_text", "output_text", "text"] = "input_text"
    text: str = Field(max_length=MAX_MESSAGE_CHARS)


class InputMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[InputContentPart]

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)

    @model_validator(mode="after")
    def _bounded(self) -> "InputMessage":
        if len(self.text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"a message may hold at most {MAX_MESSAGE_CHARS} characters")
        return self


ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]


class ReasoningParam(BaseModel):
    """The request's (and response's) ``reasoning``: OpenAI's keys, plus ``content`` (an extension): ``full``
    shows the model's reasoning as ``reasoning`` output items, ``omit`` leaves them out (the model still reasons,
    and is still billed for it)."""

    model_config = ConfigDict(extra="forbid")
    effort: ReasoningEffort | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None
    generate_summary: Literal["auto", "concise", "detailed"] | None = None
    context: Literal["auto", "current_turn", "all_turns"] | None = None
    content: Literal["full", "omit"] = "full"


# Accepted for compatibility; only the reasoning text is something this server adds (by default).
INCLUDABLE = ("reasoning.encrypted_content", "message.output_text.logprobs", "file_search_call.results",
              "web_search_call.results", "web_search_call.action.sources", "message.input_image.image_url",
              "computer_call_output.output.image_url", "code_interpreter_call.outputs")


# Which events a stream sends: every event, or only the Responses spec's (``events.standard_view``).
StreamEvents = Literal["all", "standard"]

# A JSON-schema answer format's name, as the spec bounds it.
FORMAT_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _integral_to_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value




def _type_required(schema: dict[str, Any]) -> None:
    # The format's union is told apart by ``type`` (``_format_tag``): on the wire it is required, default or not.
    schema["required"] = ["type", *[name for name in schema.get("required", []) if name != "type"]]


# Nested request models are strict like the request (a model's config is its own): JSON types, no coercion.
_NESTED_REQUEST = ConfigDict(extra="forbid", strict=True, json_schema_extra=_type_required)


class TextFormatText(BaseModel):
    """Plain text: the default answer format."""

    model_config = _NESTED_REQUEST
    type: Literal["text"] = "text"


class TextFormatJsonObject(BaseModel):
    """The final answer is a JSON object (the spec's older "JSON mode")."""

    model_config = _NESTED_REQUEST
    type: Literal["json_object"] = "json_object"


class TextFormatJsonSchema(BaseModel):
    """The final answer is JSON matching ``schema`` (with ``strict: true``; otherwise any JSON, the schema guiding
    the model). ``schema`` must be a valid JSON Schema (draft 2020-12)."""

    model_config = ConfigDict(**_NESTED_REQUEST, populate_by_name=True, serialize_by_alias=True)
    type: Literal["json_schema"] = "json_schema"
    name: str = Field(pattern=FORMAT_NAME_PATTERN)
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = Field(None, max_length=MAX_INSTRUCTIONS_CHARS)
    strict: bool | None = None

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        return value


_FORMAT_TAGS = {"text": "TextFormatText", "json_object": "TextFormatJsonObject", "json_schema": "TextFormatJsonSchema"}


def _format_tag(value: Any) -> str | None:
    # Tagged by class name, so that an error's location reads ``text.format.schema`` (the HTTP layer drops
    # class-name parts of a location), not ``text.format.json_schema.schema``.
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return _FORMAT_TAGS.get(kind) if isinstance(kind, str) else None


TextFormat = Annotated[Union[Annotated[TextFormatText, Tag("TextFormatText")],
                             Annotated[TextFormatJsonObject, Tag("TextFormatJsonObject")],
                             Annotated[TextFormatJsonSchema, Tag("TextFormatJsonSchema")]],
                       Discriminator(_format_tag, custom_error_type="invalid_format_type",
                                     custom_error_message="type must be one of: text, json_object, json_schema")]


class TextParam(BaseModel):
    """The request's (and response's) ``text``: the final answer's format, and how long it should be."""

    model_config = ConfigDict(extra="forbid", strict=True)
    format: TextFormat = Field(default_factory=TextFormatText)
    verbosity: Literal["low", "medium", "high"] = "medium"


class StreamOptionsParam(BaseModel):
    """``stream_options``: accepted; this server never obfuscates deltas (no ``obfuscation`` field is sent)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    include_obfuscation: bool | None = None


ServiceTier = Literal["auto", "default", "flex", "scale", "priority", "fast", "ultrafast"]
Truncation = Literal["auto", "disabled"]
# The smallest output budget OpenAI accepts for a response.
MIN_MAX_OUTPUT_TOKENS = 16
# A strict integer that, as JSON Schema's ``integer`` does, takes an integral number written as one (16.0); strings,
# booleans and fractions are still refused. (The bounds come before the validator so that the document shows them.)
OutputTokens = Annotated[int, Field(ge=MIN_MAX_OUTPUT_TOKENS, le=MAX_SAFE_INTEGER), BeforeValidator(_integral_to_int)]


class CreateResponseRequest(BaseModel):
    """``POST /v1/responses``. Unknown parameters are rejected, as OpenAI does. Strict: a boolean is true or false
    and a number is a JSON number (``0``, ``"yes"``, ``"3"`` are refused, as /openapi.json documents the types)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    input: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)] | Annotated[
        list[InputMessage], Field(min_length=1, max_length=MAX_INPUT_MESSAGES)]
    model: str | None = Field(None, max_length=200)
    background: bool = False
    stream: bool = False
    previous_response_id: str | None = Field(None, pattern=RESPONSE_ID_PATTERN)
    max_cost_usd: float | None = Field(None, gt=0, le=500, allow_inf_nan=False)
    instructions: str | None = Field(None, max_length=MAX_INSTRUCTIONS_CHARS)
    wait_timeout_seconds: float = Field(DEFAULT_WAIT_TIMEOUT_SECONDS, ge=1, le=3600, allow_inf_nan=False)
    metadata: dict[str, str] | None = None
    # OpenAI parameters accepted for compatibility and echoed back.
    temperature: float | None = Field(None, ge=0, le=2, allow_inf_nan=False)
    top_p: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    # False: the agent's tool calls of one model reply run one after another instead of concurrently.
    parallel_tool_calls: bool = True
    tool_choice: Literal["auto"] = "auto"
    # Must be empty (the validator below says why); the document says so.
    tools: list[Any] = Field(default_factory=list, json_schema_extra={"maxItems": 0})
    # Only true is accepted (the validator below explains why); the document says so.
    store: bool = Field(True, json_schema_extra={"const": True})
    user: str | None = Field(None, max_length=256)
    reasoning: ReasoningParam | None = None
    include: list[Literal[INCLUDABLE]] | None = Field(None, max_length=len(INCLUDABLE))  # type: ignore[valid-type]
    # The most output tokens (reasoning included) the whole response may generate, across its model calls; when
    # spent, the response ends ``incomplete`` (``max_output_tokens``).
    max_output_tokens: OutputTokens | None = None
    # The final answer's format (JSON / JSON Schema, checked by the server) and verbosity.
    text: TextParam | None = None
    # "auto" (the default here): the agent compacts its context before it overflows; "disabled": it never does,
    # and a context beyond the model's window fails the turn.
    truncation: Truncation | None = None
    # Accepted for compatibility and echoed (or, stream_options, ignored); they change nothing in a run.
    stream_options: StreamOptionsParam | None = None
    safety_identifier: str | None = Field(None, max_length=128)
    prompt_cache_key: str | None = Field(None, max_length=256)
    service_tier: ServiceTier | None = None
    # Extension: "standard" streams only the spec's event types (for SDK stream helpers); kept on the response, so
    # resumed streams of it default to the same.
    stream_events: StreamEvents = "all"

    @field_validator("metadata")
    @classmethod
    def _metadata_bounded(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"metadata may hold at most {MAX_METADATA_KEYS} keys")
        for key, item in value.items():
            if len(key) > MAX_METADATA_KEY_CHARS:
                raise ValueError(f"metadata keys may be at most {MAX_METADATA_KEY_CHARS} characters")
            if len(item) > MAX_METADATA_VALUE_CHARS:
                raise ValueError(f"metadata values may be at most {MAX_METADATA_VALUE_CHARS} characters")
        return value

    @field_validator("tools")
    @classmethod
    def _no_caller_tools(cls, value: list[Any]) -> list[Any]:
        if value:
            kinds = sorted({str(tool.get("type")) if isinstance(tool, dict) else type(tool).__name__
                            for tool in value})
            raise ValueError(f"caller-supplied tools are not supported (got: {', '.join(kinds)}): the agent runs "
                             "its own tools server-side (they appear in output[] as mcp_call items); send "
                             "tools: [] or leave it out")
        return value

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _auto_only(cls, value: Any) -> Any:
        if value != "auto":
            raise ValueError("only 'auto' is supported: the agent chooses among its own server-side tools")
        return value

    @field_validator("store")
    @classmethod
    def _must_store(cls, value: bool) -> bool:
        if not value:
            raise ValueError("store=false is not supported: every response is kept so it can be polled and resumed")
        return value

    def messages(self) -> list[InputMessage]:
        if isinstance(self.input, str):
            return [InputMessage(role="user", content=self.input)]
        return list(self.input)


class ApprovalRequest(BaseModel):
    """``POST /v1/responses/{id}/approvals``: one decision for the whole pending batch (strict types, as above)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    approve: bool
    new_max_cost_usd: float | None = Field(None, gt=0, le=500, allow_inf_nan=False)
    feedback: str | None = Field(None, max_length=MAX_INSTRUCTIONS_CHARS)


class StreamPosition(BaseModel):
    """Where a resumed stream starts: after ``starting_after`` (query) or ``Last-Event-ID`` (header); -1 = the
    beginning."""

    starting_after: int = Field(-1, ge=-1, le=MAX_SEQUENCE_NUMBER)


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


# ---------------------------------------------------------------- lists

class ArtifactList(BaseModel):
    """``GET /v1/responses/{id}/artifacts``."""

    object: Literal["list"] = "list"
    data: list[Artifact]


class ConfiguredModel(BaseModel):
    id: str
    object: Literal["model"] = "model"
    default: bool


class ModelCatalog(BaseModel):
    """``GET /api/config/model``: the models a request may name, and the one used when it names none."""

    object: Literal["list"] = "list"
    default: str
    data: list[ConfiguredModel]


# ---------------------------------------------------------------- companion routes

LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100


class InputTextContent(BaseModel):
    type: Literal["input_text"] = "input_text"
    text: str


class InputMessageItem(BaseModel):
    """A user, system or developer message of a request's ``input`` (the spec's ``ResponseInputMessageItem``)."""

    id: str
    type: Literal["message"] = "message"
    role: Literal["user", "system", "developer"]
    content: list[InputTextContent]
    status: Literal["completed"] = "completed"


# An assistant message given as input is listed as the spec lists it: an output message (``MessageItem``).
InputItem = Union[InputMessageItem, MessageItem]


def input_items_of(request: CreateResponseRequest) -> list[InputItem]:
    """The request's ``input`` as the spec's input items, one per message (a string input is one user message)."""
    items: list[InputItem] = []
    for message in request.messages():
        texts = [message.content] if isinstance(message.content, str) else [p.text for p in message.content]
        if message.role == "assistant":
            items.append(MessageItem(id=new_id("msg"), status="completed",
                                     content=[OutputText(text=text) for text in texts]))
        else:
            items.append(InputMessageItem(id=new_id("msg"), role=message.role,
                                          content=[InputTextContent(text=text) for text in texts]))
    return items


class InputItemsQuery(BaseModel):
    """``GET /v1/responses/{id}/input_items``: cursor pagination over the items, ``desc`` (last first) by default,
    as the spec's. ``include`` is accepted (the spec's values) and changes nothing."""

    model_config = ConfigDict(extra="forbid")
    after: str | None = Field(None, min_length=1, max_length=40)
    limit: int = Field(LIST_DEFAULT_LIMIT, ge=1, le=LIST_MAX_LIMIT)
    order: Literal["asc", "desc"] = "desc"
    include: list[Literal[INCLUDABLE]] = Field(default_factory=list)  # type: ignore[valid-type]


class InputItemList(BaseModel):
    """The spec's ``ResponseItemList``; ``first_id`` / ``last_id`` are null for an empty page."""

    object: Literal["list"] = "list"
    data: list[InputItem]
    first_id: str | None
    last_id: str | None
    has_more: bool


class ResponseListQuery(BaseModel):
    """``GET /v1/responses``: the caller's responses, newest first; ``after`` is the last id of the previous page."""

    model_config = ConfigDict(extra="forbid")
    after: str | None = Field(None, pattern=RESPONSE_ID_PATTERN)
    limit: int = Field(LIST_DEFAULT_LIMIT, ge=1, le=LIST_MAX_LIMIT)
    session_id: str | None = Field(None, min_length=1, max_length=40)
    status: ResponseStatus | None = None


class ResponseList(BaseModel):
    """A page of response objects (each as ``GET /v1/responses/{id}`` returns it, with ``output_text``), newest
    first; ``first_id`` / ``last_id`` are null for an empty page."""

    object: Literal["list"] = "list"
    data: list[ResponseObject]
    first_id: str | None
    last_id: str | None
    has_more: bool

    def public(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json", exclude={"data"}), "data": [item.public() for item in self.data]}


class ResponseDeleted(BaseModel):
    """``DELETE /v1/responses/{id}``."""

    id: str
    object: Literal["response.deleted"] = "response.deleted"
    deleted: Literal[True] = True


class ModelInfo(BaseModel):
    """A supported model, as the spec's ``Model``: ``owned_by`` is its Hub namespace; ``created`` is 0 (unknown:
    the router's catalog is not read for this)."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    """``GET /v1/models``: the models a request may name."""

    object: Literal["list"] = "list"
    data: list[ModelInfo]
