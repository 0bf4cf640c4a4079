"""The sandbox's HTTP server: runs inside the caller's private Docker Space (never on the ML Intern server).

Every route but ``/health`` needs ``Authorization: Bearer <token>`` of the Space's owner (or a member of the owning
organization), checked against the Hub's ``/api/whoami-v2`` as a private Space's proxy does; answers are cached
briefly by the token's hash (the token itself is never kept, logged or forwarded). File routes are confined to the
workspace (symlinks resolved); commands run with a time limit and a bound on the output they return.

Routes: ``POST /exec`` (NDJSON stream of ``{"stream", "text"}`` lines, then ``{"exit_code", "timed_out",
"output_truncated", "seconds"}``), ``GET /files?path=``, ``PUT /files``, ``POST /edit``, ``GET /list?path=``,
``POST /upload`` (fetch a URL into the workspace).

Standalone: it imports nothing from ML Intern (the Space installs only ``requirements.txt``).
"""


import asyncio
import hashlib
import json
import os
import signal
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MAX_COMMAND_CHARS = 20_000
MAX_TIMEOUT_SECONDS = 3600
MAX_OUTPUT_BYTES = 1_000_000       # returned per command; the rest is drained and dropped
MAX_FILE_BYTES = 5_000_000         # read or written through /files
MAX_UPLOAD_BYTES = 2_000_000_000   # fetched by /upload
MAX_LIST_ENTRIES = 1000
AUTH_CACHE_SECONDS = 60.0
AUTH_CACHE_SIZE = 64
CHUNK = 8192


@dataclass
class SandboxConfig:
    workspace: Path
    owner: str                       # the Space's namespace (SPACE_AUTHOR_NAME)
    hub_url: str = "https://huggingface.co"
    max_output_bytes: int = MAX_OUTPUT_BYTES
    max_timeout_seconds: int = MAX_TIMEOUT_SECONDS
    # sha256(token) -> (allowed, expiry): a token is checked against the Hub at most once a minute.
    auth_cache: OrderedDict = field(default_factory=OrderedDict)


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _authorize(config: SandboxConfig, request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Refused(401, "a Hugging Face token is required (Authorization: Bearer ...)")
    key = hashlib.sha256(token.encode()).hexdigest()
    cached = config.auth_cache.get(key)
    now = time.monotonic()
    if cached is None or cached[1] < now:
        async with httpx.AsyncClient(timeout=15.0) as client:
            try:
                reply = await client.get(f"{config.hub_url.rstrip('/')}/api/whoami-v2",
                                         headers={"authorization": f"Bearer {token}"})
            except httpx.HTTPError:
                raise Refused(503, "the Hub could not be reached to check the token") from None
        if reply.status_code == 401:
            raise Refused(401, "invalid Hugging Face token")
        if reply.status_code != 200:
            raise Refused(503, f"the Hub answered {reply.status_code} while checking the token")
        who = reply.json()
        names = {who.get("name")} | {org.get("name") for org in who.get("orgs") or [] if isinstance(org, dict)}
        cached = (config.owner in names, now + AUTH_CACHE_SECONDS)
        config.auth_cache[key] = cached
        while len(config.auth_cache) > AUTH_CACHE_SIZE:
            config.auth_cache.popitem(last=False)
    if not cached[0]:
        raise Refused(403, f"this sandbox belongs to {config.owner}")


def confined(config: SandboxConfig, raw: object) -> Path:
    """``raw`` as a path inside the workspace (relative to it, or absolute within it); symlinks are resolved
    first, so a link cannot lead out."""
    if not isinstance(raw, str) or not raw or len(raw) > 1024 or "\x00" in raw:
        raise Refused(400, "path must be a non-empty string of at most 1024 characters")
    root = config.workspace.resolve()
    path = (root / raw).resolve()
    if path != root and root not in path.parents:
        raise Refused(403, f"path {raw!r} is outside the workspace {root}")
    return path


async def _json(request: Request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, "the body must be a JSON object")
    return body


def _route(config: SandboxConfig, handler):
    async def endpoint(request: Request) -> Response:
        try:
            await _authorize(config, request)
            return await handler(config, request)
        except Refused as exc:
            return _error(exc.status, exc.message)

    return endpoint


async def _exec(config: SandboxConfig, request: Request) -> Response:
    body = await _json(request)
    command = body.get("command")
    if not isinstance(command, str) or not command.strip() or len(command) > MAX_COMMAND_CHARS:
        raise Refused(400, f"command must be a non-empty string of at most {MAX_COMMAND_CHARS} characters")
    timeout = body.get("timeout_seconds", 120)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= config.max_timeout_seconds:
        raise Refused(400, f"timeout_seconds must be in (0, {config.max_timeout_seconds}]")
    cwd = confined(config, body.get("workdir") or ".")
    if not cwd.is_dir():
        raise Refused(404, f"workdir {body.get('workdir')!r} is not a directory")
    limit = config.max_output_bytes
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", command, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True)  # its own group: a timeout kills its children too

    async def stream():
        queue: asyncio.Queue = asyncio.Queue()
        sent = 0
        truncated = False
        started = time.monotonic()

        async def pump(reader: asyncio.StreamReader, name: str) -> None:
            while chunk := await reader.read(CHUNK):
                await queue.put((name, chunk))
            await queue.put((name, None))

        pumps = [asyncio.ensure_future(pump(process.stdout, "stdout")),
                 asyncio.ensure_future(pump(process.stderr, "stderr"))]
        open_streams, timed_out = 2, False
        deadline = started + float(timeout)
        try:
            while open_streams:
                remaining = deadline - time.monotonic()
                try:
                    name, chunk = await asyncio.wait_for(queue.get(), max(remaining, 0.001))
                except asyncio.TimeoutError:
                    timed_out = True
                    break
                if chunk is None:
                    open_streams -= 1
                    continue
                if sent >= limit:
                    truncated = True
                    continue  # drained, not returned: the command is not blocked on a full pipe
                piece = chunk[: limit - sent]
                truncated = truncated or len(piece) < len(chunk)
                sent += len(piece)
                yield json.dumps({"stream": name, "text": piece.decode(errors="replace")}) + "\n"
        finally:
            if timed_out or process.returncode is None and open_streams:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for task in pumps:
                task.cancel()
        code = await process.wait()
        yield json.dumps({"exit_code": None if timed_out else code, "timed_out": timed_out,
                          "output_truncated": truncated, "seconds": round(time.monotonic() - started, 3)}) + "\n"

    return StreamingResponse(stream(), media_type="application/x-ndjson")


async def _read(config: SandboxConfig, request: Request) -> Response:
    path = confined(config, request.query_params.get("path"))
    if not path.is_file():
        raise Refused(404, f"no file at {request.query_params.get('path')!r}")
    try:
        limit = min(int(request.query_params.get("max_bytes") or MAX_FILE_BYTES), MAX_FILE_BYTES)
    except ValueError:
        raise Refused(400, "max_bytes must be an integer") from None
    size = path.stat().st_size
    with path.open("rb") as handle:
        data = handle.read(max(limit, 0))
    return JSONResponse({"path": str(path.relative_to(config.workspace.resolve())), "size": size,
                         "content": data.decode(errors="ignore"), "truncated": size > len(data)})


async def _write(config: SandboxConfig, request: Request) -> Response:
    body = await _json(request)
    content = body.get("content")
    if not isinstance(content, str) or len(content.encode()) > MAX_FILE_BYTES:
        raise Refused(400, f"content must be a string of at most {MAX_FILE_BYTES} bytes")
    path = confined(config, body.get("path"))
    if path.is_dir():
        raise Refused(409, f"{body.get('path')!r} is a directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return JSONResponse({"path": str(path.relative_to(config.workspace.resolve())), "size": path.stat().st_size})


async def _edit(config: SandboxConfig, request: Request) -> Response:
    body = await _json(request)
    old, new = body.get("old_text"), body.get("new_text")
    if not isinstance(old, str) or not old or not isinstance(new, str) or len(new) > MAX_FILE_BYTES:
        raise Refused(400, "old_text (non-empty) and new_text must be strings")
    path = confined(config, body.get("path"))
    if not path.is_file():
        raise Refused(404, f"no file at {body.get('path')!r}")
    text = path.read_text(errors="replace")
    count = text.count(old)
    if count == 0:
        raise Refused(422, "old_text was not found in the file (it must match exactly, whitespace included)")
    if count > 1:
        raise Refused(409, f"old_text appears {count} times: include more surrounding lines so it is unique")
    path.write_text(text.replace(old, new, 1))
    return JSONResponse({"path": str(path.relative_to(config.workspace.resolve())), "replaced": 1})


async def _list(config: SandboxConfig, request: Request) -> Response:
    path = confined(config, request.query_params.get("path") or ".")
    if not path.is_dir():
        raise Refused(404, f"no directory at {request.query_params.get('path')!r}")
    entries = []
    for child in sorted(path.iterdir())[:MAX_LIST_ENTRIES]:
        kind = "dir" if child.is_dir() else "file"
        entries.append({"name": child.name, "type": kind, "size": child.stat().st_size if kind == "file" else None})
    return JSONResponse({"entries": entries, "truncated": len(entries) == MAX_LIST_ENTRIES})


async def _upload(config: SandboxConfig, request: Request) -> Response:
    """Fetch ``url`` into ``path``: no credential of the caller goes with it."""
    body = await _json(request)
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 2000:
        raise Refused(400, "url must be an http(s) URL")
    path = confined(config, body.get("path"))
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    async with httpx.AsyncClient(timeout=60.0, follow_redirects=True) as client:
        try:
            async with client.stream("GET", url) as reply:
                if reply.status_code != 200:
                    raise Refused(502, f"{url} answered {reply.status_code}")
                with path.open("wb") as handle:
                    async for chunk in reply.aiter_bytes():
                        written += len(chunk)
                        if written > MAX_UPLOAD_BYTES:
                            handle.close()
                            path.unlink(missing_ok=True)
                            raise Refused(413, f"{url} is larger than {MAX_UPLOAD_BYTES} bytes")
                        handle.write(chunk)
        except httpx.HTTPError as exc:
            raise Refused(502, f"fetching {url} failed ({type(exc).__name__})") from None
    return JSONResponse({"path": str(path.relative_to(config.workspace.resolve())), "size": written})


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(config: SandboxConfig) -> Starlette:
    config.workspace.mkdir(parents=True, exist_ok=True)
    return Starlette(routes=[
        Route("/health", _health),
        Route("/exec", _route(config, _exec), methods=["POST"]),
        Route("/files", _route(config, _read), methods=["GET"]),
        Route("/files", _route(config, _write), methods=["PUT"]),
        Route("/edit", _route(config, _edit), methods=["POST"]),
        Route("/list", _route(config, _list), methods=["GET"]),
        Route("/upload", _route(config, _upload), methods=["POST"]),
    ])


def create_app_from_env() -> Starlette:
    """The Space's entry point (``uvicorn server:create_app_from_env --factory``): Spaces set SPACE_AUTHOR_NAME."""
    return create_app(SandboxConfig(workspace=Path(os.environ.get("SANDBOX_WORKSPACE", "/home/user/workspace")),
                                    owner=os.environ["SPACE_AUTHOR_NAME"],
                                    hub_url=os.environ.get("HF_ENDPOINT", "https://huggingface.co")))
