"""Collections: create, get, add item, delete, list by owner (wire shapes of ``huggingface_hub.Collection``)."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import avatar_url, object_id
from .compute_state import EmulatedCollection, iso
from .errors import hub_error, hub_unauthorized
from .write_auth import account_by_name, caller, caller_and_body, can_access, can_write, namespace_kind

ITEM_KINDS = {"model": "models", "dataset": "datasets", "space": "spaces"}
LIST_ITEMS_PREVIEW = 4


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "collection"


def _owner(state: Any, namespace: str) -> dict[str, Any]:
    account = account_by_name(state, namespace)
    return {"_id": object_id(namespace), "avatarUrl": avatar_url(namespace), "fullname":
            account.fullname if account else namespace, "name": namespace,
            "type": account.kind if account else "user", "isPro": False, "isHf": False}


def _item_payload(state: Any, item: dict[str, Any], position: int) -> dict[str, Any]:
    record = state.catalog.get(ITEM_KINDS[item["type"]], item["id"]) or {}
    body: dict[str, Any] = {"_id": item["_id"], "id": item["id"], "type": item["type"], "position": position,
                            "author": item["id"].split("/")[0], "private": record.get("private", False),
                            "lastModified": record.get("lastModified"), "likes": record.get("likes", 0)}
    if item["type"] == "model":
        body.update({"downloads": record.get("downloads", 0), "pipeline_tag": record.get("pipeline_tag")})
    elif item["type"] == "space":
        body.update({"sdk": record.get("sdk"), "title": item["id"].split("/")[-1]})
    if item.get("note"):
        body["note"] = {"html": item["note"], "text": item["note"]}
    return body


def collection_payload(state: Any, col: EmulatedCollection, *, preview: bool = False) -> dict[str, Any]:
    items = col.items[:LIST_ITEMS_PREVIEW] if preview else col.items
    body = {
        "slug": col.slug, "title": col.title, "description": col.description,
        "owner": _owner(state, col.namespace),
        "items": [_item_payload(state, item, i) for i, item in enumerate(items)],
        "lastUpdated": iso(col.updated_wall or col.created_wall), "private": col.private,
        "theme": "indigo", "upvotes": 0, "isUpvotedByUser": False, "gating": False, "shareUrl":
            f"https://hf.co/collections/{col.slug}",
    }
    if not preview:
        body["position"] = 0  # list endpoints leave it out (the client numbers the collections itself)
    return body


def visible(col: EmulatedCollection, account: Any) -> bool:
    return not col.private or (account is not None and can_access(account, col.namespace))


def add_item(state: Any, slug: str, kind: str, item_id: str, note: str | None = None) -> str | None:
    """Add a repo to a collection; returns an error message (``exists``/``missing``) or None."""
    col = state.compute.collections.get(slug)
    if col is None:
        return "missing collection"
    if kind not in ITEM_KINDS or state.catalog.get(ITEM_KINDS[kind], item_id) is None:
        return "missing item"
    if any(i["id"] == item_id and i["type"] == kind for i in col.items):
        return "exists"
    col.items.append({"_id": secrets.token_hex(12), "id": item_id, "type": kind, "note": note})
    col.updated_wall = time.time()
    return None


def _tick(state: Any) -> None:
    """Let jobs that finished since the last request apply their side effects (repos they push)."""
    from .jobs_routes import advance_jobs

    advance_jobs(state)


def routes(state: Any) -> list[BaseRoute]:
    async def create(request: Request) -> Response:
        found = await caller_and_body(state, request)
        if isinstance(found, Response):
            return found
        account, body = found
        title = body.get("title")
        namespace = body.get("namespace") or account.name
        if not isinstance(title, str) or not title.strip() or len(title) > 60:
            return hub_error(400, "title must be a non-empty string of at most 60 characters")
        if namespace_kind(state, namespace) is None:
            return hub_error(404, f"Namespace {namespace} not found")
        if not can_write(account, namespace):
            return hub_error(403, f"You don't have the rights to create a collection in \"{namespace}\"")
        for col in state.compute.collections.values():
            if col.namespace == namespace and col.title == title:
                return JSONResponse({"error": "Collection already exists", "slug": col.slug}, status_code=409,
                                    headers={"X-Error-Message": "Collection already exists"})
        slug = f"{namespace}/{_slugify(title)}-{secrets.token_hex(12)}"
        col = EmulatedCollection(slug=slug, namespace=namespace, owner_type=namespace_kind(state, namespace) or "user",
                                 title=title, description=body.get("description"), private=bool(body.get("private")),
                                 created_wall=time.time())
        state.compute.collections[slug] = col
        return JSONResponse(collection_payload(state, col))

    async def get(request: Request) -> Response:
        _tick(state)
        col = state.compute.collections.get(request.path_params["slug"])
        if col is None or not visible(col, caller(state, request)):
            return hub_error(404, "Collection not found")
        return JSONResponse(collection_payload(state, col))

    async def delete(request: Request) -> Response:
        account = caller(state, request)
        if account is None:
            return hub_unauthorized()
        col = state.compute.collections.get(request.path_params["slug"])
        if col is None or not visible(col, account):
            return hub_error(404, "Collection not found")
        if not can_write(account, col.namespace):
            return hub_error(403, "You don't have the rights to delete this collection")
        del state.compute.collections[col.slug]
        return JSONResponse({"success": True})

    async def add(request: Request) -> Response:
        _tick(state)
        account = caller(state, request)
        if account is None:
            return hub_unauthorized()
        slug = request.path_params["slug"]
        col = state.compute.collections.get(slug)
        if col is None or not visible(col, account):
            return hub_error(404, "Collection not found")
        if not can_write(account, col.namespace):
            return hub_error(403, "You don't have the rights to edit this collection")
        body = await request.json()
        item = body.get("item") or {}
        note = body.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            return hub_error(400, "note must be a string of at most 500 characters")
        error = add_item(state, slug, str(item.get("type")), str(item.get("id")), note)
        if error == "missing item":
            return hub_error(404, f"Item {item.get('type')}:{item.get('id')} not found")
        if error == "exists":
            return hub_error(409, "Item already exists in the collection")
        return JSONResponse(collection_payload(state, col))

    async def list_(request: Request) -> Response:
        _tick(state)
        account = caller(state, request)
        owners = request.query_params.getlist("owner")
        items = request.query_params.getlist("item")
        out = []
        for col in sorted(state.compute.collections.values(), key=lambda c: c.updated_wall or c.created_wall,
                          reverse=True):
            if owners and col.namespace not in owners:
                continue
            if items and not any(f"{i['type']}s/{i['id']}" in items for i in col.items):
                continue
            if visible(col, account):
                out.append(collection_payload(state, col, preview=True))
        limit = request.query_params.get("limit")
        if limit and limit.isdigit():
            out = out[: int(limit)]
        return JSONResponse(out)

    return [
        Route("/api/collections", create, methods=["POST"]),
        Route("/api/collections", list_, methods=["GET"]),
        Route("/api/collections/{slug:path}/items", add, methods=["POST"]),
        Route("/api/collections/{slug:path}", get, methods=["GET"]),
        Route("/api/collections/{slug:path}", delete, methods=["DELETE"]),
    ]
