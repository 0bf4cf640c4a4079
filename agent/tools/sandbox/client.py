"""Talking to the session's sandbox: its Space host only (``hf_hosts.space_url``), with the caller's token, no
redirects followed. The template server's refusals become messages the model can act on."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from agent.hf_hosts import SpaceHostAuth, space_url
from agent.tools.base import ToolContext, ToolFailure

REQUEST_TIMEOUT_SECONDS = 60.0
MAX_REPLY_BYTES = 2_000_000  # a reply read whole (files are asked for at most READ_BYTES)
MAX_FRAME_BYTES = 256_000    # one line of a command's stream (the server sends 8 KB chunks)
MAX_LOG_LINES = 1000        # streamed as response.tool_log per command; the rest is in the returned head/tail
MAX_LOG_LINE_CHARS = 2000


@dataclass
class ExecResult:
    output: str
    exit_code: int | None
    timed_out: bool
    truncated: bool
    seconds: float


class LineLog:
    """Chunks of output → whole lines for ``ctx.log`` (long lines cut), at most ``MAX_LOG_LINES``."""

    def __init__(self, log: Callable[[str], Awaitable[None]]) -> None:
        self._log = log
        self._partial = ""
        self._sent = 0

    async def feed(self, text: str) -> None:
        self._partial += text
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            await self._line(line)
        while len(self._partial) > MAX_LOG_LINE_CHARS:
            await self._line(self._partial[:MAX_LOG_LINE_CHARS])
            self._partial = self._partial[MAX_LOG_LINE_CHARS:]

    async def close(self) -> None:
        if self._partial:
            await self._line(self._partial)
            self._partial = ""

    async def _line(self, line: str) -> None:
        self._sent += 1
        if self._sent <= MAX_LOG_LINES:
            await self._log(line[:MAX_LOG_LINE_CHARS])
        elif self._sent == MAX_LOG_LINES + 1:
            await self._log(f"…[more than {MAX_LOG_LINES} lines: the rest is not streamed]")


async def _bounded_body(reply: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in reply.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise ToolFailure(f"the sandbox answered more than {limit} bytes; refused.")
    return bytes(body)


async def _bounded_lines(reply: httpx.Response, limit: int):
    """The body's lines, none longer than ``limit`` bytes (a sandbox cannot make this process buffer more)."""
    partial = b""
    async for chunk in reply.aiter_bytes():
        partial += chunk
        *lines, partial = partial.split(b"\n")
        for line in lines:
            yield line.decode(errors="replace")
        if len(partial) > limit:
            raise ToolFailure(f"the sandbox streamed a line longer than {limit} bytes; refused.")
    if partial:
        yield partial.decode(errors="replace")


class SandboxClient:
    def __init__(self, ctx: ToolContext, space_id: str) -> None:
        self.space_id = space_id
        self.base = space_url(ctx.settings, space_id)
        self._http = ctx.http.for_space(SpaceHostAuth(ctx.identity.secret(), self.base))

    def url(self, route: str) -> str:
        return f"{str(self.base).rstrip('/')}/{route}"

    def _refused(self, status: int, body: bytes) -> ToolFailure:
        try:
            message = str(json.loads(body).get("error") or "")[:1000]
        except (ValueError, AttributeError):
            message = ""
        if 300 <= status < 400:
            return ToolFailure(f"the sandbox {self.space_id} answered with a redirect ({status}); refused.")
        if status == 401 or (status == 403 and "belongs to" in message):
            return ToolFailure(f"permission: the sandbox {self.space_id} refused the caller's token ({status}"
                               f"{': ' + message if message else ''}).")
        if status == 503:
            return ToolFailure(f"the sandbox {self.space_id} is not running ({message or status}). Call "
                               "sandbox_create to wake it (a sleeping sandbox restarts with an empty workspace).")
        if status == 404 and not message.startswith("no "):
            return ToolFailure(f"the sandbox {self.space_id} does not answer (404): it may have been deleted. "
                               "Call sandbox_create for a new one.")
        return ToolFailure(message or f"the sandbox answered {status}")

    async def call(self, method: str, route: str, *, body: dict[str, Any] | None = None,
                   params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            async with self._http.stream(method, self.url(route), json=body, params=params, follow_redirects=False,
                                         timeout=REQUEST_TIMEOUT_SECONDS) as reply:
                raw = await _bounded_body(reply, MAX_REPLY_BYTES)
        except httpx.HTTPError as exc:
            raise ToolFailure(f"could not reach the sandbox {self.space_id} ({type(exc).__name__}); retry, or "
                              "call sandbox_create to check it is running.") from None
        if reply.status_code != 200:
            raise self._refused(reply.status_code, raw)
        try:
            return json.loads(raw)
        except ValueError:
            raise ToolFailure(f"the sandbox {self.space_id} answered something that is not JSON.") from None

    async def exec(self, command: str, timeout_seconds: int, workdir: str | None,
                   log: Callable[[str], Awaitable[None]]) -> ExecResult:
        """Run a command; its output streams to ``log`` line by line as it comes."""
        lines = LineLog(log)
        pieces: list[str] = []
        final: dict[str, Any] | None = None
        body = {"command": command, "timeout_seconds": timeout_seconds, "workdir": workdir}
        try:
            async with self._http.stream("POST", self.url("exec"), json=body, follow_redirects=False,
                                         timeout=httpx.Timeout(REQUEST_TIMEOUT_SECONDS,
                                                               read=timeout_seconds + 30)) as reply:
                if reply.status_code != 200:
                    raise self._refused(reply.status_code, await _bounded_body(reply, MAX_REPLY_BYTES))
                async for line in _bounded_lines(reply, MAX_FRAME_BYTES):
                    if not line.strip():
                        continue
                    frame = json.loads(line)
                    if "exit_code" in frame:
                        final = frame
                    elif isinstance(frame.get("text"), str):
                        pieces.append(frame["text"])
                        await lines.feed(frame["text"])
        except httpx.HTTPError as exc:
            raise ToolFailure(f"the connection to the sandbox {self.space_id} broke during the command "
                              f"({type(exc).__name__}); the command may still be running there.") from None
        except ValueError:
            raise ToolFailure(f"the sandbox {self.space_id} streamed something that is not JSON.") from None
        await lines.close()
        if final is None:
            raise ToolFailure(f"the sandbox {self.space_id} ended the command's stream without its exit code.")
        return ExecResult(output="".join(pieces), exit_code=final.get("exit_code"),
                          timed_out=bool(final.get("timed_out")), truncated=bool(final.get("output_truncated")),
                          seconds=float(final.get("seconds") or 0.0))
