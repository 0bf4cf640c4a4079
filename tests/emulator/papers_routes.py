"""Paper endpoints: ``/api/papers/search``, ``/api/daily_papers``, ``/api/papers/{id}`` and the paper page's
markdown at ``/papers/{id}.md`` (what ``HfApi.read_paper`` fetches)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .accounts import avatar_url, object_id
from .errors import hub_error
from .research_http import check_token, int_param
from .research_papers import Paper, paper_markdown

MODEL_KEYS = ("id", "author", "downloads", "likes", "pipeline_tag", "library_name", "lastModified", "private",
              "gated", "tags")


def _user(social: Any, name: str | None) -> dict[str, Any] | None:
    if not name or name not in social.users:
        return None
    user = social.users[name]
    return {"_id": object_id(name), "avatarUrl": avatar_url(name), "fullname": user["fullname"], "name": name,
            "user": name, "type": "user", "isPro": user["is_pro"]}


def _org(name: str | None) -> dict[str, Any] | None:
    return {"_id": object_id(name), "name": name, "fullname": name, "avatarUrl": avatar_url(name)} if name else None


def paper_body(paper: Paper, social: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": paper.id, "title": paper.title, "summary": paper.summary,
        "publishedAt": f"{paper.published}T17:59:00.000Z",
        "authors": [{"_id": object_id(paper.id + a), "name": a, "hidden": False} for a in paper.authors],
        "upvotes": paper.upvotes, "discussionId": object_id("discussion" + paper.id),
        "ai_summary": paper.summary.split(". ")[0] + ".", "ai_keywords": paper.keywords,
        "githubRepo": paper.github, "githubStars": paper.github_stars, "projectPage": paper.project_page,
        "numComments": paper.comments,
    }
    if paper.daily:
        body["submittedOnDailyAt"] = f"{paper.daily}T08:00:00.000Z"
        body["submittedOnDailyBy"] = _user(social, paper.submitted_by)
    if paper.org:
        body["organization"] = _org(paper.org)
    return body


def daily_entry(paper: Paper, social: Any) -> dict[str, Any]:
    """A daily-papers / search entry: the paper plus its daily-feed envelope."""
    day = paper.daily or paper.published
    entry = {"paper": paper_body(paper, social), "publishedAt": f"{day}T08:00:00.000Z", "title": paper.title,
             "summary": paper.summary,
             "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper.id}.png",
             "numComments": paper.comments, "submittedBy": _user(social, paper.submitted_by),
             "isAuthorParticipating": paper.submitted_by is not None and paper.id.endswith(("0", "2", "4"))}
    if paper.org:
        entry["organization"] = _org(paper.org)
    return entry


def _matches(paper: Paper, terms: list[str]) -> bool:
    haystack = " ".join([paper.title, paper.summary, " ".join(paper.keywords), " ".join(paper.authors)]).lower()
    return all(t in haystack for t in terms)


def routes_for(state: Any, research: Any) -> list[BaseRoute]:
    social = research.social

    def linked(paper: Paper, kind: str, explicit: list[str]) -> list[dict[str, Any]]:
        ids = list(dict.fromkeys(explicit + [rid for rid, rec in state.catalog.repos(kind).items()
                                             if f"arxiv:{paper.id}" in (rec.get("tags") or [])]))
        return [{k: rec[k] for k in MODEL_KEYS if k in rec} for rid in ids if (rec := state.catalog.get(kind, rid))]

    async def search(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        limit = int_param(request, "limit", 50)
        if isinstance(limit, Response):
            return limit
        terms = (request.query_params.get("q") or "").lower().split()
        found = [p for p in research.papers.values() if _matches(p, terms)]
        found.sort(key=lambda p: (-p.upvotes, p.id))
        return JSONResponse([daily_entry(p, social) for p in found[: min(limit or 50, 120)]])

    async def daily(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        params = request.query_params
        limit, page = int_param(request, "limit", 50), int_param(request, "p", 0)
        for value in (limit, page):
            if isinstance(value, Response):
                return value
        limit = min(max(limit or 50, 1), 100)
        papers = list(research.daily)
        if date := params.get("date"):
            papers = [p for p in papers if p.daily == date]
        if month := params.get("month"):
            papers = [p for p in papers if (p.daily or "").startswith(month)]
        if submitter := params.get("submitter"):
            papers = [p for p in papers if p.submitted_by == submitter]
        sort = params.get("sort", "publishedAt")
        if sort not in ("publishedAt", "trending"):
            return hub_error(400, '"sort" must be one of publishedAt, trending')
        papers.sort(key=(lambda p: (-p.upvotes, p.id)) if sort == "trending" else (lambda p: (p.daily or "", p.id)),
                    reverse=sort != "trending")
        return JSONResponse([daily_entry(p, social) for p in papers[page * limit: (page + 1) * limit]])

    async def info(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        paper = research.papers.get(request.path_params["paper_id"])
        if paper is None:
            return hub_error(404, "Paper not found")
        models = linked(paper, "models", paper.models)
        datasets = linked(paper, "datasets", paper.datasets)
        return JSONResponse({**paper_body(paper, social), "linkedModels": models, "numTotalModels": len(models),
                             "linkedDatasets": datasets, "numTotalDatasets": len(datasets), "linkedSpaces": []})

    async def markdown(request: Request) -> Response:
        paper = research.papers.get(request.path_params["paper_id"])
        if paper is None:
            return hub_error(404, "Paper not found")
        return PlainTextResponse(paper_markdown(paper), media_type="text/markdown; charset=utf-8")

    return [
        Route("/api/papers/search", search, methods=["GET"]),
        Route("/api/daily_papers", daily, methods=["GET"]),
        Route("/api/papers/{paper_id}", info, methods=["GET"]),
        Route("/papers/{paper_id}.md", markdown, methods=["GET"]),
    ]
