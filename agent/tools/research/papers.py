"""Papers on the Hub: search and the daily feed (``paper_search``), details and text by section (``paper_read``).

Sources: ``/api/papers/search``, ``/api/daily_papers``, ``/api/papers/{id}`` and the paper page's
markdown at ``{hub}/papers/{id}.md`` (``HfApi.list_papers``, ``list_daily_papers``, ``paper_info``,
``read_paper``). The markdown's ``##`` headings are the sections.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Literal

from huggingface_hub.errors import HfHubHTTPError
from pydantic import BaseModel, Field

from agent.tools.base import Tool, ToolContext, ToolFailure, truncate
from agent.tools.research.hub import _hub_failure, _iso

ARXIV_ID = r"^\d{4}\.\d{4,5}(v\d+)?$"
SECTION_CHARS = 8_000


def paper_url(hub_url: str, paper_id: str) -> str:
    return f"{hub_url.rstrip('/')}/papers/{paper_id}"


def _authors(paper: Any, n: int = 4) -> list[str]:
    names = [a.name for a in paper.authors or [] if not getattr(a, "hidden", False)]
    return names[:n] + ([f"+{len(names) - n} more"] if len(names) > n else [])


def split_sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, body) pairs of the ``##`` sections; text before the first one is the preamble."""
    sections: list[tuple[str, str]] = []
    heading, body = "Preamble", []
    for line in markdown.splitlines():
        match = re.match(r"^##\s+(.*)", line)
        if match:
            sections.append((heading, "\n".join(body).strip()))
            heading, body = match.group(1).strip(), []
        else:
            body.append(line)
    sections.append((heading, "\n".join(body).strip()))
    return [(h, b) for h, b in sections if b or h != "Preamble"]


def find_section(sections: list[tuple[str, str]], wanted: str) -> tuple[str, str] | None:
    """Match by exact heading, leading number ("3"), or case-insensitive substring ("method")."""
    key = wanted.strip().lower()
    for heading, body in sections:
        if heading.lower() == key:
            return heading, body
    for heading, body in sections:
        number = heading.split(" ", 1)[0].rstrip(".")
        if number.lower() == key:
            return heading, body
    for heading, body in sections:
        if key in heading.lower():
            return heading, body
    return None


class PaperSearchArgs(BaseModel):
    query: str | None = Field(None, min_length=2, max_length=200,
                              description="Search terms. Omit to list daily papers (date/sort apply then).")
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Daily papers of this day (YYYY-MM-DD).")
    sort: Literal["trending", "published"] = Field("published", description="Daily papers order.")
    limit: int = Field(10, ge=1, le=30)


class PaperSearch(Tool[PaperSearchArgs]):
    name = "paper_search"
    description = ("Search papers on Hugging Face (arXiv ids, titles, upvotes, GitHub links), or, without a query, "
                   "list the daily/trending papers. Read one with paper_read.")
    Arguments = PaperSearchArgs

    async def run(self, args: PaperSearchArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()

        def fetch() -> list[Any]:
            if args.query:
                return list(api.list_papers(query=args.query, limit=args.limit))
            return list(api.list_daily_papers(date=args.date, limit=args.limit,
                                              sort="trending" if args.sort == "trending" else "publishedAt"))

        try:
            papers = await asyncio.to_thread(fetch)
        except HfHubHTTPError as exc:
            raise _hub_failure(exc, "Paper search") from None
        if not papers:
            return "No papers matched." + (" Try fewer or broader terms." if args.query else " Try another date.")
        rows = []
        for paper in papers[: args.limit]:
            row = {"id": paper.id, "title": paper.title, "url": paper_url(ctx.settings.hub_url, paper.id),
                   "published": (_iso(paper.published_at) or "")[:10], "upvotes": paper.upvotes,
                   "authors": _authors(paper, 3)}
            if paper.github_repo:
                row["github"] = paper.github_repo
            if not args.query and paper.submitted_at:
                row["daily"] = _iso(paper.submitted_at)[:10]
            row["summary"] = (paper.summary or "")[:280]
            rows.append(row)
        header = (f"{len(rows)} papers matching {args.query!r}" if args.query
                  else f"{len(rows)} daily papers ({args.sort}{', ' + args.date if args.date else ''})")
        return truncate("\n".join([header] + [json.dumps(r, ensure_ascii=False) for r in rows]),
                        hint="lower limit or refine the query")


class PaperReadArgs(BaseModel):
    arxiv_id: str = Field(..., pattern=ARXIV_ID, description="arXiv id, e.g. 2305.18290.")
    section: str | None = Field(None, max_length=120,
                                description="Section heading, number or word (e.g. 'Method', '4'). Omit for "
                                            "details and the list of sections.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Character offset inside a long section.")


class PaperRead(Tool[PaperReadArgs]):
    name = "paper_read"
    description = ("Read a paper from its Hugging Face page: without section, details (authors, abstract, links, "
                   "linked models/datasets) and its section list; with section, that section's text.")
    Arguments = PaperReadArgs

    async def run(self, args: PaperReadArgs, ctx: ToolContext) -> str:
        api = ctx.hf_api()
        paper_id = re.sub(r"v\d+$", "", args.arxiv_id)
        try:
            if args.section is None:
                info, markdown = await asyncio.gather(asyncio.to_thread(api.paper_info, paper_id),
                                                      asyncio.to_thread(api.read_paper, paper_id))
            else:
                info, markdown = None, await asyncio.to_thread(api.read_paper, paper_id)
        except HfHubHTTPError as exc:
            if getattr(exc.response, "status_code", None) == 404:
                raise ToolFailure(f"No paper {paper_id} on Hugging Face. Check the id with paper_search.") from None
            raise _hub_failure(exc, "Paper request") from None
        sections = split_sections(markdown)
        if args.section is None:
            return self._details(info, sections, ctx.settings.hub_url)
        found = find_section(sections, args.section)
        if found is None:
            names = [h for h, _ in sections]
            raise ToolFailure(f"Paper {paper_id} has no section matching {args.section!r}. Sections: {names}")
        heading, body = found
        chunk = body[args.offset: args.offset + SECTION_CHARS]
        if not chunk:
            raise ToolFailure(f"offset {args.offset} is past the end of section {heading!r} ({len(body)} chars).")
        text = f"## {heading} ({paper_url(ctx.settings.hub_url, paper_id)})\n\n{chunk}"
        end = args.offset + len(chunk)
        if end < len(body):
            text += f"\n…[section continues: {len(body) - end} more characters; call paper_read with offset={end}]"
        return text

    @staticmethod
    def _details(info: Any, sections: list[tuple[str, str]], hub_url: str) -> str:
        details: dict[str, Any] = {
            "id": info.id, "title": info.title, "url": paper_url(hub_url, info.id),
            "arxiv": f"https://arxiv.org/abs/{info.id}", "authors": _authors(info, 8),
            "published": (_iso(info.published_at) or "")[:10], "upvotes": info.upvotes, "summary": info.summary,
        }
        for key, value in (("github", info.github_repo), ("github_stars", info.github_stars),
                           ("project_page", info.project_page), ("keywords", info.ai_keywords),
                           ("organization", info.organization.name if info.organization else None)):
            if value:
                details[key] = value
        if info.linked_models:
            details["linked_models"] = [m.id for m in info.linked_models[:15]]
        if info.linked_datasets:
            details["linked_datasets"] = [d.id for d in info.linked_datasets[:15]]
        details["sections"] = [f"{h} ({len(b)} chars)" for h, b in sections]
        return truncate(json.dumps(details, indent=1, ensure_ascii=False, default=str),
                        hint="read one section at a time with paper_read(section=...)")
