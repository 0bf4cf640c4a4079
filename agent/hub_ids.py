"""The Hugging Face names that tools put into URLs — repo ids, user and organization names, collection slugs, job
ids, paths inside repos, documentation paths — checked against the Hub's grammar in this one place, and the Hub
paths built from them (``hub_path``), every segment percent-encoded. A name the model wrote can then never add a
level (``..``, ``%2e%2e``, a backslash), a query (``?``) or a fragment (``#``) to a path, nor reach another route
with the caller's token: ``hf_repo_details("../../api/whoami-v2?")`` once answered with the caller's email.

Each check raises ``InvalidHubName`` (a ``ValueError``, so pydantic reports it as the field's error) with a message
that says what was expected. The ``Annotated`` types carry the same checks into the tools' typed arguments."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, unquote

from pydantic import AfterValidator, Field

# One part of a repo id (the namespace or the name), as the Hub and huggingface_hub.validate_repo_id define it:
# ASCII letters, digits, '_', '-', '.'; first and last a letter, a digit or '_'; at most 96; no '--' or '..'.
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
_NAMESPACE = re.compile(_PART)
_REPO_ID = re.compile(rf"(?:{_PART}/)?{_PART}")
# A collection slug: the owner, then the title slugified with the collection's hex id ("alice/my-models-65f0…").
_COLLECTION_SLUG = re.compile(rf"{_PART}/[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{{0,198}}[A-Za-z0-9_])?")
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{5,63}")
# Documentation path segments ("transformers", "main", "en", "model_doc", "llama", "v4.50.0").
_DOC_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_REPO_FILE_PATH = 300
MAX_DOC_PATH = 300


class InvalidHubName(ValueError):
    """A name the Hub does not accept (or one that would change the URL it is put into)."""


class HubPath(str):
    """A path on a Hugging Face host built by ``hub_path``: every segment checked and percent-encoded."""

    __slots__ = ()


def _string(value: Any, what: str, example: str) -> str:
    if not isinstance(value, str):
        raise InvalidHubName(f"{what} must be a string like '{example}', not {type(value).__name__}")
    return value


def _no_double_specials(value: str, what: str) -> None:
    if "--" in value or ".." in value:
        raise InvalidHubName(f"invalid {what} '{value[:200]}': '--' and '..' are not allowed")


def namespace(value: Any, what: str = "user or organization name") -> str:
    """A user or organization name (a repo id's namespace): ``alice``, ``Qwen``, ``huggingface``; with another
    ``what``, a repo's name without its namespace (the same grammar)."""
    name = _string(value, what, "huggingface")
    if not _NAMESPACE.fullmatch(name):
        raise InvalidHubName(f"invalid {what} '{name[:200]}': use letters, digits, '-', '_' or '.' (at most 96, "
                             "not starting or ending with '-' or '.')")
    _no_double_specials(name, what)
    return name


def repo_id(value: Any, what: str = "repo id") -> str:
    """A model, dataset or Space id: ``name`` or ``namespace/name`` (``gpt2``, ``Qwen/Qwen3-0.6B``)."""
    rid = _string(value, what, "Qwen/Qwen3-0.6B")
    if not _REPO_ID.fullmatch(rid):
        raise InvalidHubName(f"invalid {what} '{rid[:200]}': expected 'name' or 'namespace/name' made of letters, "
                             "digits, '-', '_' or '.' (each part at most 96, not starting or ending with '-' or '.')")
    _no_double_specials(rid, what)
    if rid.endswith(".git"):
        raise InvalidHubName(f"invalid {what} '{rid}': it cannot end with '.git'")
    return rid


def collection_slug(value: Any) -> str:
    """A collection slug as the Hub lists it: ``owner/title-0123456789abcdef01234567``."""
    slug = _string(value, "collection slug", "owner/title-0123abcd")
    if not _COLLECTION_SLUG.fullmatch(slug):
        raise InvalidHubName(f"invalid collection slug '{slug[:200]}': expected 'owner/title-0123abcd' as "
                             "hf_collections_search returns it")
    _no_double_specials(slug, "collection slug")
    return slug


def job_id(value: Any, what: str = "job id") -> str:
    """An HF Jobs id (or a scheduled job's id): letters, digits and '-'."""
    ident = _string(value, what, "6890a4c3e2b1f0d9c8a7b6e5")
    if not _JOB_ID.fullmatch(ident):
        raise InvalidHubName(f"invalid {what} '{ident[:200]}': expected the id the Jobs API returned "
                             "(6 to 64 letters, digits or '-')")
    return ident


def repo_file_path(value: Any) -> str:
    """A file's path inside a repo (``README.md``, ``src/train.py``): relative, '/'-separated, no empty, '.' or
    '..' segment, no backslash or control character."""
    path = _string(value, "path", "src/train.py")
    if not path or len(path) > MAX_REPO_FILE_PATH:
        raise InvalidHubName(f"invalid path: it must have 1 to {MAX_REPO_FILE_PATH} characters")
    if "\\" in path or _CONTROL.search(path):
        raise InvalidHubName(f"invalid path {path[:200]!r}: no backslashes or control characters")
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        raise InvalidHubName(f"invalid path {path[:200]!r}: relative, with no empty, '.' or '..' segments "
                             "(e.g. src/train.py)")
    return path


def doc_path(raw_path: str) -> str:
    """The canonical ``/docs/...`` path of a documentation page from a URL's (still percent-encoded) path, or
    ``InvalidHubName``. Decoded once: an encoded dot, slash or backslash cannot hide a '..' segment or a route."""
    if len(raw_path) > MAX_DOC_PATH:
        raise InvalidHubName(f"documentation path longer than {MAX_DOC_PATH} characters")
    decoded = unquote(raw_path)
    segments = decoded.split("/")
    if segments[:2] != ["", "docs"] or len(segments) < 3:
        raise InvalidHubName("documentation paths start with /docs/")
    if segments[-1] == "":  # a trailing slash names the same page
        segments.pop()
    if len(segments) < 3 or not all(_DOC_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments[2:]):
        raise InvalidHubName(f"invalid documentation path {raw_path[:200]!r}: expected /docs/<product>/<page> "
                             "with letters, digits, '-', '_' or '.' in each part")
    return hub_path(*segments[1:])


def hub_path(*segments: str) -> HubPath:
    """``/seg/seg/...``, each segment percent-encoded whole ('/', '?', '#', '%' and '\\' included) so that none can
    add a level, a query or a fragment; an empty, '.' or '..' segment is refused (URL normalisation would drop or
    resolve it). Repo ids and slugs are passed split on '/': ``hub_path("api", "models", *repo.split("/"))``."""
    for segment in segments:
        if not isinstance(segment, str) or segment in ("", ".", ".."):
            raise InvalidHubName(f"invalid path segment {segment!r}")
    return HubPath("/" + "/".join(quote(segment, safe="") for segment in segments))


def repo_api_path(kind: str, rid: Any, *rest: str) -> HubPath:
    """``/api/{kind}s/{repo_id}/...`` for a model, dataset or Space, the repo id checked first."""
    if kind not in ("model", "dataset", "space"):
        raise InvalidHubName(f"invalid repo type {kind!r}")
    return hub_path("api", f"{kind}s", *repo_id(rid).split("/"), *rest)


# The same checks as typed tool arguments (their JSON schema shows the pattern to the model).
Namespace = Annotated[str, Field(max_length=96, json_schema_extra={"pattern": f"^{_PART}$"}),
                      AfterValidator(namespace)]
RepoName = Annotated[str, Field(max_length=96, json_schema_extra={"pattern": f"^{_PART}$"}),
                     AfterValidator(lambda value: namespace(value, "repo name"))]
RepoId = Annotated[str, Field(max_length=193, json_schema_extra={"pattern": f"^(?:{_PART}/)?{_PART}$"}),
                   AfterValidator(repo_id)]
NamespacedRepoId = Annotated[str, Field(max_length=193, json_schema_extra={"pattern": f"^{_PART}/{_PART}$"}),
                             AfterValidator(lambda value: _namespaced(repo_id(value)))]
JobId = Annotated[str, Field(max_length=64, json_schema_extra={"pattern": r"^[A-Za-z0-9][A-Za-z0-9\-]{5,63}$"}),
                  AfterValidator(job_id)]
RepoFilePath = Annotated[str, Field(max_length=MAX_REPO_FILE_PATH), AfterValidator(repo_file_path)]


def _namespaced(rid: str) -> str:
    if "/" not in rid:
        raise InvalidHubName(f"invalid repo id '{rid}': expected 'namespace/name'")
    return rid
