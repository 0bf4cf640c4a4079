"""Hugging Face URLs and repo ids in an answer: finding them and saying what each one names (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_URL = re.compile(r"https?://[^\s<>\"'`|\\\]\[(){}]+")
_TRAILING = ".,;:!?*_'\""
# Top-level paths of huggingface.co that are pages, not a user, organization or repo.
_SITE_PAGES = frozenset({"docs", "blog", "learn", "tasks", "models", "pricing", "settings", "organizations", "login",
                         "join", "api", "search", "chat", "posts", "new", "enterprise", "changelog", "terms-of-service",
                         "privacy", "inference-endpoints", "hardware", "storage", "welcome", "course", "huggingchat",
                         "leaderboards", "trending"})
# A repo id as the Hub spells it: ``name`` or ``namespace/name``.
REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


@dataclass(frozen=True)
class HfRef:
    """What an URL names: ``kind`` is model, dataset, space, paper, collection, job, account, or page; ``ident`` the
    id to look up (for a page, its path)."""

    kind: str
    ident: str
    url: str


def find_urls(text: str) -> list[str]:
    """The http(s) URLs of a text in order of appearance, without the punctuation that ends a sentence."""
    found = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if url not in found:
            found.append(url)
    return found


def hf_host_set(*base_urls: str) -> frozenset[str]:
    """The hosts that count as Hugging Face's: huggingface.co, hf.co, and the host:port of the given Hub base URLs
    (the emulator's, offline)."""
    hosts = set(HF_HOSTS)
    for base in base_urls:
        if base:
            hosts.add(urlsplit(base).netloc.lower())
    return frozenset(hosts)


def classify(url: str, hosts: frozenset[str] = HF_HOSTS) -> HfRef | None:
    """The Hub resource an URL on a Hugging Face host names; None for any other host (``*.hf.space`` apps
    included: their name does not say which Space they run)."""
    parts_ = urlsplit(url)
    if parts_.netloc.lower() not in hosts:
        return None
    parts = [unquote(p) for p in parts_.path.split("/") if p]
    if not parts:
        return HfRef("page", "/", url)
    head = parts[0]
    if head in ("datasets", "spaces") and len(parts) >= 2:
        repo_id = "/".join(parts[1:3])
        return HfRef(head[:-1], repo_id, url) if REPO_ID.match(repo_id) else HfRef("page", parts_.path, url)
    if head == "papers" and len(parts) >= 2:
        return HfRef("paper", parts[1].removesuffix(".md"), url)
    if head == "collections" and len(parts) >= 3:
        return HfRef("collection", f"{parts[1]}/{parts[2]}", url)
    if head == "jobs" and len(parts) >= 3:
        return HfRef("job", f"{parts[1]}/{parts[2]}", url)
    if head in _SITE_PAGES or head in ("datasets", "spaces", "papers", "collections", "jobs"):
        return HfRef("page", parts_.path, url)
    if len(parts) >= 2:
        repo_id = f"{parts[0]}/{parts[1]}"
        return HfRef("model", repo_id, url) if REPO_ID.match(repo_id) else HfRef("page", parts_.path, url)
    return HfRef("account", head, url)


def hf_refs(text: str, hosts: frozenset[str] = HF_HOSTS) -> list[HfRef]:
    return [ref for ref in (classify(url, hosts) for url in find_urls(text)) if ref is not None]


_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]{1,200})`(?!`)")
_STRING_LITERAL = re.compile(r"""(?P<q>["'])([A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95})(?P=q)""")
_FILE_SUFFIX = re.compile(r"\.(py|json|ya?ml|txt|md|csv|parquet|jsonl|bin|safetensors|gguf|sh|cfg|toml|ini|pt|pth)$",
                          re.IGNORECASE)


def named_repo_ids(answer: str, code: list[str]) -> list[str]:
    """Repo ids the answer names: ``namespace/name`` in inline code spans, and string literals of that shape in
    its code blocks (what ``from_pretrained("...")`` or ``load_dataset("...")`` would fetch). File paths are left
    out."""
    found: list[str] = []
    candidates = [m.group(1).strip() for m in _INLINE_CODE.finditer(answer)]
    for block in code:
        candidates += [m.group(2) for m in _STRING_LITERAL.finditer(block)]
    for candidate in candidates:
        if ("/" in candidate and REPO_ID.match(candidate) and not _FILE_SUFFIX.search(candidate)
                and not candidate.startswith((".", "/")) and candidate not in found):
            found.append(candidate)
    return found
