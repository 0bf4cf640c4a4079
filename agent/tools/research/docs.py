"""Hugging Face documentation: ``docs_search`` (``/api/docs/search``) and ``docs_fetch`` (a page, as markdown).

Fetching is restricted to documentation pages of Hugging Face: ``/docs/...`` on the configured Hub or
on huggingface.co / hf.co (rewritten to the configured Hub, so tests and production share one code path).
Every other URL is refused before any request, and redirects are followed only within those pages, so
no request — let alone the caller's token — ever leaves Hugging Face.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict

import httpx
from pydantic import BaseModel, Field

from agent.hub_ids import InvalidHubName, doc_path
from agent.tools.base import Tool, ToolContext, ToolFailure, truncate

CANONICAL_DOC_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
DOC_CHUNK_CHARS = 12_000
MAX_REDIRECTS = 3
_DROP_BLOCKS = re.compile(r"<(script|style|nav|header|footer|aside|form|svg|noscript)\b.*?</\1>", re.S | re.I)


def resolve_doc_url(raw: str, hub_url: str) -> str:
    """The configured-Hub URL of a documentation page, or ``ToolFailure`` if ``raw`` is not one."""
    def refuse(reason: str = "") -> ToolFailure:
        return ToolFailure(f"Refused {raw!r}: docs_fetch only fetches Hugging Face documentation pages "
                           f"(https://huggingface.co/docs/... or a /docs/... path){': ' + reason if reason else ''}. "
                           "Use docs_search to find one.")

    raw = raw.strip()
    if raw.startswith(("/docs/", "docs/")):
        path = "/" + raw.lstrip("/")
    else:
        try:
            url = httpx.URL(raw)
        except (httpx.InvalidURL, ValueError):
            raise refuse() from None
        hub = httpx.URL(hub_url)
        same_as_hub = (url.scheme, url.host, url.port) == (hub.scheme, hub.host, hub.port)
        canonical = url.scheme == "https" and url.host in CANONICAL_DOC_HOSTS and url.port in (None, 443)
        if not (same_as_hub or canonical) or url.userinfo:
            raise refuse()
        path = url.raw_path.decode("ascii")  # still percent-encoded: doc_path decodes it once, and checks that
    try:
        return hub_url.rstrip("/") + doc_path(path.split("#", 1)[0].split("?", 1)[0])
    except InvalidHubName as exc:
        raise refuse(str(exc)) from None


def html_to_text(page: str) -> str:
    """A readable markdown-ish rendering of an HTML page (headings, list items, paragraphs, code)."""
    page = _DROP_BLOCKS.sub("", page)
    page = re.sub(r"<h([1-6])[^>]*>", lambda m: "\n" + "#" * int(m.group(1)) + " ", page, flags=re.I)
    page = re.sub(r"<li[^>]*>", "\n- ", page, flags=re.I)
    page = re.sub(r"<(br|/p|/div|/h[1-6]|/pre|/tr)[^>]*>", "\n", page, flags=re.I)
    page = re.sub(r"<pre[^>]*>", "\n```\n", page, flags=re.I)
    page = re.sub(r"<[^>]+>", "", page)
    text = html.unescape(page)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class DocsSearchArgs(BaseModel):
    query: str = Field(..., min_length=3, max_length=200, description="What to look for, e.g. 'DPO beta'.")
    product: str | None = Field(None, max_length=40, pattern=r"^[\w\-]+$",
                                description="Limit to one product: transformers, trl, datasets, peft, hub, "
                                            "huggingface_hub, dataset-viewer, ...")


class DocsSearch(Tool[DocsSearchArgs]):
    name = "docs_search"
    description = ("Search Hugging Face documentation (transformers, trl, datasets, peft, hub, ...). Returns "
                   "excerpts grouped by page with URLs; open a page with docs_fetch.")
    Arguments = DocsSearchArgs

    async def run(self, args: DocsSearchArgs, ctx: ToolContext) -> str:
        params = {"q": args.query.lower()}
        if args.product:
            params["product"] = args.product
        try:
            reply = await ctx.http.get(f"{ctx.settings.hub_url.rstrip('/')}/api/docs/search", params=params,
                                       timeout=30.0)
        except httpx.HTTPError as exc:
            raise ToolFailure(f"Documentation search could not reach the Hub ({type(exc).__name__}).") from None
        if reply.status_code >= 400:
            raise ToolFailure(f"Documentation search failed ({reply.status_code}): {reply.text[:200]}")
        results = reply.json()
        if not results:
            scope = f" in product {args.product!r}" if args.product else ""
            return f"No documentation found for {args.query!r}{scope}. Try other words or drop the product."
        pages: OrderedDict[str, list[dict]] = OrderedDict()
        for hit in results[:12]:
            pages.setdefault(hit["source_page_url"].split("#", 1)[0], []).append(hit)
        lines = [f"{len(results)} excerpts for {args.query!r}" + (f" in {args.product}" if args.product else "")]
        for url, hits in pages.items():
            lines.append(f"\n## {hits[0].get('heading1') or hits[0].get('source_page_title')} "
                         f"[{hits[0].get('product')}] {url}")
            for hit in hits:
                if hit.get("heading2"):
                    lines.append(f"### {hit['heading2']}")
                lines.append(re.sub(r"<[^>]+>", "", hit.get("text", "")).strip()[:600])
        return truncate("\n".join(lines), hint="narrow the query or set product")


class DocsFetchArgs(BaseModel):
    url: str = Field(..., min_length=5, max_length=300,
                     description="A Hugging Face docs URL (https://huggingface.co/docs/...) or /docs/... path.")
    offset: int = Field(0, ge=0, le=2_000_000, description="Character offset for long pages.")


class DocsFetch(Tool[DocsFetchArgs]):
    name = "docs_fetch"
    description = ("Fetch a Hugging Face documentation page as markdown (only huggingface.co/docs pages). Long "
                   "pages come in chunks: pass the offset given at the end.")
    Arguments = DocsFetchArgs

    async def run(self, args: DocsFetchArgs, ctx: ToolContext) -> str:
        url = resolve_doc_url(args.url, ctx.settings.hub_url)
        reply = await self._get(ctx, url)
        content_type = reply.headers.get("content-type", "")
        text = reply.text if ("markdown" in content_type or "text/plain" in content_type) else html_to_text(reply.text)
        chunk = text[args.offset: args.offset + DOC_CHUNK_CHARS]
        if not chunk:
            raise ToolFailure(f"offset {args.offset} is past the end of the page ({len(text)} characters).")
        end = args.offset + len(chunk)
        body = f"Source: {url}\n\n{chunk}"
        if end < len(text):
            body += f"\n…[page continues: {len(text) - end} more characters; call docs_fetch with offset={end}]"
        return truncate(body, hint=f"call docs_fetch with offset={end}")

    @staticmethod
    async def _get(ctx: ToolContext, url: str) -> httpx.Response:
        headers = {"accept": "text/markdown, text/plain;q=0.9, text/html;q=0.5"}
        for _ in range(MAX_REDIRECTS + 1):
            try:
                reply = await ctx.http.get(url, headers=headers, timeout=30.0, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise ToolFailure(f"Could not fetch {url} ({type(exc).__name__}).") from None
            if reply.is_redirect:
                # Only follow redirects that stay on Hugging Face documentation pages.
                url = resolve_doc_url(str(reply.url.join(reply.headers.get("location", ""))), ctx.settings.hub_url)
                continue
            if reply.status_code == 404:
                raise ToolFailure(f"No documentation page at {url}. Find the right page with docs_search.")
            if reply.status_code >= 400:
                raise ToolFailure(f"Fetching {url} failed ({reply.status_code}).")
            return reply
        raise ToolFailure(f"Too many redirects from {url}.")
