"""A caller's responses, newest first: as short summaries (what an MCP host browsing resources shows) or as whole
response objects (``GET /v1/responses``), a page at a time after a (created_at, id) cursor."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Select, Text, and_, cast, or_, select

from agent.store.transactions import RESPONSES, TRANSCRIPT

TASK_PREVIEW_CHARS = 120


class ResponseSummary(BaseModel):
    id: str
    session_id: str
    status: str
    created_at: float
    updated_at: float
    # The start of the turn's first message (the task, unless earlier messages were sent as context).
    task_preview: str | None = None


def _newest_first(query: Select, owner_id: str, limit: int, before: tuple[float, str] | None) -> Select:
    query = (query.where(RESPONSES.c.owner_id == owner_id)
             .order_by(RESPONSES.c.created_at.desc(), RESPONSES.c.id.desc())
             .limit(limit))
    if before is not None:
        created_at, response_id = before
        query = query.where(or_(RESPONSES.c.created_at < created_at,
                                and_(RESPONSES.c.created_at == created_at, RESPONSES.c.id < response_id)))
    return query


def recent_query(owner_id: str, limit: int, before: tuple[float, str] | None) -> Select:
    first = TRANSCRIPT.alias("first_message")
    query = (select(RESPONSES.c.id, RESPONSES.c.session_id, RESPONSES.c.status, RESPONSES.c.created_at,
                    RESPONSES.c.updated_at, first.c.message["content"].as_string())
             .select_from(RESPONSES.outerjoin(first, and_(first.c.response_id == RESPONSES.c.id,
                                                          first.c.position == 0))))
    return _newest_first(query, owner_id, limit, before)


def objects_query(owner_id: str, limit: int, before: tuple[float, str] | None, *, session_id: str | None = None,
                  status: str | None = None) -> Select:
    """The stored response objects (JSON text), optionally of one session or status."""
    query = select(cast(RESPONSES.c.snapshot, Text))
    if session_id is not None:
        query = query.where(RESPONSES.c.session_id == session_id)
    if status is not None:
        query = query.where(RESPONSES.c.status == status)
    return _newest_first(query, owner_id, limit, before)


def summary(row: tuple) -> ResponseSummary:
    response_id, session_id, status, created_at, updated_at, content = row
    preview = " ".join(str(content).split())[:TASK_PREVIEW_CHARS] if content else None
    return ResponseSummary(id=response_id, session_id=session_id, status=status, created_at=created_at,
                           updated_at=updated_at, task_preview=preview or None)
