"""The session's sandbox Space on the Hub: which one it is (the session's store), creating it from the template,
following its build to RUNNING (each stage streamed to the caller), deleting it."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx2
from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import HfHubHTTPError

from agent.models import Artifact
from agent.tools.base import ToolContext, ToolFailure
from agent.tools.repos.write_support import call_hub, hub_failure, repo_url, resolve_namespace
from agent.tools.sandbox.files import template_files

NAME_PREFIX = "ml-intern-sandbox-"
NO_APP = "NO_APP_FILE"
NO_APP_GRACE_SECONDS = 60.0  # right after the upload the Hub may still report no app for a moment
FAILED = ("BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR")
ASLEEP = ("SLEEPING", "PAUSED", "STOPPED")
FIRST_POLL_SECONDS, MAX_POLL_SECONDS = 0.25, 5.0


def sandbox_name(session_id: str) -> str:
    """One name per session, so a retry after a crash finds the Space it created instead of making another."""
    return NAME_PREFIX + re.sub(r"[^a-z0-9]", "", session_id.lower())[-16:]


def sandbox_artifact(ctx: ToolContext, space_id: str) -> Artifact:
    return Artifact(type="space", repo_id=space_id, url=repo_url(ctx.settings.hub_url, "space", space_id),
                    sandbox=True)


async def session_sandbox(ctx: ToolContext) -> str | None:
    """The Space id of the session's newest sandbox, from its recorded artifacts (earlier turns included)."""
    if ctx.session_artifacts is None:
        return None
    found = [a for a in await ctx.session_artifacts() if a.get("type") == "space" and a.get("sandbox")]
    if not found:
        return None
    space_id = str(found[-1]["repo_id"])
    resolve_namespace(ctx, space_id.split("/", 1)[0])  # only ever the caller's own (or their org's) Space
    return space_id


async def require_sandbox(ctx: ToolContext) -> str:
    space_id = await session_sandbox(ctx)
    if space_id is None:
        raise ToolFailure("this session has no sandbox yet: call sandbox_create first.")
    return space_id


async def _unless_gone(action: str, fn, *args: Any, **kwargs: Any) -> Any:
    """``call_hub``, except that a 404 (the Space no longer exists) returns None."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except HfHubHTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise hub_failure(exc, action) from None
    except httpx2.HTTPError as exc:
        raise ToolFailure(f"{action} failed: the Hub could not be reached ({type(exc).__name__}); "
                          "retry later.") from None


async def runtime(ctx: ToolContext, space_id: str) -> dict[str, Any] | None:
    """The Space's runtime (``stage``, ``hardware``, ``gcTimeout``, ...), or None when it no longer exists."""
    found = await _unless_gone(f"reading the sandbox {space_id}", ctx.hf_api().get_space_runtime, space_id,
                               token=ctx.identity.secret())
    return None if found is None else found.raw


async def create_space(ctx: ToolContext, space_id: str, hardware: str, sleep_seconds: int | None) -> None:
    api = ctx.hf_api()
    await call_hub(f"creating the sandbox Space {space_id}", api.create_repo, space_id, repo_type="space",
                   private=True, exist_ok=True, space_sdk="docker", space_hardware=hardware,
                   space_sleep_time=sleep_seconds, token=ctx.identity.secret())


async def upload_template(ctx: ToolContext, space_id: str, packages: list[str]) -> None:
    api = ctx.hf_api()
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=content)
                  for path, content in template_files(packages).items()]
    await call_hub(f"uploading the sandbox template to {space_id}", api.create_commit, space_id,
                   operations=operations, commit_message="ML Intern sandbox", repo_type="space",
                   token=ctx.identity.secret())


async def restart(ctx: ToolContext, space_id: str) -> None:
    api = ctx.hf_api()
    await call_hub(f"waking the sandbox {space_id}", api.restart_space, space_id, token=ctx.identity.secret())


async def wait_until_running(ctx: ToolContext, space_id: str) -> dict[str, Any]:
    """Poll the Space's runtime until RUNNING, streaming each new stage; a failed build or start is the model's to
    read (with the Hub's error message)."""
    started = time.monotonic()
    deadline = started + ctx.settings.sandbox_start_timeout_seconds
    delay, seen = FIRST_POLL_SECONDS, None
    while True:
        state = await runtime(ctx, space_id)
        if state is None:
            raise ToolFailure(f"the sandbox {space_id} was deleted while starting; call sandbox_create again.")
        stage = str(state.get("stage"))
        if stage != seen:
            await ctx.log(f"sandbox {space_id}: {stage}")
            seen = stage
        if stage == "RUNNING":
            return state
        if stage in FAILED or (stage == NO_APP and time.monotonic() > started + NO_APP_GRACE_SECONDS):
            detail = str(state.get("errorMessage") or "")[:1000]
            raise ToolFailure(f"the sandbox {space_id} failed to start ({stage}){': ' + detail if detail else ''}. "
                              "Fix the packages (a name or version that does not install?) and call sandbox_create "
                              "again, or sandbox_delete it.")
        if time.monotonic() + delay > deadline:
            raise ToolFailure(f"the sandbox {space_id} was still {stage} after "
                              f"{ctx.settings.sandbox_start_timeout_seconds:.0f} s; call sandbox_create again later.")
        await asyncio.sleep(delay)  # polling a remote state: the Hub pushes no event for a stage change
        delay = min(delay * 1.5, MAX_POLL_SECONDS)


async def delete_space(ctx: ToolContext, space_id: str) -> bool:
    """Delete the Space; False when it was already gone."""
    done = await _unless_gone(f"deleting the sandbox {space_id}", _delete_repo, ctx, space_id)
    return done is not None


def _delete_repo(ctx: ToolContext, space_id: str) -> bool:
    ctx.hf_api().delete_repo(space_id, repo_type="space", token=ctx.identity.secret())
    return True
