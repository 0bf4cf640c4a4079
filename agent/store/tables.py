"""SQLModel tables. Nothing secret is ever written here: no token, no token hash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"

    id: str = Field(primary_key=True, max_length=40)
    owner_id: str = Field(index=True, max_length=64)      # the Hub user id behind the token
    owner_name: str = Field(max_length=96)
    model: str = Field(max_length=200)
    max_cost_usd: float
    spent_usd: float = 0.0
    head_response_id: str | None = Field(default=None, max_length=40)
    created_at: float
    updated_at: float


class ResponseRow(SQLModel, table=True):
    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key", name="uq_responses_owner_idempotency"),
        Index("ix_responses_owner_status", "owner_id", "status"),
        Index("ix_responses_status_lease", "status", "lease_expires_at"),
        # GET /v1/responses: an account's responses, newest first.
        Index("ix_responses_owner_created", "owner_id", "created_at"),
        # DELETE: whether another response continues from this one.
        Index("ix_responses_previous", "previous_response_id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    session_id: str = Field(foreign_key="sessions.id", index=True, max_length=40)
    owner_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    previous_response_id: str | None = Field(default=None, max_length=40)
    last_sequence: int = -1
    # The materialised projection of the event log (the response object), as of event ``snapshot_sequence``
    # (None: ``last_sequence``). Rewritten with every append, except that while text streams it is rewritten at
    # most every ``snapshot_interval_ms`` (the deltas themselves are committed at once).
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    snapshot_sequence: int | None = None
    idempotency_key: str | None = Field(default=None, max_length=255)
    # Which replica runs the turn, and until when its lease holds without a heartbeat.
    owner_replica: str | None = Field(default=None, max_length=64)
    lease_expires_at: float | None = None
    # Set by a replica that received a cancel for a turn another (live) replica owns; the owner cancels it.
    cancel_requested_at: float | None = None
    created_at: float
    updated_at: float


class EventRow(SQLModel, table=True):
    __tablename__ = "events"

    response_id: str = Field(foreign_key="responses.id", primary_key=True, max_length=40)
    sequence_number: int = Field(primary_key=True)
    type: str = Field(max_length=80)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: float


class ArtifactRow(SQLModel, table=True):
    __tablename__ = "artifacts"

    response_id: str = Field(foreign_key="responses.id", primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=300)
    session_id: str = Field(index=True, max_length=40)
    type: str = Field(max_length=32)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: float


class TranscriptRow(SQLModel, table=True):
    """The chat messages of a turn as the model saw them, so a chained turn rebuilds its history from the store."""

    __tablename__ = "transcript"

    response_id: str = Field(foreign_key="responses.id", primary_key=True, max_length=40)
    position: int = Field(primary_key=True)
    message: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class InputItemRow(SQLModel, table=True):
    """The request's ``input`` as the spec's input items (GET /v1/responses/{id}/input_items), redacted like the
    transcript. ``position``: the item's place in the input; ``id`` the item id a listing cursor names."""

    __tablename__ = "input_items"
    __table_args__ = (UniqueConstraint("response_id", "id", name="uq_input_items_response_item"),)

    response_id: str = Field(foreign_key="responses.id", primary_key=True, max_length=40)
    position: int = Field(primary_key=True)
    id: str = Field(max_length=40)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
