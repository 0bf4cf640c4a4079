"""Hub writes: ``POST /api/repos/create``, preupload, NDJSON commits and ``/api/validate-yaml``.

Wire formats follow ``huggingface_hub`` 2.4 (``HfApi.create_repo``, ``_fetch_upload_modes``, ``_send_commit``).
Only "regular" (inline base64) uploads are supported: every file is small enough for the Hub to take inline here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime, timezone
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .catalog import dataset_record, model_record, space_record
from .errors import INSUFFICIENT_CREDITS, hub_error, hub_unauthorized, repo_not_found
from .compute_state import HARDWARE
from .write_auth import account_by_name, caller, caller_and_body, can_write, namespace_kind

KIND_PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
SPACE_SDKS = ("gradio", "streamlit", "docker", "static")
MAX_INLINE_BYTES = 10 * 1024 * 1024


def repo_url(base: str, kind: str, repo_id: str) -> str:
    return f"{base.rstrip('/')}/{URL_PREFIX[kind]}{repo_id}"


def _today() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def create_repo_record(state: Any, kind: str, repo_id: str, *, private: bool, sdk: str | None = None,
                       hardware: str | None = None, sleep_seconds: int | None = None) -> dict:
    """Register a new, empty repo in the catalog (so the read routes see it) and give it a file store."""
    now = _today()
    if kind == "model":
        record = model_record(repo_id, None, None, 0, 0, now, now, files=[".gitattributes"])
        record["tags"] = ["region:us"]
        record["cardData"] = None
    elif kind == "dataset":
        record = dataset_record(repo_id, (), 0, 0, now, now, "n<1K", files=[".gitattributes"])
        record["tags"] = ["region:us"]
        record["cardData"] = None
    else:
        # A Docker Space has no app until a commit brings its Dockerfile (the Hub's NO_APP_FILE).
        stage = "NO_APP_FILE" if sdk == "docker" else "BUILDING"
        record = space_record(repo_id, sdk or "gradio", 0, now, now, stage=stage, hardware=hardware or "cpu-basic")
        record["siblings"] = [{"rfilename": ".gitattributes"}]
        record["runtime"]["gcTimeout"] = sleep_seconds
    record["private"] = private
    record["sha"] = hashlib.sha1(f"init:{kind}:{repo_id}:{time.time_ns()}".encode()).hexdigest()
    state.catalog.repos(KIND_PLURAL[kind])[repo_id] = record
    state.compute.repo_files[(kind, repo_id)] = {".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs\n"}
    return record


def _repo_or_404(state: Any, kind: str, repo_id: str, request: Request) -> dict | Response:
    record = state.catalog.get(KIND_PLURAL[kind], repo_id)
    if record is None:
        return repo_not_found(str(request.url))
    return record


def _create_handler(state: Any):
    async def handler(request: Request) -> Response:
        found = await caller_and_body(state, request)
        if isinstance(found, Response):
            return found
        account, body = found
        name = body.get("name")
        kind = body.get("type") or "model"
        namespace = body.get("organization") or account.name
        if not isinstance(name, str) or not name or "/" in name or kind not in KIND_PLURAL:
            return hub_error(400, "Invalid repo name or type")
        if namespace_kind(state, namespace) is None:
            return hub_error(404, f"Namespace {namespace} not found")
        if not can_write(account, namespace):
            return hub_error(403, f"You don't have the rights to create a {kind} under the namespace \"{namespace}\"")
        repo_id = f"{namespace}/{name}"
        url = repo_url(str(request.base_url), kind, repo_id)
        if state.catalog.get(KIND_PLURAL[kind], repo_id) is not None:
            return JSONResponse({"error": f"You already created this {kind} repo", "url": url}, status_code=409,
                                headers={"X-Error-Message": f"You already created this {kind} repo"})
        sdk = body.get("sdk")
        if kind == "space" and sdk not in SPACE_SDKS:
            return hub_error(400, f"Invalid sdk: expected one of {', '.join(SPACE_SDKS)}")
        hardware, sleep_seconds = body.get("hardware"), body.get("sleepTimeSeconds")
        if kind == "space" and hardware is not None:
            if hardware not in HARDWARE:
                return hub_error(400, f"Invalid hardware: {hardware}")
            payer = account_by_name(state, namespace)
            if hardware != "cpu-basic" and (payer is None or not payer.can_pay):
                return hub_error(402, INSUFFICIENT_CREDITS, "InsufficientCredits")
        if kind == "space" and sdk == "docker":
            # Docker Spaces run on compute even on cpu-basic: the namespace needs billing (or a subscription).
            payer = account_by_name(state, namespace)
            if payer is None or not payer.can_pay:
                return hub_error(402, INSUFFICIENT_CREDITS, "InsufficientCredits")
        private = body.get("visibility") == "private" or bool(body.get("private"))
        record = create_repo_record(state, kind, repo_id, private=private, sdk=sdk, hardware=hardware,
                                    sleep_seconds=sleep_seconds if isinstance(sleep_seconds, int) else None)
        return JSONResponse({"url": url, "name": repo_id, "id": record["_id"]})

    return handler


def _writable_repo(state: Any, kind: str, repo_id: str, request: Request) -> dict | Response:
    """The repo's record when the caller may write to it, else the Hub's 401 / 404 / 403."""
    account = caller(state, request)
    if account is None:
        return hub_unauthorized()
    record = _repo_or_404(state, kind, repo_id, request)
    if isinstance(record, Response):
        return record
    if not can_write(account, repo_id.split("/")[0]):
        return hub_error(403, "You don't have write access to this repo")
    return record


def _preupload_handler(state: Any, kind: str):
    async def handler(request: Request) -> Response:
        repo_id = request.path_params["repo_id"]
        record = _writable_repo(state, kind, repo_id, request)
        if isinstance(record, Response):
            return record
        body = await request.json()
        files = []
        for entry in body.get("files") or []:
            mode = "regular" if int(entry.get("size") or 0) <= MAX_INLINE_BYTES else "lfs"
            files.append({"path": entry["path"], "uploadMode": mode, "shouldIgnore": False, "oid": None})
        return JSONResponse({"files": files, "commitOid": record["sha"]})

    return handler


def _apply_commit(state: Any, kind: str, repo_id: str, lines: list[dict[str, Any]]) -> tuple[str, str] | str:
    """Apply NDJSON commit lines; returns (commit oid, summary) or an error message."""
    files = state.compute.repo_files.setdefault((kind, repo_id), {})
    header: dict[str, Any] = {}
    changed: list[str] = []
    staged = dict(files)
    for line in lines:
        key, value = line.get("key"), line.get("value") or {}
        if key == "header":
            header = value
        elif key == "file":
            if value.get("encoding") != "base64":
                return "Only base64-encoded inline files are supported"
            staged[value["path"]] = base64.b64decode(value.get("content") or "")
            changed.append(value["path"])
        elif key == "lfsFile":
            return "LFS uploads are not supported by the emulator; commit small files inline"
        elif key == "deletedFile":
            if value.get("path") not in staged:
                return f"A file with this name doesn't exist: {value.get('path')}"
            staged.pop(value["path"])
            changed.append(value["path"])
        elif key == "deletedFolder":
            prefix = value.get("path", "").rstrip("/") + "/"
            for path in [p for p in staged if p.startswith(prefix)]:
                staged.pop(path)
                changed.append(path)
        else:
            return f"Unknown commit operation: {key}"
    summary = str(header.get("summary") or "")
    if not summary:
        return "Commit summary is required"
    files.clear()
    files.update(staged)
    oid = hashlib.sha1(json.dumps([repo_id, summary, sorted(changed), time.time_ns()]).encode()).hexdigest()
    record = state.catalog.get(KIND_PLURAL[kind], repo_id)
    record["sha"] = oid
    record["lastModified"] = _today()
    record["siblings"] = [{"rfilename": path} for path in sorted(files)]
    if kind == "space" and ("app.py" in files or "index.html" in files):
        record.setdefault("runtime", {})["stage"] = "RUNNING"
    if kind == "space":
        state.spaces.on_commit(record, files)
    state.compute.commits.append({"kind": kind, "repo_id": repo_id, "summary": summary, "paths": changed,
                                  "oid": oid})
    return oid, summary


def _commit_handler(state: Any, kind: str):
    async def handler(request: Request) -> Response:
        repo_id = request.path_params["repo_id"]
        record = _writable_repo(state, kind, repo_id, request)
        if isinstance(record, Response):
            return record
        if request.path_params["revision"] != "main":
            return hub_error(404, f"Invalid rev id: {request.path_params['revision']}", "RevisionNotFound")
        raw = (await request.body()).decode("utf-8", "replace")
        try:
            lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        except json.JSONDecodeError:
            return hub_error(400, "Malformed NDJSON commit payload")
        outcome = _apply_commit(state, kind, repo_id, lines)
        if isinstance(outcome, str):
            return hub_error(400 if "exist" not in outcome else 404, outcome)
        oid, _summary = outcome
        url = repo_url(str(request.base_url), kind, repo_id)
        return JSONResponse({"success": True, "commitOid": oid, "commitUrl": f"{url}/commit/{oid}",
                             "hookOutput": ""})

    return handler


async def _validate_yaml(request: Request) -> Response:
    body = await request.json()
    content = str(body.get("content") or "")
    if content.startswith("---"):
        _, _, rest = content.partition("\n")
        front, sep, _ = rest.partition("\n---")
        if not sep:
            return JSONResponse({"errors": [{"message": "Unterminated YAML front matter"}], "warnings": []},
                                status_code=400)
        try:
            parsed = yaml.safe_load(front)
        except yaml.YAMLError as exc:
            return JSONResponse({"errors": [{"message": f"Invalid YAML: {exc}"}], "warnings": []}, status_code=400)
        if parsed is not None and not isinstance(parsed, dict):
            return JSONResponse({"errors": [{"message": "YAML metadata must be a mapping"}], "warnings": []},
                                status_code=400)
    return JSONResponse({"errors": [], "warnings": []})


def routes(state: Any) -> list[BaseRoute]:
    out: list[BaseRoute] = [
        Route("/api/repos/create", _create_handler(state), methods=["POST"]),
        Route("/api/validate-yaml", _validate_yaml, methods=["POST"]),
    ]
    for kind, plural in KIND_PLURAL.items():
        out += [
            Route(f"/api/{plural}/{{repo_id:path}}/preupload/{{revision}}", _preupload_handler(state, kind),
                  methods=["POST"]),
            Route(f"/api/{plural}/{{repo_id:path}}/commit/{{revision}}", _commit_handler(state, kind),
                  methods=["POST"]),
        ]
    return out
