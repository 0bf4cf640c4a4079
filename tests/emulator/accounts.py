"""Emulated Hugging Face accounts, their bearer tokens, and the `/api/whoami-v2` payload."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

INFERENCE_PERMISSION = "inference.serverless.write"
TOKEN_CREATED_AT = "2025-01-15T10:00:00.000Z"

# Organizations known to the emulator: name -> fullname.
ORGS: dict[str, str] = {"acme": "Acme Corp"}


def object_id(name: str) -> str:
    """Deterministic 24-hex Mongo-style id, as the Hub uses for `_id`/`id`."""
    return hashlib.sha1(name.encode()).hexdigest()[:24]


def avatar_url(name: str) -> str:
    return f"https://cdn-avatars.huggingface.co/v1/production/uploads/{object_id(name)}/avatar.png"


@dataclass(frozen=True)
class Account:
    name: str
    token: str
    kind: str = "user"  # "user" | "org"
    role: str = "write"  # "write" | "read" | "fineGrained"
    fullname: str = ""
    orgs: tuple[tuple[str, str], ...] = ()  # (org name, roleInOrg)
    global_permissions: tuple[str, ...] = ()
    scoped_permissions: tuple[str, ...] = ()  # scoped on the account's own user entity
    can_pay: bool = False

    @property
    def permissions(self) -> set[str]:
        return set(self.global_permissions) | set(self.scoped_permissions)

    @property
    def can_infer(self) -> bool:
        """Whether this token may call Inference Providers (the router)."""
        if self.kind != "user":
            return False
        if self.role in ("write", "read"):
            return True
        return INFERENCE_PERMISSION in self.permissions

    def is_member_of(self, org: str) -> bool:
        return any(name == org for name, _ in self.orgs)


def default_accounts() -> dict[str, Account]:
    accounts = [
        Account("alice", "hf_emu_alice", fullname="Alice Liddell", orgs=(("acme", "admin"),), can_pay=True),
        Account("bob", "hf_emu_bob", fullname="Bob Builder"),
        Account(
            "carol",
            "hf_emu_carol_noinfer",
            role="fineGrained",
            fullname="Carol Danvers",
            scoped_permissions=("repo.content.read", "repo.write"),
        ),
        Account(
            "dave",
            "hf_emu_dave_fg",
            role="fineGrained",
            fullname="Dave Bowman",
            scoped_permissions=(INFERENCE_PERMISSION, "repo.content.read", "repo.write", "job.write"),
            can_pay=True,
        ),
        Account("erin", "hf_emu_erin_read", role="read", fullname="Erin Brockovich"),
        Account("acme", "hf_emu_org_acme", kind="org", fullname=ORGS["acme"], can_pay=True),
    ]
    return {a.token: a for a in accounts}


LOAD_TOKEN_PREFIX = "hf_emu_load_"


def load_accounts(count: int) -> dict[str, Account]:
    """``count`` extra accounts for load tests (``hf_emu_load_0000`` → user ``load0000``, ...): classic ``write``
    tokens that may infer and pay, like alice, so a load spreads over many accounts' live-session limits."""
    accounts = [Account(f"load{i:04d}", f"{LOAD_TOKEN_PREFIX}{i:04d}", fullname=f"Load Tester {i}", can_pay=True)
                for i in range(count)]
    return {a.token: a for a in accounts}


def bearer_token(request: Request) -> str | None:
    """The bearer token of a request, or None when there is no Authorization header."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""  # present but not a bearer token -> treated as invalid
    return value.strip()


def whoami_payload(account: Account) -> dict[str, Any]:
    access_token: dict[str, Any] = {
        "displayName": f"emulator-{account.name}",
        "role": account.role,
        "createdAt": TOKEN_CREATED_AT,
    }
    if account.role == "fineGrained":
        access_token["fineGrained"] = {
            "canReadGatedRepos": True,
            "global": list(account.global_permissions),
            "scoped": [
                {
                    "entity": {"_id": object_id(account.name), "type": account.kind, "name": account.name},
                    "permissions": list(account.scoped_permissions),
                }
            ]
            if account.scoped_permissions
            else [],
        }
    payload: dict[str, Any] = {
        "type": account.kind,
        "id": object_id(account.name),
        "name": account.name,
        "fullname": account.fullname or account.name,
    }
    if account.kind == "user":
        payload.update(
            {
                "email": f"{account.name}@example.com",
                "emailVerified": True,
                "canPay": account.can_pay,
                "isPro": False,
                "periodEnd": None,
                "avatarUrl": avatar_url(account.name),
                "orgs": [
                    {
                        "type": "org",
                        "id": object_id(org),
                        "name": org,
                        "fullname": ORGS.get(org, org),
                        "avatarUrl": avatar_url(org),
                        "roleInOrg": role,
                    }
                    for org, role in account.orgs
                ],
            }
        )
    else:
        payload.update({"email": None, "canPay": account.can_pay, "periodEnd": None, "avatarUrl": avatar_url(account.name)})
    payload["auth"] = {"type": "access_token", "accessToken": access_token}
    return payload
