"""The create request (OpenAI Responses parameters + extensions) and the other request bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator,
    model_validator,
)

from agent.models.common import (
    DEFAULT_WAIT_TIMEOUT_SECONDS, MAX_INPUT_MESSAGES, MAX_INSTRUCTIONS_CHARS, MAX_MESSAGE_CHARS, MAX_METADATA_KEY_CHARS,
    MAX_METADATA_KEYS, MAX_METADATA_VALUE_CHARS, MAX_SAFE_INTEGER, MAX_SEQUENCE_NUMBER, RESPONSE_ID_PATTERN,
)




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
