"""The session's artifact collection: one private Hub collection per session, in the caller's namespace.

It is created on the first artifact, titled deterministically (``ml-intern session <session_id[:12]>``) so it is
found again by title after a restart, and every repo the run creates or writes is added to it. Jobs receive its slug
as ``ML_INTERN_COLLECTION_SLUG`` so a script can ``add_collection_item`` the repos it pushes; those produce no
in-process event, so ``recover_collection_artifacts`` lists the collection at turn end.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.models import Artifact
from agent.tools.base import Tool, ToolContext, ToolFailure, truncate
from agent.hub_ids import NamespacedRepoId
from agent.tools.repos.write_support import call_hub, repo_url, require_repo_write

COLLECTION_ENV = "ML_INTERN_COLLECTION_SLUG"
TITLE_PREFIX = "ml-intern session "
# Notes on collection items carry the artifact type when it is not the item's own (trackio dashboards are Spaces).
NOTE_PREFIX = "ml-intern artifact: "
RepoKind = Literal["model", "dataset", "space"]


def collection_title(session_id: str) -> str:
    return f"{TITLE_PREFIX}{session_id[:12]}"


def collection_url(hub_url: str, slug: str) -> str:
    return f"{hub_url.rstrip('/')}/collections/{slug}"


def dashboard_note(project: str) -> str:
    return f"{NOTE_PREFIX}{json.dumps({'type': 'trackio_dashboard', 'project': project})}"


def _note_data(note: str | None) -> dict[str, Any]:
    if not note or not note.startswith(NOTE_PREFIX):
        return {}
    try:
        data = json.loads(note[len(NOTE_PREFIX):])
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def item_artifact(hub_url: str, item_type: str, item_id: str, note: str | None) -> Artifact | None:
    """The artifact a collection item stands for (None for papers, buckets, nested collections)."""
    if item_type not in ("model", "dataset", "space"):
        return None
    data = _note_data(note)
    if item_type == "space" and data.get("type") == "trackio_dashboard":
        return Artifact(type="trackio_dashboard", space_id=item_id, url=repo_url(hub_url, "space", item_id),
                        project=str(data["project"]) if data.get("project") else None)
    return Artifact(type=item_type, repo_id=item_id, url=repo_url(hub_url, item_type, item_id))


class SessionCollections:
    """Finds or creates each session's collection; remembers slugs per process (the Hub is the source of truth)."""

    def __init__(self) -> None:
        self._slugs: dict[tuple[str, str, str], str] = {}
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    @staticmethod
    def _key(ctx: ToolContext) -> tuple[str, str, str]:
        return ctx.settings.hub_url.rstrip("/"), ctx.identity.username, ctx.session_id

    async def find(self, ctx: ToolContext) -> str | None:
        """The session's collection slug if it exists (never creates it)."""
        key = self._key(ctx)
        if key in self._slugs:
            return self._slugs[key]
        api = ctx.hf_api()
        title = collection_title(ctx.session_id)
        token = ctx.identity.secret()

        def lookup() -> str | None:
            for col in api.list_collections(owner=ctx.identity.username, limit=500, token=token):
                if col.title == title:
                    return col.slug
            return None

        slug = await call_hub("looking up the session collection", lookup)
        if slug:
            self._slugs[key] = slug
        return slug

    async def ensure(self, ctx: ToolContext) -> str:
        """The session's collection slug, creating the private collection on first use; records the artifact."""
        require_repo_write(ctx)
        key = self._key(ctx)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            slug = await self.find(ctx)
            if slug is None:
                api = ctx.hf_api()
                col = await call_hub(
                    "creating the session collection", api.create_collection,
                    title=collection_title(ctx.session_id), namespace=ctx.identity.username, private=True,
                    exists_ok=True, description="Artifacts produced by an ML Intern session.",
                    token=ctx.identity.secret())
                slug = col.slug
                self._slugs[key] = slug
        await ctx.record_artifact(Artifact(type="collection", slug=slug,
                                           url=collection_url(ctx.settings.hub_url, slug)))
        return slug

    async def add(self, ctx: ToolContext, kind: str, repo_id: str, note: str | None = None) -> str | None:
        """Add a repo to the session collection. Returns a warning for the model instead of failing the caller's
        real work (the repo exists either way)."""
        try:
            slug = await self.ensure(ctx)
            api = ctx.hf_api()
            await call_hub(f"adding {repo_id} to the session collection", api.add_collection_item, slug,
                           item_id=repo_id, item_type=kind, note=note, exists_ok=True, token=ctx.identity.secret())
        except ToolFailure as exc:
            return f"note: {repo_id} was not added to the session collection ({exc})"
        return None


async def recover_collection_artifacts(ctx: ToolContext,
                                       collections: SessionCollections | None = None) -> list[Artifact]:
    """Every artifact in the session's collection (the collection itself first); [] when it does not exist yet.

    Call at turn end to pick up repos that HF Jobs pushed and added to the collection; record what this returns
    (recording is deduplicated per response). Raises ``ToolFailure`` when the Hub cannot be read.
    """
    collections = collections or SessionCollections()
    slug = await collections.find(ctx)
    if slug is None:
        return []
    api = ctx.hf_api()
    col = await call_hub("reading the session collection", api.get_collection, slug, token=ctx.identity.secret())
    hub_url = ctx.settings.hub_url
    found = [Artifact(type="collection", slug=slug, url=collection_url(hub_url, slug))]
    for item in col.items:
        artifact = item_artifact(hub_url, item.item_type, item.item_id, item.note)
        if artifact is not None:
            found.append(artifact)
    return found


class SessionCollectionArgs(BaseModel):
    action: Literal["show", "add"] = Field("show", description="show: list the collection; add: add an existing "
                                                               "repo (e.g. one a job pushed) to it.")
    repo_id: NamespacedRepoId | None = Field(None, description="For add: the repo id, e.g. alice/my-model.")
    kind: RepoKind = Field("model", description="For add: model, dataset or space.")


class SessionCollectionTool(Tool[SessionCollectionArgs]):
    name = "session_collection"
    description = ("The private Hub collection that groups this session's artifacts. 'show' lists it (URL and items); "
                   "'add' adds an existing repo to it and records it as an artifact (repos created with "
                   "hub_create_repo / hub_commit_files and dashboards are added automatically).")
    Arguments = SessionCollectionArgs

    def __init__(self, collections: SessionCollections) -> None:
        self.collections = collections

    async def run(self, args: SessionCollectionArgs, ctx: ToolContext) -> str:
        if args.action == "add":
            if not args.repo_id:
                raise ToolFailure("repo_id is required for action=add.")
            api = ctx.hf_api()
            await call_hub(f"checking {args.kind} {args.repo_id}", api.repo_info, args.repo_id, repo_type=args.kind,
                           token=ctx.identity.secret())
            warning = await self.collections.add(ctx, args.kind, args.repo_id)
            if warning:
                raise ToolFailure(warning)
            await ctx.record_artifact(Artifact(type=args.kind, repo_id=args.repo_id,
                                               url=repo_url(ctx.settings.hub_url, args.kind, args.repo_id)))
        artifacts = await recover_collection_artifacts(ctx, self.collections)
        if not artifacts:
            return "The session has no collection yet: it is created with the first repo, dashboard or job."
        for artifact in artifacts[1:]:
            await ctx.record_artifact(artifact)
        body = {"collection": artifacts[0].public(), "items": [a.public() for a in artifacts[1:]]}
        return truncate(json.dumps(body, indent=1), hint="the collection page lists everything")
