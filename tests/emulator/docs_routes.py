"""Documentation: ``GET /api/docs/search?q=&product=`` (section excerpts) and the pages at ``/docs/...``,
served as markdown when asked with ``Accept: text/markdown`` (or a ``.md`` suffix), else as HTML."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .errors import hub_error
from .research_docs import DOCS, search_docs
from .research_http import check_token


def routes_for(state: Any, research: Any) -> list[BaseRoute]:
    pages = {page.path: page for page in DOCS}

    async def search(request: Request) -> Response:
        if (err := check_token(state, request)) is not None:
            return err
        query = (request.query_params.get("q") or "").strip()
        if len(query) < 2:
            return hub_error(400, '"q" must have at least 2 characters')
        base = str(request.base_url).rstrip("/")
        return JSONResponse(search_docs(query, request.query_params.get("product"), base))

    async def page(request: Request) -> Response:
        path = "/docs/" + request.path_params["path"].strip("/")
        wants_md = path.endswith(".md") or "text/markdown" in request.headers.get("accept", "")
        doc = pages.get(path.removesuffix(".md"))
        if doc is None:
            return hub_error(404, f"Documentation page not found: {path}")
        if wants_md:
            return PlainTextResponse(doc.markdown(), media_type="text/markdown; charset=utf-8")
        body = "".join(f"<h2>{html.escape(h)}</h2><p>{html.escape(t)}</p>" for h, t in doc.sections)
        return HTMLResponse(f"<html><head><title>{html.escape(doc.title)}</title><script>track()</script></head>"
                            f"<body><nav>Docs menu</nav><main><h1>{html.escape(doc.title)}</h1>{body}</main>"
                            "<footer>Hugging Face</footer></body></html>")

    return [
        Route("/api/docs/search", search, methods=["GET"]),
        Route("/docs/{path:path}", page, methods=["GET"]),
    ]
