"""Hub social endpoints: overviews, followers/following, org members, likes, likers, discussions,
recent activity and the trending feed (wire shapes parsed by ``huggingface_hub.HfApi``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import avatar_url, object_id
from .errors import hub_error, repo_not_found
from .research_http import check_token, decode_cursor, encode_cursor, int_param, not_found, paginated
from .research_people import activity, user_payload

KINDS = {"models": "model", "datasets": "dataset", "spaces": "space"}
DISCUSSIONS_PAGE = 50
TRENDING_KEYS = ("id", "author", "downloads", "likes", "trendingScore", "pipeline_tag", "library_name",
                 "lastModified", "createdAt", "tags", "private", "gated", "safetensors", "sdk", "runtime",
                 "description", "models", "datasets", "subdomain")


def _count_repos(state: Any, owner: str) -> dict[str, int]:
    return {f"num{kind.capitalize()}": sum(1 for r in state.catalog.repos(kind).values() if r.get("author") == owner)
            for kind in ("models", "datasets", "spaces")}


def _user_overview(state: Any, research: Any, name: str) -> dict[str, Any]:
    social = research.social
    user = social.users[name]
    body = {"_id": object_id(name), "avatarUrl": avatar_url(name), "isPro": user["is_pro"],
            "fullname": user["fullname"], "user": name, "type": "user", "details": user["bio"] or None,
            "createdAt": "2023-03-01T10:00:00.000Z", "isFollowing": False,
            **_count_repos(state, name),
            "numDiscussions": sum(1 for ds in research.discussions.values() for d in ds if d["author"]["name"] == name),
            "numPapers": sum(1 for p in research.papers.values() if p.submitted_by == name),
            "numUpvotes": len(name) * 7, "numLikes": len(social.likes_of(name)),
            "numFollowers": len(social.followers(name)), "numFollowing": len(social.following(name)),
            "orgs": [{"name": org, "fullname": social.orgs.get(org, {}).get("fullname", org),
                      "avatarUrl": avatar_url(org)}
                     for org, members in social.members.items() if any(u == name for u, _ in members)]}
    for key, field in (("websiteUrl", "website"), ("twitter", "twitter"), ("github", "github"),
                       ("linkedin", "linkedin"), ("bluesky", "bluesky")):
        if user.get(field):
            body[key] = user[field]
    return body


def _org_overview(state: Any, research: Any, name: str) -> dict[str, Any]:
    social = research.social
    org = social.orgs[name]
    body = {"_id": object_id(name), "avatarUrl": avatar_url(name), "fullname": org["fullname"], "name": name,
            "type": "org", "details": org["details"], "isVerified": org["verified"], "isFollowing": False,
            "numUsers": len(social.members.get(name, [])), "numFollowers": len(social.followers(name)),
            "numPapers": sum(1 for p in research.papers.values() if p.org == name), **_count_repos(state, name)}
    if org["plan"]:
        body["plan"] = org["plan"]
    return body


def _discussion_summary(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in ("num", "title", "status", "createdAt", "isPullRequest", "numComments", "pinned",
                              "author", "repo", "topReactions")}


def routes_for(state: Any, research: Any) -> list[BaseRoute]:
    social = research.social

    def canonical(names: Any, name: str) -> str | None:
        # Hub names resolve case-insensitively (huggingface.co/qwen is Qwen); the payload carries the real one.
        return name if name in names else next((n for n in names if n.lower() == name.lower()), None)

    async def user_overview(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        name = canonical(social.users, request.path_params["name"])
        if name is None:
            return not_found("User")
        return JSONResponse(_user_overview(state, research, name))

    async def org_overview(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        name = canonical(social.orgs, request.path_params["name"])
        if name is None:
            return not_found("Organization")
        return JSONResponse(_org_overview(state, research, name))

    def user_list(relation: str):
        async def handler(request: Request) -> Response:
            if (err := check_token(state, request)) is not None:
                return err
            name = request.path_params["name"]
            if name not in social.users:
                return not_found("User")
            names = social.followers(name) if relation == "followers" else social.following(name)
            return paginated(state, request, [user_payload(social, n) for n in names if n in social.users])
        return handler

    def org_list(relation: str):
        async def handler(request: Request) -> Response:
            if (err := check_token(state, request)) is not None:
                return err
            name = request.path_params["name"]
            if name not in social.orgs:
                return not_found("Organization")
            if relation == "members":
                rows = [{**user_payload(social, u), "role": role} for u, role in social.members.get(name, [])]
            else:
                rows = [user_payload(social, u) for u in social.followers(name) if u in social.users]
            return paginated(state, request, rows)
        return handler

    def repo_record(request: Request) -> dict[str, Any] | Response:
        """The repo of a ``/api/{kind}/{repo_id}/...`` route (authenticated), or the Hub's error."""
        if (err := check_token(state, request)) is not None:
            return err
        kind, repo_id = request.path_params["kind"], request.path_params["repo_id"]
        if kind not in KINDS:
            return not_found("Route")
        record = state.catalog.get(kind, repo_id)
        return repo_not_found(str(request.url)) if record is None else record

    async def user_likes(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        name = request.path_params["name"]
        if name not in social.users:
            return not_found("User")
        rows = [{"createdAt": at, "repo": {"name": rid, "type": kind}} for _, kind, rid, at in social.likes_of(name)]
        return paginated(state, request, rows)

    async def likers(request: Request) -> Response:
        record = repo_record(request)
        if isinstance(record, Response):
            return record
        rows = [user_payload(social, u) for u in social.likers(KINDS[request.path_params["kind"]], record["id"])]
        return paginated(state, request, rows)

    async def discussions(request: Request) -> Response:
        record = repo_record(request)
        if isinstance(record, Response):
            return record
        kind = request.path_params["kind"]
        items = research.discussions.get((KINDS[kind], record["id"]), [])
        params = request.query_params
        if (kind_filter := params.get("type")) in ("discussion", "pull_request"):
            items = [d for d in items if d["isPullRequest"] == (kind_filter == "pull_request")]
        if (status := params.get("status")) in ("open", "closed"):
            items = [d for d in items if (d["status"] == "open") == (status == "open")]
        if author := params.get("author"):
            items = [d for d in items if d["author"]["name"] == author]
        page = int_param(request, "p", 0)
        if isinstance(page, Response):
            return page
        start = page * DISCUSSIONS_PAGE
        return JSONResponse({"discussions": [_discussion_summary(d) for d in items[start: start + DISCUSSIONS_PAGE]],
                             "count": len(items), "start": start,
                             "numClosedDiscussions": sum(1 for d in items if d["status"] != "open")})

    async def discussion(request: Request) -> Response:
        record = repo_record(request)
        if isinstance(record, Response):
            return record
        kind = request.path_params["kind"]
        num = request.path_params["num"]
        found = next((d for d in research.discussions.get((KINDS[kind], record["id"]), []) if d["num"] == num), None)
        if found is None:
            return hub_error(404, "Discussion not found")
        return JSONResponse(found)

    async def recent_activity(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        params = request.query_params
        entity, feed = params.get("entity"), params.get("feedType", "user")
        if feed not in ("user", "org"):
            return hub_error(400, '"feedType" must be one of user, org')
        if not entity or entity not in (social.users if feed == "user" else social.orgs):
            return not_found("Entity")
        limit = int_param(request, "limit", 20)
        if isinstance(limit, Response):
            return limit
        limit = min(max(limit, 1), 100)
        all_discussions = [d for ds in research.discussions.values() for d in ds]
        events = activity(social, state.catalog, entity, all_discussions)
        if kinds := params.getlist("activityType"):
            events = [e for e in events if e["type"] in kinds]
        if types := params.getlist("repoType"):
            events = [e for e in events if e["repoType"] in types]
        offset = decode_cursor(params.get("cursor"))
        page = events[offset: offset + limit]
        more = offset + limit < len(events)
        return JSONResponse({"recentActivity": page, "cursor": encode_cursor(offset + limit) if more else None})

    async def trending(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        kind = request.query_params.get("type", "all")
        if kind not in ("model", "dataset", "space", "all"):
            return hub_error(400, '"type" must be one of model, dataset, space, all')
        limit = int_param(request, "limit", 10)
        if isinstance(limit, Response):
            return limit
        limit = min(max(limit or 10, 1), 20)
        kinds = ["models", "datasets", "spaces"] if kind == "all" else [f"{kind}s"]
        rows = [(rec, k[:-1]) for k in kinds for rec in state.catalog.repos(k).values()]
        rows.sort(key=lambda pair: (-(pair[0].get("trendingScore") or 0), pair[0]["id"]))
        body = [{"repoData": {**{key: rec[key] for key in TRENDING_KEYS if key in rec}, "repoType": repo_type},
                 "repoType": repo_type} for rec, repo_type in rows[:limit]]
        return JSONResponse({"recentlyTrending": body})

    return [
        Route("/api/users/{name}/overview", user_overview, methods=["GET"]),
        Route("/api/organizations/{name}/overview", org_overview, methods=["GET"]),
        Route("/api/users/{name}/followers", user_list("followers"), methods=["GET"]),
        Route("/api/users/{name}/following", user_list("following"), methods=["GET"]),
        Route("/api/users/{name}/likes", user_likes, methods=["GET"]),
        Route("/api/organizations/{name}/followers", org_list("followers"), methods=["GET"]),
        Route("/api/organizations/{name}/members", org_list("members"), methods=["GET"]),
        Route("/api/recent-activity", recent_activity, methods=["GET"]),
        Route("/api/trending", trending, methods=["GET"]),
        Route("/api/{kind:str}/{repo_id:path}/likers", likers, methods=["GET"]),
        Route("/api/{kind:str}/{repo_id:path}/discussions/{num:int}", discussion, methods=["GET"]),
        Route("/api/{kind:str}/{repo_id:path}/discussions", discussions, methods=["GET"]),
    ]
