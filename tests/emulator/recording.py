"""ASGI middleware that records every request (tokens redacted) into `EmulatorState.requests`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

INTERNAL_PREFIX = "/_emulator"


class RecordingMiddleware:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(INTERNAL_PREFIX):
            await self.app(scope, receive, send)
            return

        # Read the whole body up front, then replay it to the app.
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self.state.record(self._entry(scope, body))

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _entry(self, scope: Scope, body: bytes) -> dict[str, Any]:
        headers: dict[str, str] = {}
        account_name: str | None = None
        for raw_name, raw_value in scope.get("headers", []):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name == "authorization":
                scheme, _, token = value.partition(" ")
                account = self.state.account_for_token(token.strip()) if scheme.lower() == "bearer" else None
                account_name = account.name if account else None
                value = f"Bearer {account.name}" if account else "Bearer <unknown>"
            headers[name] = value
        try:
            payload = json.loads(body) if body else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = None
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        return {
            "method": scope["method"],
            "path": scope["path"],
            "query": query,
            "headers": headers,
            "json": payload,
            "account": account_name,
        }
