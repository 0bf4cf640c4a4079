"""Who the caller is: token validation against whoami-v2, cached by token hash, and what the token permits."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from agent.errors import Forbidden, Unauthorized, Unavailable
from agent.settings import Settings

INFERENCE_SCOPE = "inference.serverless.write"
REPO_WRITE_SCOPE = "repo.write"
JOB_WRITE_SCOPE = "job.write"


@dataclass(frozen=True)
class Identity:
    """The caller. The token stays in memory; ``SecretStr`` keeps it out of reprs and logs."""

    user_id: str
    username: str
    token: SecretStr = field(repr=False)
    token_role: str
    orgs: tuple[str, ...]
    can_infer: bool
    can_write_repos: bool
    can_run_jobs: bool

    def secret(self) -> str:
        return self.token.get_secret_value()


@dataclass(frozen=True)
class _WhoAmI:
    user_id: str
    username: str
    token_role: str
    orgs: tuple[str, ...]
    can_infer: bool
    can_write_repos: bool
    can_run_jobs: bool


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header, or 401."""
    if not authorization:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <Hugging Face user token>'.",
                           code="missing_token")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512 or not token.isprintable():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <token>'.", code="invalid_token")
    if token.startswith("api_org_"):
        raise Forbidden("Organization tokens are not accepted: use a user access token.",
                        code="organization_token_not_supported")
    return token


def _has_scope(auth: dict[str, Any], username: str, scope: str) -> bool:
    fine = auth.get("fineGrained") or {}
    if scope in (fine.get("global") or []):
        return True
    for entry in fine.get("scoped") or []:
        entity = entry.get("entity") or {}
        if entity.get("type") == "user" and entity.get("name") == username and scope in (entry.get("permissions") or []):
            return True
    return False


def _has_scope_anywhere(auth: dict[str, Any], scope: str) -> bool:
    fine = auth.get("fineGrained") or {}
    return scope in (fine.get("global") or []) or any(
        scope in (entry.get("permissions") or []) for entry in fine.get("scoped") or [])


def parse_whoami(payload: dict[str, Any]) -> _WhoAmI:
    """Apply the product's rules to a whoami-v2 payload: user tokens only; what each token kind permits."""
    if payload.get("type") != "user":
        raise Forbidden("Organization tokens are not accepted: use a user access token.",
                        code="organization_token_not_supported")
    username = str(payload.get("name") or "")
    access = ((payload.get("auth") or {}).get("accessToken")) or {}
    role = str(access.get("role") or "read")
    if role == "fineGrained":
        can_infer = _has_scope(access, username, INFERENCE_SCOPE)
        can_write = _has_scope_anywhere(access, REPO_WRITE_SCOPE)
        can_jobs = _has_scope_anywhere(access, JOB_WRITE_SCOPE)
    else:
        # Classic tokens: read tokens can call Inference Providers; write tokens can also write and run jobs.
        can_infer = True
        can_write = can_jobs = role == "write"
    return _WhoAmI(
        user_id=str(payload.get("id") or username), username=username, token_role=role,
        orgs=tuple(str(o.get("name")) for o in payload.get("orgs") or [] if o.get("name")),
        can_infer=can_infer, can_write_repos=can_write, can_run_jobs=can_jobs)


@dataclass
class IdentityResolver:
    """Validates tokens against ``{hub}/api/whoami-v2``; results cached by token fingerprint (never the token)."""

    settings: Settings
    http: httpx.AsyncClient
    _cache: dict[str, tuple[float, _WhoAmI]] = field(default_factory=dict)
    _inflight: dict[str, asyncio.Future] = field(default_factory=dict)

    async def resolve(self, authorization: str | None, *, require_inference: bool = True) -> Identity:
        token = bearer_token(authorization)
        who = await self._whoami(token)
        if require_inference and not who.can_infer:
            raise Forbidden(
                "This token lacks the 'inference.serverless.write' permission (Make calls to Inference Providers), "
                "which the agent needs to reason as you. Edit the token at huggingface.co/settings/tokens.",
                code="inference_provider_permission_required")
        return Identity(user_id=who.user_id, username=who.username, token=SecretStr(token),
                        token_role=who.token_role, orgs=who.orgs, can_infer=who.can_infer,
                        can_write_repos=who.can_write_repos, can_run_jobs=who.can_run_jobs)

    async def _whoami(self, token: str) -> _WhoAmI:
        key = token_fingerprint(token)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        # Collapse concurrent validations of the same token into one Hub call.
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(token))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _f: self._inflight.pop(key, None))
        who = await asyncio.shield(pending)
        self._cache[key] = (time.monotonic() + self.settings.whoami_cache_seconds, who)
        if len(self._cache) > 10_000:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        return who

    async def _fetch(self, token: str) -> _WhoAmI:
        try:
            reply = await self.http.get(f"{self.settings.hub_url.rstrip('/')}/api/whoami-v2",
                                        headers={"authorization": f"Bearer {token}"}, timeout=15.0)
        except httpx.HTTPError as exc:
            raise Unavailable(f"Could not reach the Hugging Face Hub to validate the token ({type(exc).__name__}).",
                              code="hub_unavailable") from None
        if reply.status_code in (401, 403):
            raise Unauthorized("Invalid Hugging Face token.", code="invalid_token")
        if reply.status_code == 429:
            raise Unavailable("The Hugging Face Hub is rate-limiting token validation; retry shortly.",
                              code="hub_rate_limited")
        if reply.status_code >= 400:
            raise Unavailable(f"The Hugging Face Hub answered {reply.status_code} to token validation.",
                              code="hub_unavailable")
        return parse_whoami(reply.json())
