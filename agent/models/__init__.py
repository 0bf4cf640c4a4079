"""Typed models at the service boundary: the create request (``requests``), the response object
(``response_object``), lists and pages (``listings``), and the limits and statuses they share (``common``)."""

from __future__ import annotations

from agent.models.common import (  # noqa: F401
    DEFAULT_MAX_COST_USD, DEFAULT_WAIT_TIMEOUT_SECONDS, MAX_INSTRUCTIONS_CHARS, MAX_MESSAGE_CHARS,
    MAX_METADATA_KEYS, MAX_METADATA_VALUE_CHARS, MAX_SAFE_INTEGER, MAX_SEQUENCE_NUMBER, RESPONSE_ID_PATTERN,
    RUNNING_STATUSES, SETTLED_STATUSES, TERMINAL_STATUSES, TOOL_OUTPUT_LIMIT_BYTES, new_id,
)
from agent.models.requests import (  # noqa: F401
    ApprovalRequest, CreateResponseRequest, ReasoningParam, StreamEvents, StreamPosition, TextFormatJsonObject,
    TextFormatJsonSchema, TextParam,
)
from agent.models.response_object import (  # noqa: F401
    Artifact, ITEM_MODELS, IncompleteDetails, MCP_INVALID_PARAMS, McpCallItem, McpProtocolError,
    McpToolExecutionError, MessageItem, OutputItem, OutputText, ReasoningItem, ReasoningText, ResponseError,
    ResponseErrorCode, ResponseObject, Usage, error_text,
)
from agent.models.listings import (  # noqa: F401
    ArtifactList, ConfiguredModel, InputItemList, InputItemsQuery, LIST_MAX_LIMIT, ModelCatalog, ModelInfo,
    ModelList, ResponseDeleted, ResponseList, ResponseListQuery, input_items_of,
)
