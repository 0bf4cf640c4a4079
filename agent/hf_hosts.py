"""The only hosts a caller's token may be sent to: the configured Hugging Face hosts."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from agent.settings import Settings


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

    def __init__(self, token: str, settings: Settings) -> None:
        self._token = token
        self._origins = allowed_origins(settings)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        if (url.scheme, url.host, url.port) in self._origins:
            request.headers["Authorization"] = f"Bearer {self._token}"
        else:
            request.headers.pop("Authorization", None)
        yield request

    def __repr__(self) -> str:
        return "HfOnlyBearerAuth(<redacted>)"
