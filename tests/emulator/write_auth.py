"""Who may write where in the emulator: the rules the Hub applies to repo writes, jobs and collections."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .accounts import Account, bearer_token
from .errors import hub_unauthorized, json_body


def caller(state: Any, request: Request) -> Account | None:
    return state.account_for_token(bearer_token(request))


async def caller_and_body(state: Any, request: Request) -> tuple[Account, Any] | Response:
    """The signed-in caller and the request's JSON body, or the Hub's 401 (no valid token) or 400 (not JSON)."""
    account = caller(state, request)
    if account is None:
        return hub_unauthorized()
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    return account, body


def account_by_name(state: Any, name: str) -> Account | None:
    for account in state.accounts.values():
        if account.name == name:
            return account
    return None


def namespace_kind(state: Any, namespace: str) -> str | None:
    """``user`` / ``org`` for a known namespace, else None."""
    account = account_by_name(state, namespace)
    return account.kind if account else None


def can_access(account: Account, namespace: str) -> bool:
    return account.kind == "user" and (namespace == account.name or account.is_member_of(namespace))


def has_scope(account: Account, scope: str) -> bool:
    if account.role == "write":
        return True
    if account.role == "fineGrained":
        return scope in account.permissions
    return False


def can_write(account: Account, namespace: str) -> bool:
    return can_access(account, namespace) and has_scope(account, "repo.write")


def can_run_jobs(account: Account, namespace: str) -> bool:
    return can_access(account, namespace) and has_scope(account, "job.write")
