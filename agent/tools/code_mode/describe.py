"""The code-mode tool description, generated from the helper registry (signatures, fields, limits)."""

from __future__ import annotations

from agent.tools.code_mode import contracts as c
from agent.tools.code_mode.registry import HELPERS, HelperSpec

_RULES = """\
Query the Hugging Face Hub with a short async Python script (Monty: a safe Python subset) that awaits hf_* \
helpers. Use it for multi-step questions (joins, aggregation, filtering many rows, follow-ups per row); for a \
single lookup prefer the direct tools.
Rules: no imports. Every helper is async: await it. `max_calls` (preset global) is the script's whole budget of \
Hub requests; once spent, helpers return ok=false. Assign the answer to `result` and end with a bare `result` \
line. `result` must be plain data (dict/list/str/int/float/bool/None) holding only what is needed.
Each helper returns {ok, item, items, meta, error}. meta has coverage (limit_boundary_hit, truncated, \
more_available, next_request_hint) and budget_used/budget_remaining. If coverage is partial (limit_boundary_hit \
or truncated true, more_available not False, ranking_complete false) return {"results": ..., "coverage": meta}.
fields=[...] picks canonical row fields. where= / post_filter= filter rows locally: {"f": v} eq, {"f": [a, b]} \
in, {"f": {"gte": 10}} with ops eq,in,contains,icontains,gte,lte (gte/lte also on ISO dates). Unknown \
fields/keys/ops fail fast (ok=false, no Hub call). Push constraints upstream via arguments (author, \
pipeline_tag, num_params="min:1B,max:8B", search, sort) before post_filter. username/handle/entity=None = \
the current user. Searches are one-shot: limit_boundary_hit means more rows may exist and counts are not \
exact. hf_runtime_capabilities(section=...) returns the full contracts.
Example:
resp = await hf_models_search(pipeline_tag="text-classification", sort="downloads", limit=5, \
fields=["repo_id", "downloads", "repo_url"])
result = resp["items"] if not resp["meta"]["limit_boundary_hit"] else {"results": resp["items"], \
"coverage": resp["meta"]}
result"""

_FIELD_GROUPS = {
    "repo": c.REPO_FIELDS, "repo+rank": ("...repo", "trending_rank"), "daily_paper": c.DAILY_PAPER_FIELDS,
    "collection": c.COLLECTION_FIELDS, "actor": c.ACTOR_FIELDS, "user_like": c.USER_LIKE_FIELDS,
    "activity": c.ACTIVITY_FIELDS, "discussion": c.DISCUSSION_FIELDS,
    "discussion_detail": ("...discussion", *c.DISCUSSION_DETAIL_FIELDS[len(c.DISCUSSION_FIELDS):]),
    "profile": c.PROFILE_FIELDS, "user": c.USER_FIELDS,
}


def _group(spec: HelperSpec) -> str:
    if spec.fields == c.TRENDING_FIELDS:
        return "repo+rank"
    return spec.row_type if spec.row_type in _FIELD_GROUPS else "sections"


def _helper_line(spec: HelperSpec) -> str:
    signature = spec.render_signature().replace(" | ", "|").replace("dict[str, Any]", "dict")
    details = [f"rows: {_group(spec)}"]
    limits = c.LIMITS.get(spec.name)
    if limits:
        details.append(f"limit {limits['default_limit']}/max {limits['max_limit']}")
    if "sort" in spec.param_values and spec.name != "hf_repo_search":
        details.append("sort: " + ",".join(spec.param_values["sort"]))
    return f"- {signature} [{'; '.join(details)}] {spec.notes}".rstrip()


def tool_description() -> str:
    lines = [_RULES, "", "Helpers:"]
    lines += [_helper_line(spec) for spec in HELPERS]
    lines += ["", "Row fields:"]
    lines += [f"- {name}: {', '.join(fields)}" for name, fields in _FIELD_GROUPS.items()]
    return "\n".join(lines)
