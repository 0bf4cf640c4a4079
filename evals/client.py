"""The deployment's public /v1 API, as any remote client calls it (httpx, async)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from evals import sse

REQUEST_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# The server sends a keep-alive every 15 s on a quiet stream: a minute of silence means the connection is gone.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class ApiError(Exception):
    """A non-2xx answer, with the OpenAI error envelope's fields when the server sent one."""

    def __init__(self, status: int, message: str, code: str | None = None, retry_after: float | None = None):
        super().__init__(f"{status} {code or ''}: {message}".replace("  ", " "))
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _raise_for(reply: httpx.Response) -> None:
    if reply.is_success:
        return
    try:
        error = reply.json()["error"]
        message, code = str(error.get("message") or ""), error.get("code")
    except (ValueError, KeyError, TypeError, AttributeError):
        message, code = f"{reply.request.method} {reply.request.url.path} answered without an API error body", None
    try:
        retry_after = float(reply.headers["retry-after"])
    except (KeyError, ValueError):
        retry_after = None
    raise ApiError(reply.status_code, message, code, retry_after)


def _rid(response_id: str) -> str:
    if not ID_PATTERN.match(response_id):
        raise ValueError(f"{response_id!r} is not a response id")
    return response_id


class AsyncApi:
    """One deployment, called as the token's account; the token goes to ``base_url`` only."""

    def __init__(self, base_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=REQUEST_TIMEOUT, transport=transport,
                                       headers={"authorization": f"Bearer {token}", "user-agent": "ml-intern-eval"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = await self._http.request(method, path, **kwargs)
        _raise_for(reply)
        return reply.json()

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        # The same key on a retry after a dropped connection: the server answers with the first response.
        headers = {"idempotency-key": f"ml-intern-eval-{uuid.uuid4().hex}"}
        for attempt in (1, 2, 3):
            try:
                return await self._json("POST", "/v1/responses", json=body, headers=headers)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")

    async def get(self, response_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/v1/responses/{_rid(response_id)}")

    async def cancel(self, response_id: str) -> dict[str, Any]:
        return await self._json("POST", f"/v1/responses/{_rid(response_id)}/cancel")

    async def approve(self, response_id: str, *, approve: bool, new_max_cost_usd: float | None = None,
                      feedback: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"approve": approve}
        if new_max_cost_usd is not None:
            body["new_max_cost_usd"] = new_max_cost_usd
        if feedback:
            body["feedback"] = feedback
        return await self._json("POST", f"/v1/responses/{_rid(response_id)}/approvals", json=body)

    async def artifacts(self, response_id: str) -> list[dict[str, Any]]:
        return (await self._json("GET", f"/v1/responses/{_rid(response_id)}/artifacts")).get("data") or []

    async def default_model(self) -> str | None:
        try:
            return (await self._json("GET", "/api/config/model")).get("default")
        except (ApiError, httpx.HTTPError, ValueError):
            return None

    @asynccontextmanager
    async def events(self, response_id: str, *, after: int = -1) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The response's events after sequence number ``after`` (replay, then live), resumed with
        ``Last-Event-ID``. Transport errors propagate: the follower reconnects."""
        headers = {"last-event-id": str(after)} if after >= 0 else {}
        async with self._http.stream("GET", f"/v1/responses/{_rid(response_id)}/events", headers=headers,
                                     timeout=STREAM_TIMEOUT) as reply:
            if reply.status_code != 200:
                await reply.aread()
                _raise_for(reply)
            yield sse.events(reply.aiter_text())
