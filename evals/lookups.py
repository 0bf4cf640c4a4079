"""Hub and datasets-server lookups for the checks, recorded in each trace so that a replay re-scores without
calling anything.

``HubSource`` asks the services (one cache per run: the same repo checked by ten traces is one request);
``TraceLookups`` serves one trace's checks from what that trace recorded, and asks the source only for what it
lacks — never, in a replay (no source): an unrecorded lookup is then "unknown" and the check undecided.

The token goes only to Hugging Face hosts (and loopback, for the emulator); any other Hub URL is asked without it.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from evals.hf_urls import hf_host_set
from ml_intern_cli.client import is_loopback

LookupValue = dict[str, Any]
TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def token_allowed(url: str) -> bool:
    """Whether the caller's token may be sent to ``url``: https on huggingface.co / hf.co (and their subdomains),
    or any loopback address (the emulator)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("huggingface.co", "hf.co") or host.endswith((".huggingface.co", ".hf.co")):
        return parts.scheme == "https"
    return is_loopback(host)


def _path(*segments: str) -> str:
    return "/".join(quote(segment, safe="") for segment in segments)


def _repo_path(repo_id: str) -> str:
    return _path(*repo_id.split("/", 1))


class HubSource:
    """The live services, cached for a run. ``hub_url`` also serves the Hub's API (``/api/...``)."""

    def __init__(self, hub_url: str, datasets_server_url: str, token: str | None,
                 http: httpx.AsyncClient | None = None) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.datasets_server_url = datasets_server_url.rstrip("/")
        self.hf_hosts = hf_host_set(self.hub_url)
        self._token = token
        self._http = http or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        self._owns_http = http is None
        self._cache: dict[str, LookupValue] = {}
        self._inflight: dict[str, asyncio.Future[LookupValue]] = {}

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def get(self, key: str) -> LookupValue:
        if key in self._cache:
            return self._cache[key]
        if key in self._inflight:
            return await asyncio.shield(self._inflight[key])
        future: asyncio.Future[LookupValue] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await self._fetch(key)
            if value.get("status") is not None:  # a failure to reach the service is retried next time
                self._cache[key] = value
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # consumed: nobody else may be waiting
            raise
        finally:
            del self._inflight[key]

    async def _request(self, url: str, **params: str) -> httpx.Response | str:
        headers = {"accept": "application/json"}
        if self._token and token_allowed(url):
            headers["authorization"] = f"Bearer {self._token}"
        for attempt in (1, 2):
            try:
                reply = await self._http.get(url, params=params or None, headers=headers)
                # Follow redirects by hand, and only on the same host (a renamed repo answers 307 to its new name).
                hops = 0
                while reply.is_redirect and hops < 5:
                    target = reply.next_request.url if reply.next_request else None
                    if target is None or target.host != httpx.URL(url).host:
                        break
                    reply = await self._http.get(target, headers=headers)
                    hops += 1
                return reply
            except httpx.TransportError as exc:
                if attempt == 2:
                    return f"{type(exc).__name__}: {exc}"
        raise AssertionError("unreachable")

    async def _status(self, url: str, **params: str) -> LookupValue:
        reply = await self._request(url, **params)
        if isinstance(reply, str):
            return {"status": None, "error": reply}
        return {"status": reply.status_code}

    async def _fetch(self, key: str) -> LookupValue:
        kind, _, ident = key.partition(":")
        hub = self.hub_url
        if kind in ("model", "dataset", "space"):
            return await self._status(f"{hub}/api/{kind}s/{_repo_path(ident)}")
        if kind == "paper":
            return await self._status(f"{hub}/api/papers/{_path(ident)}")
        if kind == "collection":
            return await self._status(f"{hub}/api/collections/{_repo_path(ident)}")
        if kind == "page":
            return await self._status(f"{hub}/{'/'.join(quote(p, safe='') for p in ident.split('/') if p)}")
        if kind == "account":
            user = await self._status(f"{hub}/api/users/{_path(ident)}/overview")
            if user.get("status") == 404:
                return await self._status(f"{hub}/api/organizations/{_path(ident)}/overview")
            return user
        if kind == "job":
            namespace, job_id = ident.split("/", 1)
            reply = await self._request(f"{hub}/api/jobs/{_path(namespace)}/{_path(job_id)}")
            if isinstance(reply, str):
                return {"status": None, "error": reply}
            value: LookupValue = {"status": reply.status_code}
            if reply.is_success:
                status = (reply.json() or {}).get("status") or {}
                value.update(stage=status.get("stage"), message=status.get("message"))
            return value
        if kind == "splits":
            reply = await self._request(f"{self.datasets_server_url}/splits", dataset=ident)
            if isinstance(reply, str):
                return {"status": None, "error": reply}
            value = {"status": reply.status_code}
            if reply.is_success:
                names: list[str] = []
                for row in (reply.json() or {}).get("splits") or []:
                    if row.get("split") and row["split"] not in names:
                        names.append(row["split"])
                value["splits"] = names
            return value
        raise ValueError(f"unknown lookup {key!r}")

    async def whoami(self) -> str | None:
        """The token's account name (for ``${namespace}``), or None when the Hub does not say."""
        reply = await self._request(f"{self.hub_url}/api/whoami-v2")
        if isinstance(reply, str) or not reply.is_success:
            return None
        return (reply.json() or {}).get("name")


class TraceLookups:
    """One trace's lookups: its ``recorded`` answers first, then the source (whose answers are added to
    ``recorded``). Without a source (a replay), a lookup not recorded is unknown (``status`` None)."""

    def __init__(self, recorded: dict[str, LookupValue], source: HubSource | None,
                 hf_hosts: frozenset[str]) -> None:
        self.recorded = recorded
        self.source = source
        self.hf_hosts = hf_hosts
        self.missing: list[str] = []

    async def _get(self, key: str) -> LookupValue:
        if key in self.recorded:
            return self.recorded[key]
        if self.source is None:
            self.missing.append(key)
            return {"status": None, "error": "not recorded in the trace (replay makes no request)"}
        value = await self.source.get(key)
        if value.get("status") is not None:
            self.recorded[key] = value
        return value

    async def repo(self, kind: str, repo_id: str) -> LookupValue:
        return await self._get(f"{kind}:{repo_id}")

    async def paper(self, paper_id: str) -> LookupValue:
        return await self._get(f"paper:{paper_id}")

    async def collection(self, slug: str) -> LookupValue:
        return await self._get(f"collection:{slug}")

    async def account(self, name: str) -> LookupValue:
        return await self._get(f"account:{name}")

    async def job(self, namespace: str, job_id: str) -> LookupValue:
        return await self._get(f"job:{namespace}/{job_id}")

    async def page(self, path: str) -> LookupValue:
        return await self._get(f"page:{path}")

    async def splits(self, dataset: str) -> LookupValue:
        return await self._get(f"splits:{dataset}")
