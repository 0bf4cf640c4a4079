"""Seeding a trackio metrics dashboard Space for a training job, as trackio itself deploys one (a gradio Space
running ``trackio.show()``), in the caller's namespace. The job then logs to it with ``TRACKIO_SPACE_ID`` and
``TRACKIO_PROJECT``.

Unlike ``trackio.deploy``, the caller's token is not stored as a Space secret: the job writes with its own
``HF_TOKEN`` secret, and nothing here hands the token to a long-lived Space.
"""

from __future__ import annotations

import re

from huggingface_hub import CommitOperationAdd
from huggingface_hub.errors import RepositoryNotFoundError
from pydantic import BaseModel, Field

from agent.models import Artifact
from agent.tools.base import Tool, ToolContext
from agent.tools.repos.collection import SessionCollections, dashboard_note
from agent.hub_ids import Namespace, RepoName
from agent.tools.repos.write_support import call_hub, repo_url, require_repo_write, resolve_namespace

APP_PY = "import trackio\n\ntrackio.show()\n"
REQUIREMENTS = "trackio[spaces]\n"


def readme(project: str) -> str:
    return ("---\n"
            f"title: trackio {project}\n"
            "emoji: 📈\n"
            "colorFrom: pink\n"
            "colorTo: gray\n"
            "sdk: gradio\n"
            "app_file: app.py\n"
            "pinned: false\n"
            "tags:\n"
            "  - trackio\n"
            "---\n\n"
            f"Training metrics dashboard for the `{project}` project, logged with "
            "[trackio](https://github.com/gradio-app/trackio).\n")


def slugify(project: str) -> str:
    return re.sub(r"[^a-z0-9\-]+", "-", project.lower()).strip("-")[:80] or "project"


def space_host(space_id: str) -> str:
    return "https://" + re.sub(r"[^a-z0-9\-]", "-", space_id.replace("/", "-").lower()) + ".hf.space"


class TrackioArgs(BaseModel):
    project: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
                         description="The trackio project name the training job logs to.")
    space_name: RepoName | None = Field(None, description="Space name (default trackio-<project>).")
    namespace: Namespace | None = Field(None, description="An organization you belong to; default: your user.")
    private: bool = Field(False, description="Private dashboards cannot be embedded for anonymous viewers.")


class TrackioDashboard(Tool[TrackioArgs]):
    name = "trackio_dashboard"
    description = ("Create (or reuse) a trackio metrics dashboard Space for a training job, in the user's namespace. "
                   "Returns TRACKIO_SPACE_ID and TRACKIO_PROJECT to pass to the job's env (launch it with "
                   "hf_token=true); the script calls trackio.init(project=..., space_id=...) or TRL's "
                   "report_to='trackio'. Free (cpu-basic Space).")
    Arguments = TrackioArgs

    def __init__(self, collections: SessionCollections) -> None:
        self.collections = collections

    def estimate_cost_usd(self, args: TrackioArgs, ctx: ToolContext) -> float | None:
        return 0.0  # a gradio Space on free cpu-basic hardware

    async def run(self, args: TrackioArgs, ctx: ToolContext) -> str:
        require_repo_write(ctx)
        namespace = resolve_namespace(ctx, args.namespace)
        space_id = f"{namespace}/{args.space_name or 'trackio-' + slugify(args.project)}"
        api = ctx.hf_api()
        token = ctx.identity.secret()

        def existing_sdk() -> str | None:
            try:
                return api.space_info(space_id, token=token).sdk or ""
            except RepositoryNotFoundError:
                return None

        sdk = await call_hub(f"checking Space {space_id}", existing_sdk)
        if sdk is None:
            await call_hub(f"creating Space {space_id}", api.create_repo, space_id, repo_type="space",
                           space_sdk="gradio", private=args.private, exist_ok=True, token=token)
            operations = [CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=readme(args.project).encode()),
                          CommitOperationAdd(path_in_repo="requirements.txt", path_or_fileobj=REQUIREMENTS.encode()),
                          CommitOperationAdd(path_in_repo="app.py", path_or_fileobj=APP_PY.encode())]
            await call_hub(f"seeding Space {space_id}", api.create_commit, space_id, operations=operations,
                           commit_message="Seed trackio dashboard", repo_type="space", token=token)
            state = "created"
        elif sdk != "gradio":
            state = f"reused (note: its sdk is '{sdk}'; a static trackio Space is read-only and cannot receive logs)"
        else:
            state = "reused"
        url = repo_url(ctx.settings.hub_url, "space", space_id)
        embed = f"{space_host(space_id)}/?project={args.project}&sidebar=hidden"
        await ctx.record_artifact(Artifact(type="trackio_dashboard", space_id=space_id, url=url, project=args.project,
                                           embed_url=embed))
        warning = await self.collections.add(ctx, "space", space_id, note=dashboard_note(args.project))
        lines = [
            f"trackio dashboard {state}: {space_id}",
            f"url: {url}",
            f"embed: {embed}",
            f"Pass to the training job's env: TRACKIO_SPACE_ID={space_id} TRACKIO_PROJECT={args.project} "
            "(and hf_token=true so it can write).",
            "In the script: trackio.init(project=os.environ['TRACKIO_PROJECT'], "
            "space_id=os.environ['TRACKIO_SPACE_ID']) then trackio.log({...}); with TRL use report_to='trackio'.",
        ]
        if warning:
            lines.append(warning)
        return "\n".join(lines)
