"""Query and header parameters of the /v1 routes as models: the routes read them through these, and
/openapi.json describes them from these (the alias is the wire name)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.models import StreamEvents
from agent.service import MAX_IDEMPOTENCY_KEY_CHARS


class RetrieveQuery(BaseModel):
    """``GET /v1/responses/{id}``: the object as JSON, or (``stream=true``) its events as SSE."""

    model_config = ConfigDict(extra="ignore")
    stream: bool = Field(False, description="true: answer with the event stream instead of the object.")


class CreateHeaders(BaseModel):
    """``POST /v1/responses``. The service checks the key's length (the same bound, for every front door)."""

    model_config = ConfigDict(extra="ignore")
    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=MAX_IDEMPOTENCY_KEY_CHARS,
        description="A repeated key (per account) returns the first response instead of creating another.")


class StreamView(BaseModel):
    """Streams of a response (``?stream=true`` and ``/events``): which events they carry."""

    model_config = ConfigDict(extra="ignore")
    stream_events: StreamEvents | None = Field(
        None, description="all: every event, extensions included; standard: only the OpenAI event types (for SDK "
                          "stream helpers; a cancel ends with response.failed). Default: the view the response was "
                          "created with.")
