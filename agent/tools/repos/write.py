"""Creating repos and committing small text files as the caller; every repo written is an artifact and is added to
the session's collection."""

from __future__ import annotations

from typing import Literal

from huggingface_hub import CommitOperationAdd, CommitOperationDelete
from pydantic import BaseModel, Field, field_validator, model_validator

from agent.models import Artifact
from agent.tools.base import Tool, ToolContext, ToolFailure
from agent.tools.repos.collection import SessionCollections
from agent.tools.jobs.hardware import HardwareCatalog
from agent.hub_ids import NamespacedRepoId, RepoFilePath, repo_file_path
from agent.tools.repos.write_support import call_hub, repo_url, require_repo_write, resolve_namespace

RepoKind = Literal["model", "dataset", "space"]
# Spaces run on this flavor for free; every other flavor is billed per minute while the Space is up.
FREE_SPACE_FLAVOR = "cpu-basic"
MAX_FILES = 50
MAX_TOTAL_CHARS = 500_000
async def record_repo(ctx: ToolContext, collections: SessionCollections, kind: str, repo_id: str,
                      note: str | None = None) -> list[str]:
    """Record a written repo as an artifact and add it to the session collection; returns warnings."""
    await ctx.record_artifact(Artifact(type=kind, repo_id=repo_id, url=repo_url(ctx.settings.hub_url, kind, repo_id)))
    warning = await collections.add(ctx, kind, repo_id, note=note)
    return [warning] if warning else []


def check_repo_namespace(ctx: ToolContext, repo_id: str) -> None:
    resolve_namespace(ctx, repo_id.split("/", 1)[0])


class CreateRepoArgs(BaseModel):
    repo_id: NamespacedRepoId = Field(...,
                         description="namespace/name — your username or one of your organizations.")
    kind: RepoKind = "model"
    private: bool = Field(False, description="Create the repo private.")
    space_sdk: Literal["gradio", "static", "docker", "streamlit"] = Field(
        "gradio", description="Spaces only: the SDK.")
    space_hardware: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9\-]{1,39}$",
        description="Spaces only: paid hardware flavor (e.g. t4-small, see hf_job_hardware); default free cpu-basic. "
                    "Paid hardware bills per minute until the Space sleeps: set space_sleep_time_seconds.")
    space_sleep_time_seconds: int | None = Field(
        None, ge=300, le=7 * 24 * 3600, description="Spaces only: sleep after this many idle seconds.")

    @model_validator(mode="after")
    def _space_only(self) -> "CreateRepoArgs":
        if self.kind != "space" and (self.space_hardware or self.space_sleep_time_seconds):
            raise ValueError("space_hardware and space_sleep_time_seconds apply to Spaces only")
        return self


class HubCreateRepo(Tool[CreateRepoArgs]):
    name = "hub_create_repo"
    description = ("Create a model, dataset or Space repo on the Hub as the user (existing repos are reused). The repo "
                   "is recorded as an artifact and added to the session collection. Then use hub_commit_files, or "
                   "push from a job.")
    Arguments = CreateRepoArgs

    charges_actual = True  # a paid Space is charged when it exists

    def __init__(self, collections: SessionCollections, hardware: HardwareCatalog) -> None:
        self.collections = collections
        self.hardware = hardware

    async def estimate_cost_usd(self, args: CreateRepoArgs, ctx: ToolContext) -> float | None:
        """Free unless a Space gets paid hardware: then an hour of use plus the idle time before it sleeps. A paid
        Space that never sleeps bills until someone stops it, so its cost cannot be estimated (approval)."""
        if args.kind != "space" or args.space_hardware in (None, FREE_SPACE_FLAVOR):
            return 0.0
        if args.space_sleep_time_seconds is None:
            return None
        await self.hardware.flavors(ctx)
        return self.hardware.estimate_usd(ctx.settings.hub_url, args.space_hardware,
                                          3600 + args.space_sleep_time_seconds)

    async def run(self, args: CreateRepoArgs, ctx: ToolContext) -> str:
        require_repo_write(ctx)
        check_repo_namespace(ctx, args.repo_id)
        space = args.kind == "space"
        if space and args.space_hardware not in (None, FREE_SPACE_FLAVOR):
            flavors, _live = await self.hardware.flavors(ctx)
            if args.space_hardware not in flavors:
                raise ToolFailure(f"Unknown hardware flavor '{args.space_hardware}'. "
                                  f"Available: {', '.join(sorted(flavors))}.")
        api = ctx.hf_api()
        await call_hub(f"creating {args.kind} {args.repo_id}", api.create_repo, args.repo_id, repo_type=args.kind,
                       private=args.private, exist_ok=True, space_sdk=args.space_sdk if space else None,
                       space_hardware=args.space_hardware if space else None,
                       space_sleep_time=args.space_sleep_time_seconds if space else None,
                       token=ctx.identity.secret())
        estimate = await self.estimate_cost_usd(args, ctx)
        if estimate and ctx.charge is not None:
            ctx.charge(estimate, tool=self.name)  # committed with the repo's artifact, below
        warnings = await record_repo(ctx, self.collections, args.kind, args.repo_id)
        url = repo_url(ctx.settings.hub_url, args.kind, args.repo_id)
        return "\n".join([f"{args.kind} repo ready: {args.repo_id}", f"url: {url}",
                          f"visibility: {'private' if args.private else 'public'} (unchanged if it already existed)",
                          *warnings])


class FileArg(BaseModel):
    path: RepoFilePath = Field(..., description="Path in the repo, e.g. README.md or src/train.py.")
    content: str = Field(..., max_length=MAX_TOTAL_CHARS, description="The file's full text content.")


class CommitFilesArgs(BaseModel):
    repo_id: NamespacedRepoId
    kind: RepoKind = "model"
    files: list[FileArg] = Field(default_factory=list, max_length=MAX_FILES,
                                 description="Text files to add or overwrite (small files only; push weights and "
                                             "data from a job).")
    delete_paths: list[str] = Field(default_factory=list, max_length=MAX_FILES,
                                    description="Files to delete (a trailing / deletes a folder).")
    commit_message: str = Field(..., min_length=1, max_length=200)
    create_if_missing: bool = Field(False, description="Create the repo (public) if it does not exist yet.")

    @field_validator("delete_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            repo_file_path(path[:-1] if path.endswith("/") else path)  # a trailing / names a folder
        return value

    @model_validator(mode="after")
    def _bounded(self) -> "CommitFilesArgs":
        if not self.files and not self.delete_paths:
            raise ValueError("nothing to commit: give files and/or delete_paths")
        if sum(len(f.content) for f in self.files) > MAX_TOTAL_CHARS:
            raise ValueError(f"files may hold at most {MAX_TOTAL_CHARS} characters in total")
        if len({f.path for f in self.files}) != len(self.files):
            raise ValueError("each path may appear once")
        return self


class HubCommitFiles(Tool[CommitFilesArgs]):
    name = "hub_commit_files"
    description = ("Commit small text files (README/model card, configs, scripts) to a repo in one commit, as the "
                   "user; can delete files too. The repo is recorded as an artifact and added to the session "
                   "collection.")
    Arguments = CommitFilesArgs

    def __init__(self, collections: SessionCollections) -> None:
        self.collections = collections

    async def run(self, args: CommitFilesArgs, ctx: ToolContext) -> str:
        require_repo_write(ctx)
        check_repo_namespace(ctx, args.repo_id)
        api = ctx.hf_api()
        token = ctx.identity.secret()
        exists = await call_hub(f"checking {args.kind} {args.repo_id}", api.repo_exists, args.repo_id,
                                repo_type=args.kind, token=token)
        if not exists:
            if not args.create_if_missing:
                raise ToolFailure(f"not found: {args.kind} {args.repo_id} does not exist. Create it with "
                                  "hub_create_repo (or pass create_if_missing=true).")
            await call_hub(f"creating {args.kind} {args.repo_id}", api.create_repo, args.repo_id, repo_type=args.kind,
                           exist_ok=True, space_sdk="gradio" if args.kind == "space" else None, token=token)
        operations: list[CommitOperationAdd | CommitOperationDelete] = [
            CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=f.content.encode()) for f in args.files]
        operations += [CommitOperationDelete(path_in_repo=p) for p in args.delete_paths]
        info = await call_hub(f"committing to {args.kind} {args.repo_id}", api.create_commit, args.repo_id,
                              operations=operations, commit_message=args.commit_message, repo_type=args.kind,
                              token=token)
        warnings = await record_repo(ctx, self.collections, args.kind, args.repo_id)
        return "\n".join([f"Committed to {args.kind} {args.repo_id}: {len(args.files)} file(s) written, "
                          f"{len(args.delete_paths)} deleted.",
                          f"commit: {info.commit_url}",
                          f"url: {repo_url(ctx.settings.hub_url, args.kind, args.repo_id)}", *warnings])
