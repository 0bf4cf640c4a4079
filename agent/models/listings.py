"""Lists and pages: artifacts, the model catalog, input items, responses, deletions."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from agent.models.common import RESPONSE_ID_PATTERN, ResponseStatus, new_id
from agent.models.requests import INCLUDABLE, CreateResponseRequest
from agent.models.response_object import Artifact, MessageItem, OutputText, ResponseObject


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
