"""HTTP calls to a deployment's /v1 API (httpx), with the server's errors turned into CliErrors and exit codes."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from ml_intern_cli import sse
from ml_intern_cli.exit_codes import CliError, ExitCode
from ml_intern_cli.models import ArtifactList, ErrorBody, ModelList, Response, ResponseList

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# A followed stream gets a keep-alive every 15 s: a minute of silence means the connection is gone.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)
REQUEST_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Create is retried on a dropped connection with the same Idempotency-Key: the server answers a repeat with the
# first response, so a retry never starts a second run.
CREATE_ATTEMPTS = 3
# Response ids are path segments: refuse anything that could leave the segment ("..", "/", "?").
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _version() -> str:
    try:
        return metadata.version("ml-intern-api")
    except metadata.PackageNotFoundError:
        return "dev"


def check_base_url(base_url: str) -> tuple[str, str | None]:
    """The base URL without a trailing slash, and a warning when the token would cross a network unencrypted."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"--base-url must be an http:// or https:// URL, not {base_url!r}.", ExitCode.USAGE)
    warning = None
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        warning = (f"Warning: {base_url} is plain HTTP to another machine: your Hugging Face token travels "
                   "unencrypted. Use https://.")
    return base_url.rstrip("/"), warning


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (the emulator, a port-forward)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_response_id(response_id: str) -> str:
    if not ID_PATTERN.match(response_id):
        raise CliError(f"{response_id!r} is not a response id (they look like resp_0123…).", ExitCode.USAGE)
    return response_id


class ApiError(CliError):
    """A non-2xx answer: the server's error envelope, with the exit code its status means."""

    def __init__(self, status: int, error: ErrorBody) -> None:
        self.status = status
        self.error = error
        label = f"{status} {error.code}" if error.code else str(status)
        super().__init__(f"{error.message or 'The server refused the request.'} ({label})", _exit_code(status, error))


def _exit_code(status: int, error: ErrorBody) -> ExitCode:
    if status in (401, 403):
        return ExitCode.AUTH
    if status == 404 and error.code != "route_not_found":
        return ExitCode.NOT_FOUND
    if status == 429 or status >= 500:
        return ExitCode.UNAVAILABLE
    return ExitCode.REFUSED


def raise_for_status(reply: httpx.Response) -> None:
    if reply.is_success:
        return
    try:
        error = ErrorBody.model_validate(reply.json()["error"])
    except (ValueError, KeyError, TypeError, ValidationError):
        # Not the API's envelope (a proxy's page, another service at that address).
        error = ErrorBody(message=f"{reply.request.method} {reply.request.url.path} answered "
                                  f"{reply.status_code} {reply.reason_phrase} without an API error body.")
    raise ApiError(reply.status_code, error)


def unreachable(base_url: str, exc: Exception) -> CliError:
    return CliError(f"Cannot reach the ML Intern API at {base_url} ({type(exc).__name__}: {exc}). Is it running? "
                    "Set --base-url or ML_INTERN_BASE_URL.", ExitCode.UNAVAILABLE)


class Api:
    """One deployment, called as the token's account. The token goes in the Authorization header to
    ``base_url`` only."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, headers={
            "authorization": f"Bearer {token}", "user-agent": f"ml-intern-cli/{_version()}"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            reply = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None
        raise_for_status(reply)
        return reply.json()

    def _parsed(self, model: type[BaseModel], method: str, path: str, **kwargs: Any) -> Any:
        body = self._call(method, path, **kwargs)
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise CliError(f"{method} {path} answered something this client cannot read: {exc}",
                           ExitCode.UNAVAILABLE) from None

    # ------------------------------------------------------------ responses

    def create(self, body: dict[str, Any]) -> tuple[Response, dict[str, Any]]:
        headers = {"idempotency-key": f"ml-intern-cli-{uuid.uuid4().hex}"}
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                reply = self._http.post("/v1/responses", json=body, headers=headers)
                break
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if attempt == CREATE_ATTEMPTS:
                    raise unreachable(self.base_url, exc) from None
            except httpx.TransportError as exc:
                raise unreachable(self.base_url, exc) from None
        raise_for_status(reply)
        raw = reply.json()
        return Response.model_validate(raw), raw

    def get(self, response_id: str) -> Response:
        return self._parsed(Response, "GET", f"/v1/responses/{check_response_id(response_id)}")

    def get_json(self, response_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/responses/{check_response_id(response_id)}")

    def cancel(self, response_id: str) -> Response:
        return self._parsed(Response, "POST", f"/v1/responses/{check_response_id(response_id)}/cancel")

    def approve(self, response_id: str, *, approve: bool, new_max_cost_usd: float | None = None,
                feedback: str | None = None) -> Response:
        body: dict[str, Any] = {"approve": approve}
        if new_max_cost_usd is not None:
            body["new_max_cost_usd"] = new_max_cost_usd
        if feedback:
            body["feedback"] = feedback
        return self._parsed(Response, "POST", f"/v1/responses/{check_response_id(response_id)}/approvals",
                            json=body)

    def artifacts(self, response_id: str) -> tuple[ArtifactList, dict[str, Any]]:
        raw = self._call("GET", f"/v1/responses/{check_response_id(response_id)}/artifacts")
        return ArtifactList.model_validate(raw), raw

    def list(self, *, limit: int | None = None, after: str | None = None, session_id: str | None = None,
             status: str | None = None) -> tuple[ResponseList, dict[str, Any]]:
        params = {key: value for key, value in
                  {"limit": limit, "after": after, "session_id": session_id, "status": status}.items()
                  if value is not None}
        try:
            raw = self._call("GET", "/v1/responses", params=params)
        except ApiError as exc:
            if exc.status in (404, 405) and exc.error.code in (None, "route_not_found", "method_not_allowed"):
                raise CliError(f"This deployment ({self.base_url}) cannot list responses: GET /v1/responses "
                               f"answered {exc.status}. It is older than this client.", ExitCode.REFUSED) from None
            raise
        return ResponseList.model_validate(raw), raw

    def models(self) -> tuple[ModelList, dict[str, Any]]:
        """``GET /v1/models`` (a deployment that has none is asked ``GET /api/config/model``), with the default
        model marked: the OpenAI list has no such field, ``/api/config/model`` names it."""
        config: dict[str, Any] | None = None
        try:
            raw = self._call("GET", "/v1/models")
        except ApiError as exc:
            if exc.status not in (404, 405):
                raise
            raw = config = self._call("GET", "/api/config/model")
        listed = ModelList.model_validate(raw)
        if config is None:
            try:
                config = self._call("GET", "/api/config/model")
            except ApiError:
                config = {}  # the list alone, without a default
        default = ModelList.model_validate(config).default
        listed.data = [entry.model_copy(update={"default": entry.default or entry.id == default})
                       for entry in listed.data]
        return listed, raw

    @contextmanager
    def events(self, response_id: str, *, after: int = -1) -> Iterator[Iterator[dict[str, Any]]]:
        """The response's events after sequence number ``after`` (replay, then live), as a resumed SSE stream
        (``Last-Event-ID``). Transport errors propagate as httpx errors: the follower reconnects."""
        headers = {"last-event-id": str(after)} if after >= 0 else {}
        path = f"/v1/responses/{check_response_id(response_id)}/events"
        with self._http.stream("GET", path, headers=headers, timeout=STREAM_TIMEOUT) as reply:
            if reply.status_code != 200:
                reply.read()
                raise_for_status(reply)
            yield sse.events(sse.lines(reply.iter_text()))
