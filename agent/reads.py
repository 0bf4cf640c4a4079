"""The read side of the service: a caller's responses, their events and artifacts, each read checked for
ownership (another account's response is a 404, never a 403). ``AgentService`` inherits it; what it uses of the
service (the store, the follower, the runtimes, the settled-response cache) is named in ``ServiceReads``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agent.errors import InvalidRequest, NotFound, response_not_found
from agent.follow import ResponseFollower
from agent.identity import Identity
from agent.models import (
    TERMINAL_STATUSES,
    InputItemList,
    InputItemsQuery,
    ResponseList,
    ResponseListQuery,
    ResponseObject,
)
from agent.runtime import RuntimeRegistry
from agent.snapshot_cache import CachedSnapshot, TerminalSnapshots
from agent.store.store import Store
from agent.store.summaries import ResponseSummary
from agent.store.tables import ResponseRow, SessionRow


class ServiceReads:
    store: Store
    follower: ResponseFollower
    runtimes: RuntimeRegistry
    settled: TerminalSnapshots

    def _cache_trusted(self) -> bool:
        """Whether the settled-response cache may answer (the service knows when deletions may be missed)."""
        raise NotImplementedError

    async def get(self, identity: Identity, response_id: str) -> ResponseObject:
        row = await self._owned_response(identity, response_id)
        self.runtimes.touch(row.session_id)
        return ResponseObject.model_validate(row.snapshot)

    async def get_json(self, identity: Identity, response_id: str) -> bytes:
        """The response object as stored JSON (what ``get`` returns, without parsing and re-serialising it)."""
        if not _plausible_id(response_id):
            raise response_not_found(response_id)
        trusted = self._cache_trusted()
        cached = self.settled.get(response_id) if trusted else None
        if cached is None:
            found = await self.store.snapshot_json(response_id)
            if found is None:
                raise response_not_found(response_id)
            owner_id, session_id, status, text = found
            cached = CachedSnapshot(owner_id=owner_id, session_id=session_id, body=text.encode())
            if status in TERMINAL_STATUSES and trusted:
                self.settled.put(response_id, cached)
        if cached.owner_id != identity.user_id:
            raise response_not_found(response_id)
        self.runtimes.touch(cached.session_id)
        return cached.body

    async def snapshot(self, identity: Identity, response_id: str) -> tuple[ResponseObject, int]:
        """The response and the sequence number of the last event it reflects (one read: both are written in
        the same transaction)."""
        row = await self._owned_response(identity, response_id)
        self.runtimes.touch(row.session_id)
        sequence = row.snapshot_sequence if row.snapshot_sequence is not None else row.last_sequence
        return ResponseObject.model_validate(row.snapshot), sequence

    async def events(self, identity: Identity, response_id: str, *, after: int = -1,
                     limit: int = 1000) -> list[dict[str, Any]]:
        await self._owned_response(identity, response_id)
        return await self.store.events_after(response_id, after, min(max(limit, 1), 5000))

    async def wait(self, identity: Identity, response_id: str, *, timeout: float,
                   after_sequence: int | None = None) -> ResponseObject:
        """The snapshot once the response settles, or (with ``after_sequence``) once it has newer events,
        or at ``timeout``."""
        row = await self._owned_response(identity, response_id)
        return await self.follower.wait(row, timeout=timeout, after_sequence=after_sequence)

    async def subscribe(self, identity: Identity, response_id: str, *,
                        starting_after: int = -1) -> AsyncIterator[dict[str, Any] | None]:
        """Replay from the store, then follow live, until the turn's end event (``None``: a keep-alive tick)."""
        await self._owned_response(identity, response_id)
        async for event in self.follower.subscribe(response_id, starting_after=starting_after):
            yield event

    async def subscribe_batches(self, identity: Identity, response_id: str, *,
                                starting_after: int = -1) -> AsyncIterator[list[dict[str, Any]] | None]:
        """``subscribe``, a committed batch of events at a time (``None``: a keep-alive tick)."""
        await self._owned_response(identity, response_id)
        async for batch in self.follower.subscribe_batches(response_id, starting_after=starting_after):
            yield batch

    async def _page_cursor(self, identity: Identity, after: str | None) -> tuple[float, str] | None:
        """Where a newest-first page of the caller's responses starts: after the response ``after`` (the last id
        of the previous page; 404 naming ``after`` when it is not the caller's)."""
        if after is None:
            return None
        row = await self._owned_response(identity, after, param="after")
        return row.created_at, row.id

    async def recent_responses(self, identity: Identity, *, limit: int = 50,
                               after: str | None = None) -> list[ResponseSummary]:
        """The caller's responses as summaries, newest first (never another account's); ``after``: the last id of
        the previous page."""
        before = await self._page_cursor(identity, after)
        return await self.store.recent_responses(identity.user_id, limit=min(max(limit, 1), 100), before=before)

    async def list_responses(self, identity: Identity, query: ResponseListQuery) -> ResponseList:
        """``GET /v1/responses``: the caller's response objects, newest first, optionally of one of the caller's
        sessions or one status (never another account's)."""
        before = await self._page_cursor(identity, query.after)
        if query.session_id is not None:
            await self._owned_session(identity, query.session_id)
        texts = await self.store.response_objects(identity.user_id, limit=query.limit + 1, before=before,
                                                  session_id=query.session_id, status=query.status)
        page = [ResponseObject.model_validate_json(text) for text in texts[:query.limit]]
        return ResponseList(data=page, first_id=page[0].id if page else None, last_id=page[-1].id if page else None,
                            has_more=len(texts) > query.limit)

    async def input_items(self, identity: Identity, response_id: str, query: InputItemsQuery) -> InputItemList:
        """``GET /v1/responses/{id}/input_items``: the request's ``input`` as the spec's items, a page at a time."""
        await self._owned_response(identity, response_id)
        after_position = None
        if query.after is not None:
            after_position = await self.store.input_item_position(response_id, query.after)
            if after_position is None:
                raise NotFound(f"No input item '{query.after}' in response '{response_id}'.",
                               code="input_item_not_found", param="after")
        rows = await self.store.input_items(response_id, limit=query.limit + 1, descending=query.order == "desc",
                                            after_position=after_position)
        page = rows[:query.limit]
        return InputItemList.model_validate({"data": page, "first_id": page[0]["id"] if page else None,
                                             "last_id": page[-1]["id"] if page else None,
                                             "has_more": len(rows) > query.limit})

    async def list_artifacts(self, identity: Identity, *, response_id: str | None = None,
                             session_id: str | None = None) -> list[dict[str, Any]]:
        if (response_id is None) == (session_id is None):
            raise InvalidRequest("Give exactly one of response_id or session_id.", code="invalid_request")
        if response_id is not None:
            await self._owned_response(identity, response_id)
            return await self.store.artifacts(response_id=response_id)
        session = await self._owned_session(identity, session_id or "")
        seen: dict[str, dict[str, Any]] = {}
        for artifact in await self.store.artifacts(session_id=session.id):
            seen.setdefault(_artifact_key(artifact), artifact)
        return list(seen.values())

    async def _owned_response(self, identity: Identity, response_id: str, *,
                              param: str = "response_id") -> ResponseRow:
        row = await self.store.get_response(response_id) if _plausible_id(response_id) else None
        if row is None or row.owner_id != identity.user_id:
            raise response_not_found(response_id, param)
        return row

    async def _owned_session(self, identity: Identity, session_id: str) -> SessionRow:
        session = await self.store.get_session(session_id)
        if session is None or session.owner_id != identity.user_id:
            raise NotFound(f"No session found with id '{session_id}'.", code="session_not_found", param="session_id")
        return session


def _plausible_id(response_id: str) -> bool:
    return response_id.startswith("resp_") and len(response_id) == 37


def _artifact_key(artifact: dict[str, Any]) -> str:
    ident = artifact.get("id") or artifact.get("repo_id") or artifact.get("space_id") or artifact.get("slug") or artifact.get("url")
    return f"{artifact.get('type')}:{ident}"

