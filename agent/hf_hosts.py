"""The only hosts a caller's token may be sent to: the configured Hugging Face hosts, and the host of a Space of
the caller's own that a tool is talking to (the sandbox), built from the configured Spaces URL template."""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx

from agent.hub_ids import InvalidHubName, repo_id
from agent.settings import Settings

# A Space's host label: the repo id lowercased, '/', '_' and '.' made '-' (as the Hub names *.hf.space hosts).
_SPACE_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,200}[a-z0-9])?")


def allowed_origins(settings: Settings) -> frozenset[tuple[str, str, int | None]]:
    origins = set()
    for base in (settings.hub_url, settings.router_url, settings.datasets_server_url):
        url = httpx.URL(base)
        origins.add((url.scheme, url.host, url.port))
    return frozenset(origins)


def is_hf_url(url: str | httpx.URL, settings: Settings) -> bool:
    parsed = httpx.URL(str(url))
    return (parsed.scheme, parsed.host, parsed.port) in allowed_origins(settings)


class HfOnlyBearerAuth(httpx.Auth):
    """Adds the caller's token only to requests bound for a Hugging Face host, including after redirects."""

    def __init__(self, token: str, settings: Settings,
                 origins: frozenset[tuple[str, str, int | None]] | None = None) -> None:
        self._token = token
        # Parsing the three URLs cost ~0.5 ms: a registry of sessions passes the set it computed once.
        self._origins = origins if origins is not None else allowed_origins(settings)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        if (url.scheme, url.host, url.port) in self._origins:
            request.headers["Authorization"] = f"Bearer {self._token}"
        else:
            request.headers.pop("Authorization", None)
        yield request

    def __repr__(self) -> str:
        return "HfOnlyBearerAuth(<redacted>)"


def space_subdomain(space_id: str) -> str:
    """``alice/My_box.v2`` -> ``alice-my-box-v2``; the id is checked against the Hub's grammar first, so the result
    is one DNS label: it cannot add a host, a port, a path or a query to the URL it goes into."""
    rid = repo_id(space_id, "Space id")
    if "/" not in rid:
        raise InvalidHubName(f"invalid Space id '{rid}': expected 'namespace/name'")
    label = rid.lower().replace("/", "-").replace("_", "-").replace(".", "-")
    if not _SPACE_SUBDOMAIN.fullmatch(label):
        raise InvalidHubName(f"invalid Space id '{rid}'")
    return label


def space_url(settings: Settings, space_id: str) -> httpx.URL:
    """The base URL of a Space's own host (``https://alice-my-box.hf.space`` on Hugging Face)."""
    return httpx.URL(settings.spaces_url_template.replace("{subdomain}", space_subdomain(space_id)))


class SpaceHostAuth(httpx.Auth):
    """Adds the caller's token only to requests for one Space's host (its origin, under its base path). Used with
    redirects off: a Space cannot send the token anywhere else."""

    def __init__(self, token: str, base: httpx.URL) -> None:
        self._token = token
        self._origin = (base.scheme, base.host, base.port)
        self._prefix = base.path.rstrip("/") + "/"

    def allows(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == self._origin and url.path.startswith(self._prefix)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.allows(request.url):
            request.headers["Authorization"] = f"Bearer {self._token}"
        else:
            request.headers.pop("Authorization", None)
        yield request

    def __repr__(self) -> str:
        return "SpaceHostAuth(<redacted>)"


class CallerHttp:
    """The process's pooled HTTP client used as one caller: the caller's token rides on each request (and only to
    a Hugging Face host), never on the shared client, so no other caller's request can carry it. Building a client
    per session cost ~100 ms of blocked event loop and ~1.7 MB (an SSL context each)."""

    __slots__ = ("_client", "_auth")

    def __init__(self, client: httpx.AsyncClient, auth: HfOnlyBearerAuth | SpaceHostAuth) -> None:
        self._client = client
        self._auth = auth

    def for_space(self, auth: SpaceHostAuth) -> "CallerHttp":
        """The same pooled client, carrying the token to one Space's host only (and to no Hugging Face API)."""
        return CallerHttp(self._client, auth)

    async def get(self, url: str | httpx.URL, **kwargs) -> httpx.Response:
        return await self._client.get(url, auth=self._auth, **kwargs)

    async def post(self, url: str | httpx.URL, **kwargs) -> httpx.Response:
        return await self._client.post(url, auth=self._auth, **kwargs)

    def stream(self, method: str, url: str | httpx.URL, **kwargs):
        return self._client.stream(method, url, auth=self._auth, **kwargs)

    def __repr__(self) -> str:
        return "CallerHttp(<redacted>)"


# Where a caller's request or a public read can go through either: both have get/post/stream.
HttpClient = CallerHttp | httpx.AsyncClient


def shared_client() -> httpx.AsyncClient:
    """The one client a process uses for the Hub and datasets-server (no credential on it)."""
    return httpx.AsyncClient(timeout=30.0, follow_redirects=True, headers={"user-agent": "ml-intern-api/0.1"},
                             limits=httpx.Limits(max_connections=None, max_keepalive_connections=200))
