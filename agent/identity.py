"""Who the caller is: token validation against whoami-v2, cached by token hash, and what the token permits."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from huggingface_hub.utils import parse_ratelimit_headers
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

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


class _Entity(BaseModel):
    type: str | None = None
    name: str | None = None


class _ScopedPermissions(BaseModel):
    entity: _Entity = Field(default_factory=_Entity)
    permissions: list[str] | None = None


class _FineGrained(BaseModel):
    global_: list[str] | None = Field(None, alias="global")
    scoped: list[_ScopedPermissions] | None = None


class _AccessToken(BaseModel):
    role: str | None = None
    fineGrained: _FineGrained | None = None


class _Auth(BaseModel):
    accessToken: _AccessToken | None = None


class _Org(BaseModel):
    name: str | None = None


class WhoAmIPayload(BaseModel):
    """The parts of ``GET /api/whoami-v2`` the product relies on. The Hub always names the account: a reply
    without an id or a name is not an answer about this token (every such token would share one owner)."""

    model_config = ConfigDict(extra="ignore")
    type: str
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    orgs: list[_Org] | None = None
    auth: _Auth | None = None


def _has_scope(fine: _FineGrained, username: str, scope: str) -> bool:
    if scope in (fine.global_ or []):
        return True
    return any(entry.entity.type == "user" and entry.entity.name == username and scope in (entry.permissions or [])
               for entry in fine.scoped or [])


def _has_scope_anywhere(fine: _FineGrained, scope: str) -> bool:
    return scope in (fine.global_ or []) or any(scope in (entry.permissions or []) for entry in fine.scoped or [])


def _malformed_reply() -> Unavailable:
    # The Hub accepted the token (200) but said something it never says: an upstream fault, not the caller's —
    # a 401 would tell a client to drop a token that may well be valid. Retrying later can help.
    return Unavailable("The Hugging Face Hub sent an unexpected reply to token validation; retry shortly.",
                       code="hub_unavailable")


def parse_whoami(payload: Any) -> _WhoAmI:
    """Apply the product's rules to a whoami-v2 payload: user tokens only; what each token kind permits.
    A payload that is not a whoami reply (not an object, no type, no account id or name) is ``Unavailable``."""
    try:
        who = WhoAmIPayload.model_validate(payload)
    except ValidationError:
        raise _malformed_reply() from None
    if who.type != "user":
        raise Forbidden("Organization tokens are not accepted: use a user access token.",
                        code="organization_token_not_supported")
    access = (who.auth.accessToken if who.auth else None) or _AccessToken()
    role = access.role or "read"
    if role == "fineGrained":
        fine = access.fineGrained or _FineGrained()
        can_infer = _has_scope(fine, who.name, INFERENCE_SCOPE)
        can_write = _has_scope_anywhere(fine, REPO_WRITE_SCOPE)
        can_jobs = _has_scope_anywhere(fine, JOB_WRITE_SCOPE)
    else:
        # Classic tokens: read tokens can call Inference Providers; write tokens can also write and run jobs.
        can_infer = True
        can_write = can_jobs = role == "write"
    return _WhoAmI(
        user_id=who.id, username=who.name, token_role=role,
        orgs=tuple(o.name for o in who.orgs or [] if o.name),
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
                                        headers={"authorization": f"Bearer {token}"},
                                        timeout=self.settings.whoami_timeout_seconds)
        except httpx.HTTPError as exc:
            raise Unavailable(f"Could not reach the Hugging Face Hub to validate the token ({type(exc).__name__}).",
                              code="hub_unavailable") from None
        if reply.status_code in (401, 403):
            raise Unauthorized("Invalid Hugging Face token.", code="invalid_token")
        if reply.status_code == 429:
            # The Hub says when its window resets (RateLimit header, "t" seconds): a client retrying sooner only
            # spends the caller's quota again.
            limit = parse_ratelimit_headers(reply.headers)
            reset = limit.reset_in_seconds if limit is not None else None
            raise Unavailable("The Hugging Face Hub is rate-limiting token validation; retry "
                              + (f"in {reset} s." if reset is not None else "shortly."),
                              code="hub_rate_limited", retry_after=reset)
        if reply.status_code >= 400:
            raise Unavailable(f"The Hugging Face Hub answered {reply.status_code} to token validation.",
                              code="hub_unavailable")
        try:
            payload = reply.json()
        except ValueError:  # not JSON (an HTML error page from a proxy, a truncated body...)
            raise _malformed_reply() from None
        return parse_whoami(payload)
