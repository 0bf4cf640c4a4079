"""Launching HF Jobs as the caller: a Docker image with a command, or an inline / remote Python script run with uv.

``run`` returns as soon as the job exists (recorded at once as an ``hf_job`` artifact); ``hf_job_wait``
(monitor.py) follows it. Inline scripts are shipped inside the job spec (base64 in an env var, decoded by the
container's shell) — never uploaded from this machine: ``HfApi.run_uv_job`` would upload any argument that names a
local file, so it is not used.
"""

from __future__ import annotations

import base64
import re
import shlex
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from agent.models import Artifact
from agent.tools.base import Tool, ToolContext, ToolFailure
from agent.tools.repos.collection import COLLECTION_ENV, SessionCollections
from agent.tools.jobs.hardware import HardwareCatalog
from agent.hub_ids import Namespace
from agent.tools.repos.write_support import call_hub, require_jobs, resolve_namespace

DEFAULT_UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm"
SCRIPT_ENV = "ML_INTERN_SCRIPT_B64"
SCRIPT_PATH = "/tmp/ml_intern_script.py"
SESSION_LABEL = "ml-intern-session"
MAX_SCRIPT_CHARS = 64_000
MAX_SCRIPT_B64 = 120_000  # one environment string must stay under Linux's 128 KiB limit
RESERVED_ENV = re.compile(r"^(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|ML_INTERN_.*)$")
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
FLAVOR_HELP = ("Hardware flavor: cpu-basic, cpu-upgrade, t4-small, t4-medium, l4x1, l4x4, a10g-small, a10g-large, "
               "a10g-largex2, a10g-largex4, a100-large, v5e-1x1, v5e-2x2, v5e-2x4 (hf_job_hardware lists prices).")


def _check_mapping(value: dict[str, str], what: str) -> dict[str, str]:
    if len(value) > 50:
        raise ValueError(f"at most 50 {what}")
    for name, item in value.items():
        if not re.match(ENV_NAME, name):
            raise ValueError(f"invalid {what} name {name!r}")
        if RESERVED_ENV.match(name):
            raise ValueError(f"{name} is reserved: pass hf_token=true to give the job your Hub token")
        if len(item) > 8_000:
            raise ValueError(f"{what} {name} is longer than 8000 characters")
    return value


class JobLaunchArgs(BaseModel):
    flavor: str = Field("cpu-basic", pattern=r"^[a-z0-9][a-z0-9\-]{1,40}$", description=FLAVOR_HELP)
    timeout_seconds: int = Field(1800, ge=60, le=172_800,
                                 description="Maximum run time; the job is stopped after it. Also the cost bound.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables (not secret).")
    secrets: dict[str, str] = Field(default_factory=dict,
                                    description="Secret environment variables (e.g. a third-party API key the user "
                                                "gave you). Never put the Hub token here: use hf_token.")
    hf_token: bool = Field(False, description="Pass the caller's Hub token to the job as the HF_TOKEN secret. Needed "
                                              "to push to the Hub, read private or gated repos, or log to trackio.")
    namespace: Namespace | None = Field(None,
                                  description="Run under this organization (one you belong to); default: your user.")
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-]{1,60}$", description="A short name for the job.")

    @field_validator("env")
    @classmethod
    def check_env(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, "env variables")

    @field_validator("secrets")
    @classmethod
    def check_secrets(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_mapping(value, "secrets")


class DockerJobArgs(JobLaunchArgs):
    image: str = Field("python:3.12", min_length=1, max_length=300, pattern=r"^\S+$",
                       description="Docker image (e.g. python:3.12, pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel) "
                                   "or a Space image hf.co/spaces/<owner>/<space>.")
    command: list[str] = Field(..., min_length=1, max_length=200,
                               description="The command as a list, e.g. [\"python\", \"-c\", \"print(1)\"].")

    @field_validator("command")
    @classmethod
    def _bounded(cls, value: list[str]) -> list[str]:
        if sum(len(part) for part in value) > 100_000:
            raise ValueError("the command may hold at most 100000 characters")
        return value


class UvJobArgs(JobLaunchArgs):
    script: str = Field(..., min_length=1, max_length=MAX_SCRIPT_CHARS,
                        description="The Python script's full source (PEP 723 '# /// script' dependencies are "
                                    "honoured), or an http(s) URL of a script.")
    script_args: list[str] = Field(default_factory=list, max_length=100, description="Arguments for the script.")
    dependencies: list[str] = Field(default_factory=list, max_length=50,
                                    description="Extra packages (uv --with), e.g. [\"transformers>=4.50\", \"trl\"].")
    python: str | None = Field(None, pattern=r"^3\.\d{1,2}$", description="Python version, e.g. 3.12.")
    image: str = Field(DEFAULT_UV_IMAGE, max_length=300, pattern=r"^\S+$", description="An image with uv installed.")

    @field_validator("dependencies")
    @classmethod
    def _deps(cls, value: list[str]) -> list[str]:
        for dep in value:
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.\-\[\],<>=!~ ;:/@+]{0,199}$", dep):
                raise ValueError(f"invalid dependency specifier {dep!r}")
        return value

    @field_validator("script_args")
    @classmethod
    def _args(cls, value: list[str]) -> list[str]:
        if sum(len(a) for a in value) > 20_000:
            raise ValueError("script_args may hold at most 20000 characters")
        return value

    @model_validator(mode="after")
    def _encodable(self) -> "UvJobArgs":
        if not is_url(self.script) and len(base64.b64encode(self.script.encode())) > MAX_SCRIPT_B64:
            raise ValueError(f"the script is too large to send inline (limit about {MAX_SCRIPT_B64 * 3 // 4} bytes);"
                             " publish it to a repo and pass its URL")
        return self


def is_url(script: str) -> bool:
    return bool(re.match(r"^https?://\S+$", script.strip()))


def uv_command(args: UvJobArgs) -> tuple[list[str], dict[str, str]]:
    """The command (and extra env) that runs the script with uv inside the job, without uploading anything."""
    flags: list[str] = []
    for dep in args.dependencies:
        flags += ["--with", dep]
    if args.python:
        flags += ["--python", args.python]
    if is_url(args.script):
        return ["uv", "run", *flags, args.script.strip(), *args.script_args], {}
    encoded = base64.b64encode(args.script.encode()).decode()
    run = " ".join(["exec uv run", *(shlex.quote(f) for f in flags), SCRIPT_PATH, '"$@"'])
    shell = f'printf %s "${SCRIPT_ENV}" | base64 -d > {SCRIPT_PATH} && {run}'
    return ["/bin/sh", "-c", shell, "ml-intern-script", *args.script_args], {SCRIPT_ENV: encoded}


def session_label(session_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "-", session_id)[:100] or "unknown"


def job_url(hub_url: str, namespace: str, job_id: str) -> str:
    return f"{hub_url.rstrip('/')}/jobs/{namespace}/{job_id}"


class JobLauncher:
    """What launching tools share: flavor validation, cost estimates, the job's env, the artifact."""

    def __init__(self, hardware: HardwareCatalog, collections: SessionCollections) -> None:
        self.hardware = hardware
        self.collections = collections

    async def estimate(self, args: JobLaunchArgs, ctx: ToolContext) -> float | None:
        """Flavor $/h (live catalog, cached per process; static table if the Hub does not answer) × timeout."""
        await self.hardware.flavors(ctx)
        return self.hardware.estimate_usd(ctx.settings.hub_url, args.flavor, args.timeout_seconds)

    async def check_flavor(self, ctx: ToolContext, flavor: str) -> None:
        flavors, _live = await self.hardware.flavors(ctx)
        if flavor not in flavors:
            raise ToolFailure(f"Unknown hardware flavor '{flavor}'. Available: {', '.join(sorted(flavors))}.")

    async def prepare(self, args: JobLaunchArgs, ctx: ToolContext) -> tuple[str, dict[str, str], dict[str, str],
                                                                            list[str]]:
        """(namespace, env, secrets, notes) for a launch; the token goes in secrets only when asked."""
        require_jobs(ctx)
        namespace = resolve_namespace(ctx, args.namespace)
        await self.check_flavor(ctx, args.flavor)
        env = dict(args.env)
        notes: list[str] = []
        if ctx.identity.can_write_repos:
            try:
                env[COLLECTION_ENV] = await self.collections.ensure(ctx)
            except ToolFailure as exc:
                notes.append(f"the session collection is unavailable ({exc}); the job runs without it")
        secrets = dict(args.secrets)
        if args.hf_token:
            secrets["HF_TOKEN"] = ctx.identity.secret()
        return namespace, env, secrets, notes

    async def launched(self, ctx: ToolContext, namespace: str, job: Any, args: JobLaunchArgs, estimate: float | None,
                       env: dict[str, str], secrets: dict[str, str], notes: list[str], *, tool: str) -> str:
        url = job_url(ctx.settings.hub_url, namespace, job.id)
        if estimate is not None and ctx.charge is not None:
            # Charged the moment the job exists: committed with its artifact, so no crash can leave a running job
            # that the session's ledger does not count.
            ctx.charge(estimate, tool=tool)
        await ctx.record_artifact(Artifact(type="hf_job", id=job.id, url=url))
        lines = [
            f"Job launched: {job.id}",
            f"url: {url}",
            f"namespace: {namespace}",
            f"stage: {job.status.stage}",
            f"flavor: {args.flavor}, timeout: {args.timeout_seconds} s"
            + (f", estimated cost at most ${estimate:.2f}" if estimate is not None else ""),
            f"env: {', '.join(sorted(k for k in env if k != SCRIPT_ENV)) or '(none)'}",
            f"secrets: {', '.join(sorted(secrets)) or '(none)'}",
        ]
        if COLLECTION_ENV in env:
            lines.append(f"session collection: {env[COLLECTION_ENV]} (in the job as ${COLLECTION_ENV}: call "
                         "HfApi().add_collection_item(slug, repo_id, item_type) for every repo the job pushes)")
        lines += [f"{n}" for n in notes]
        lines.append("Next: call hf_job_wait with this job id to follow its logs until it finishes.")
        return "\n".join(lines)


class HfJobRun(Tool[DockerJobArgs]):
    name = "hf_job_run"
    charges_actual = True  # the launcher charges the estimate when the job exists
    description = ("Run a Docker image with a command on Hugging Face Jobs, as the user and billed to them. Returns "
                   "the job id and URL as soon as the job exists; then call hf_job_wait. Prefer hf_job_run_uv for "
                   "Python scripts.")
    Arguments = DockerJobArgs

    def __init__(self, launcher: JobLauncher) -> None:
        self.launcher = launcher

    async def estimate_cost_usd(self, args: DockerJobArgs, ctx: ToolContext) -> float | None:
        return await self.launcher.estimate(args, ctx)

    async def run(self, args: DockerJobArgs, ctx: ToolContext) -> str:
        namespace, env, secrets, notes = await self.launcher.prepare(args, ctx)
        api = ctx.hf_api()
        job = await call_hub(
            "launching the job", api.run_job, image=args.image, command=list(args.command), env=env,
            secrets=secrets or None, flavor=args.flavor, timeout=args.timeout_seconds, name=args.name,
            labels={SESSION_LABEL: session_label(ctx.session_id)}, namespace=namespace, token=ctx.identity.secret())
        return await self.launcher.launched(ctx, namespace, job, args, await self.estimate_cost_usd(args, ctx), env,
                                            secrets, notes, tool=self.name)


class HfJobRunUv(Tool[UvJobArgs]):
    name = "hf_job_run_uv"
    charges_actual = True  # the launcher charges the estimate when the job exists
    description = ("Run a Python script with uv on Hugging Face Jobs, as the user and billed to them: pass the full "
                   "source inline (PEP 723 '# /// script' dependencies work) or a URL, plus script_args, extra "
                   "dependencies, python version, hardware flavor and timeout. Set hf_token=true when the script "
                   "pushes to the Hub. Returns the job id at once; then call hf_job_wait.")
    Arguments = UvJobArgs

    def __init__(self, launcher: JobLauncher) -> None:
        self.launcher = launcher

    async def estimate_cost_usd(self, args: UvJobArgs, ctx: ToolContext) -> float | None:
        return await self.launcher.estimate(args, ctx)

    async def run(self, args: UvJobArgs, ctx: ToolContext) -> str:
        namespace, env, secrets, notes = await self.launcher.prepare(args, ctx)
        command, extra_env = uv_command(args)
        env.update(extra_env)
        api = ctx.hf_api()
        name = args.name or ("uv-script" if not is_url(args.script) else None)
        job = await call_hub(
            "launching the job", api.run_job, image=args.image, command=command, env=env, secrets=secrets or None,
            flavor=args.flavor, timeout=args.timeout_seconds, name=name,
            labels={SESSION_LABEL: session_label(ctx.session_id)}, namespace=namespace, token=ctx.identity.secret())
        return await self.launcher.launched(ctx, namespace, job, args, await self.estimate_cost_usd(args, ctx), env,
                                            secrets, notes, tool=self.name)
