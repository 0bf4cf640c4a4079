"""The helper contracts of seed 002: canonical row fields, limits, sort and expand values.

Everything here is plain data; the registry renders it into the tool description and
``hf_runtime_capabilities`` returns it to scripts.
"""

from __future__ import annotations

REPO_FIELDS = (
    "repo_id", "repo_type", "author", "likes", "downloads", "trending_score", "created_at", "last_modified",
    "pipeline_tag", "num_params", "repo_url", "tags", "library_name", "description", "paperswithcode_id", "sdk",
    "models", "datasets", "subdomain", "runtime_stage", "runtime",
)
TRENDING_FIELDS = (*REPO_FIELDS, "trending_rank")
DAILY_PAPER_FIELDS = (
    "paper_id", "title", "summary", "published_at", "submitted_on_daily_at", "authors", "organization",
    "submitted_by", "discussion_id", "upvotes", "github_repo_url", "github_stars", "project_page_url",
    "num_comments", "is_author_participating", "repo_id", "rank",
)
COLLECTION_FIELDS = ("collection_id", "slug", "title", "owner", "owner_type", "description", "gating",
                     "last_updated", "item_count")
ACTOR_FIELDS = ("username", "fullname", "is_pro", "role", "type")
USER_LIKE_FIELDS = ("liked_at", "repo_id", "repo_type", "repo_author", "repo_likes", "repo_downloads", "repo_url")
ACTIVITY_FIELDS = ("event_type", "repo_id", "repo_type", "timestamp")
DISCUSSION_FIELDS = ("num", "repo_id", "repo_type", "title", "author", "created_at", "status", "url")
DISCUSSION_DETAIL_FIELDS = (*DISCUSSION_FIELDS, "comment_count", "latest_comment_author",
                            "latest_comment_created_at", "latest_comment_text", "latest_comment_html")
PROFILE_FIELDS = (
    "handle", "entity_type", "display_name", "bio", "description", "avatar_url", "website_url", "twitter_url",
    "github_url", "linkedin_url", "bluesky_url", "followers_count", "following_count", "likes_count",
    "members_count", "models_count", "datasets_count", "spaces_count", "discussions_count", "papers_count",
    "upvotes_count", "organizations", "is_pro", "likes_sample", "activity_sample",
)
USER_FIELDS = ("username", "fullname", "is_pro")
CAPABILITY_SECTIONS = ("overview", "helpers", "helper_contracts", "helper_defaults", "fields", "limits",
                       "repo_search")

WHERE_OPS = ("eq", "in", "contains", "icontains", "gte", "lte")
REPO_TYPES = ("model", "dataset", "space")

# Canonical sort keys -> the Hub's query values.
REPO_SORTS = {"created_at": "createdAt", "downloads": "downloads", "last_modified": "lastModified",
              "likes": "likes", "trending_score": "trendingScore"}
SORTS_BY_TYPE = {
    "model": ("created_at", "downloads", "last_modified", "likes", "trending_score"),
    "dataset": ("created_at", "downloads", "last_modified", "likes", "trending_score"),
    "space": ("created_at", "last_modified", "likes", "trending_score"),
}

# Canonical expand values -> the Hub's ``expand`` values, per repo type.
_EXPAND_NAMES = {
    "base_models": "baseModels", "card_data": "cardData", "created_at": "createdAt",
    "downloads_all_time": "downloadsAllTime", "eval_results": "evalResults",
    "inference_provider_mapping": "inferenceProviderMapping", "last_modified": "lastModified",
    "model_index": "model-index", "resource_group": "resourceGroup", "transformers_info": "transformersInfo",
    "trending_score": "trendingScore", "widget_data": "widgetData", "xet_enabled": "xetEnabled",
    "gitaly_uid": "gitalyUid",
}
EXPAND_BY_TYPE = {
    "model": ("author", "base_models", "card_data", "config", "created_at", "disabled", "downloads",
              "downloads_all_time", "eval_results", "gated", "gguf", "inference", "inference_provider_mapping",
              "last_modified", "library_name", "likes", "mask_token", "model_index", "pipeline_tag", "private",
              "resource_group", "safetensors", "sha", "siblings", "spaces", "tags", "transformers_info",
              "trending_score", "widget_data", "xet_enabled", "gitaly_uid"),
    "dataset": ("author", "card_data", "citation", "created_at", "description", "disabled", "downloads",
                "downloads_all_time", "gated", "last_modified", "likes", "paperswithcode_id", "private",
                "resource_group", "sha", "siblings", "tags", "trending_score", "xet_enabled", "gitaly_uid"),
    "space": ("author", "card_data", "created_at", "datasets", "disabled", "last_modified", "likes", "models",
              "private", "resource_group", "runtime", "sdk", "sha", "siblings", "subdomain", "tags",
              "trending_score", "xet_enabled", "gitaly_uid"),
}
# What a search asks for when the script names no expand/full/card_data: enough for every canonical field.
DEFAULT_EXPAND = {
    "model": ("author", "created_at", "downloads", "last_modified", "library_name", "likes", "pipeline_tag",
              "safetensors", "tags", "trending_score"),
    "dataset": ("author", "created_at", "description", "downloads", "last_modified", "likes", "paperswithcode_id",
                "tags", "trending_score"),
    "space": ("author", "created_at", "datasets", "last_modified", "likes", "models", "runtime", "sdk",
              "subdomain", "tags", "trending_score"),
}


def hub_expand_name(value: str) -> str:
    return _EXPAND_NAMES.get(value, value)


# Per-helper limits (seed 002 "limit_contract").
LIMITS: dict[str, dict[str, int]] = {
    "hf_models_search": {"default_limit": 100, "max_limit": 5000},
    "hf_datasets_search": {"default_limit": 100, "max_limit": 5000},
    "hf_spaces_search": {"default_limit": 100, "max_limit": 5000},
    "hf_repo_search": {"default_limit": 100, "max_limit": 5000},
    "hf_trending": {"default_limit": 20, "max_limit": 20},
    "hf_daily_papers": {"default_limit": 20, "max_limit": 500},
    "hf_collections_search": {"default_limit": 20, "max_limit": 500},
    "hf_collection_items": {"default_limit": 100, "max_limit": 500},
    "hf_repo_discussions": {"default_limit": 20, "max_limit": 200},
    "hf_repo_likers": {"default_limit": 1000, "max_limit": 10000},
    "hf_user_graph": {"default_limit": 1000, "max_limit": 10000, "scan_max": 10000},
    "hf_org_members": {"default_limit": 1000, "max_limit": 10000, "scan_max": 10000},
    "hf_user_likes": {"default_limit": 100, "max_limit": 2000, "enrich_max": 50, "ranking_default": 50,
                      "scan_max": 10000},
    "hf_recent_activity": {"default_limit": 100, "max_limit": 2000, "max_pages": 10, "page_limit": 100},
}
