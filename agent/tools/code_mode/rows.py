"""Normalizers: raw Hub JSON payloads -> canonical snake_case rows (seed 002 field names)."""

from __future__ import annotations

from typing import Any

_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def repo_url(hub_url: str, repo_type: str, repo_id: str) -> str:
    return f"{hub_url.rstrip('/')}/{_URL_PREFIX.get(repo_type, '')}{repo_id}"


def _name(value: Any) -> str | None:
    """An author/owner/user given either as a string or as ``{"name": ...}``/``{"user": ...}``."""
    if isinstance(value, dict):
        return value.get("name") or value.get("user")
    return value if isinstance(value, str) else None


def _num_params(raw: dict[str, Any]) -> int | None:
    for key in ("safetensors", "gguf"):
        block = raw.get(key)
        if isinstance(block, dict) and isinstance(block.get("total"), int):
            return block["total"]
    return None


def repo_row(raw: dict[str, Any], repo_type: str, hub_url: str) -> dict[str, Any]:
    repo_id = raw.get("id") or raw.get("modelId") or raw.get("name") or ""
    runtime = raw.get("runtime") if isinstance(raw.get("runtime"), dict) else None
    card = raw.get("cardData") if isinstance(raw.get("cardData"), dict) else {}
    description = raw.get("description")
    if not description and repo_type == "space":
        description = card.get("short_description") or card.get("title")
    row = {
        "repo_id": repo_id,
        "repo_type": repo_type,
        "author": _name(raw.get("author")) or (repo_id.split("/", 1)[0] if "/" in repo_id else None),
        "likes": raw.get("likes"),
        "downloads": raw.get("downloads"),
        "trending_score": raw.get("trendingScore"),
        "created_at": raw.get("createdAt"),
        "last_modified": raw.get("lastModified"),
        "pipeline_tag": raw.get("pipeline_tag"),
        "num_params": _num_params(raw),
        "repo_url": repo_url(hub_url, repo_type, repo_id),
        "tags": raw.get("tags"),
        "library_name": raw.get("library_name"),
        "description": description or None,
        "paperswithcode_id": raw.get("paperswithcode_id"),
        "sdk": raw.get("sdk"),
        "models": raw.get("models"),
        "datasets": raw.get("datasets"),
        "subdomain": raw.get("subdomain"),
        "runtime_stage": runtime.get("stage") if runtime else None,
        "runtime": runtime,
    }
    return row


def daily_paper_row(entry: dict[str, Any], rank: int) -> dict[str, Any]:
    paper = entry.get("paper") if isinstance(entry.get("paper"), dict) else entry
    org = entry.get("organization") or paper.get("organization")
    submitter = entry.get("submittedBy") or paper.get("submittedOnDailyBy")
    row = {
        "paper_id": paper.get("id"),
        "title": entry.get("title") or paper.get("title"),
        "summary": paper.get("summary") or entry.get("summary"),
        "published_at": paper.get("publishedAt"),
        "submitted_on_daily_at": paper.get("submittedOnDailyAt") or entry.get("publishedAt"),
        "authors": [a.get("name") for a in paper.get("authors") or [] if not a.get("hidden")],
        "organization": _name(org),
        "submitted_by": _name(submitter),
        "discussion_id": paper.get("discussionId"),
        "upvotes": paper.get("upvotes"),
        "github_repo_url": paper.get("githubRepo"),
        "github_stars": paper.get("githubStars"),
        "project_page_url": paper.get("projectPage"),
        "num_comments": entry.get("numComments"),
        "is_author_participating": entry.get("isAuthorParticipating"),
        "rank": rank,
    }
    # repo_id is only present when the upstream payload links the paper to a repo.
    if entry.get("repoId") or paper.get("repoId"):
        row["repo_id"] = entry.get("repoId") or paper.get("repoId")
    return row


def collection_row(raw: dict[str, Any]) -> dict[str, Any]:
    owner = raw.get("owner")
    return {
        "collection_id": raw.get("slug"),
        "slug": raw.get("slug"),
        "title": raw.get("title"),
        "owner": _name(owner),
        "owner_type": owner.get("type") if isinstance(owner, dict) else None,
        "description": raw.get("description"),
        "gating": raw.get("gating"),
        "last_updated": raw.get("lastUpdated"),
        # List payloads carry only a preview of the items, so their length is no count.
        "item_count": raw.get("numberItems"),
    }


def actor_row(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": raw.get("user") or raw.get("name") or raw.get("username"),
        "fullname": raw.get("fullname"),
        "is_pro": raw.get("isPro"),
        "role": raw.get("role"),
        "type": raw.get("type") or "user",
    }


def user_like_row(raw: dict[str, Any], hub_url: str) -> dict[str, Any]:
    repo = raw.get("repo") or {}
    repo_id = repo.get("name") or ""
    repo_type = repo.get("type") or "model"
    return {
        "liked_at": raw.get("createdAt"),
        "repo_id": repo_id,
        "repo_type": repo_type,
        "repo_author": repo_id.split("/", 1)[0] if "/" in repo_id else None,
        "repo_likes": None,
        "repo_downloads": None,
        "repo_url": repo_url(hub_url, repo_type, repo_id),
    }


def activity_row(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_type": raw.get("type"),
        "repo_id": raw.get("repoId"),
        "repo_type": raw.get("repoType"),
        "timestamp": raw.get("time"),
    }


def discussion_row(raw: dict[str, Any], hub_url: str) -> dict[str, Any]:
    repo = raw.get("repo") or {}
    repo_id, repo_type = repo.get("name"), repo.get("type") or "model"
    return {
        "num": raw.get("num"),
        "repo_id": repo_id,
        "repo_type": repo_type,
        "title": raw.get("title"),
        "author": _name(raw.get("author")) or "deleted",
        "created_at": raw.get("createdAt"),
        "status": raw.get("status"),
        "url": f"{repo_url(hub_url, repo_type, repo_id or '')}/discussions/{raw.get('num')}",
    }


def discussion_detail_row(raw: dict[str, Any], hub_url: str) -> dict[str, Any]:
    row = discussion_row(raw, hub_url)
    comments = [e for e in raw.get("events") or [] if e.get("type") == "comment"
                and not (e.get("data") or {}).get("hidden")]
    latest = comments[-1] if comments else None
    latest_data = ((latest or {}).get("data") or {}).get("latest") or {}
    row.update({
        "comment_count": len(comments),
        "latest_comment_author": _name((latest or {}).get("author")),
        "latest_comment_created_at": (latest or {}).get("createdAt"),
        "latest_comment_text": latest_data.get("raw"),
        "latest_comment_html": latest_data.get("html"),
    })
    return row


def _social_url(raw: dict[str, Any], key: str, base: str) -> str | None:
    value = raw.get(key)
    if not value:
        return None
    return value if str(value).startswith("http") else f"{base}{value}"


def profile_row(raw: dict[str, Any], entity_type: str) -> dict[str, Any]:
    is_user = entity_type == "user"
    return {
        "handle": raw.get("user") if is_user else raw.get("name"),
        "entity_type": entity_type,
        "display_name": raw.get("fullname"),
        "bio": raw.get("details") if is_user else None,
        "description": None if is_user else raw.get("details"),
        "avatar_url": raw.get("avatarUrl"),
        "website_url": raw.get("websiteUrl") or raw.get("blog"),
        "twitter_url": _social_url(raw, "twitter", "https://x.com/"),
        "github_url": _social_url(raw, "github", "https://github.com/"),
        "linkedin_url": _social_url(raw, "linkedin", "https://www.linkedin.com/in/"),
        "bluesky_url": _social_url(raw, "bluesky", "https://bsky.app/profile/"),
        "followers_count": raw.get("numFollowers"),
        "following_count": raw.get("numFollowing") if is_user else None,
        "likes_count": raw.get("numLikes") if is_user else None,
        "members_count": None if is_user else raw.get("numUsers"),
        "models_count": raw.get("numModels"),
        "datasets_count": raw.get("numDatasets"),
        "spaces_count": raw.get("numSpaces"),
        "discussions_count": raw.get("numDiscussions"),
        "papers_count": raw.get("numPapers"),
        "upvotes_count": raw.get("numUpvotes"),
        "organizations": [o.get("name") for o in raw.get("orgs") or []] if is_user else None,
        "is_pro": raw.get("isPro"),
    }
