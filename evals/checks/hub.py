"""Checks against the Hub and datasets-server: cited URLs resolve, named repos exist, split names are the real
ones, jobs ended COMPLETED, artifacts exist."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from evals.checks.base import Check, CheckResult, Lookups, TurnView, code_blocks, exists
from evals.hf_urls import HfRef, hf_refs, named_repo_ids

REPO_KINDS = ("model", "dataset", "space")


async def resolve(ref: HfRef, lookups: Lookups) -> bool | None:
    """Whether the resource an URL names exists (None: could not be told)."""
    if ref.kind in REPO_KINDS:
        return exists(await lookups.repo(ref.kind, ref.ident))
    if ref.kind == "paper":
        return exists(await lookups.paper(ref.ident))
    if ref.kind == "collection":
        return exists(await lookups.collection(ref.ident))
    if ref.kind == "job":
        namespace, job_id = ref.ident.split("/", 1)
        return exists(await lookups.job(namespace, job_id))
    if ref.kind == "account":
        # huggingface.co/<name> is a user, an organization, or a legacy model id without a namespace (gpt2).
        found = exists(await lookups.account(ref.ident))
        if found is False:
            return exists(await lookups.repo("model", ref.ident))
        return found
    return exists(await lookups.page(urlsplit(ref.url).path))


async def repo_exists_any_kind(repo_id: str, lookups: Lookups) -> bool | None:
    unknown = False
    for kind in REPO_KINDS:
        found = exists(await lookups.repo(kind, repo_id))
        if found:
            return True
        unknown = unknown or found is None
    return None if unknown else False


def _verdict(bad: list[str], unknown: list[str], ok_detail: str) -> tuple[bool | None, str]:
    if bad:
        return False, "; ".join(bad + [f"unverified: {u}" for u in unknown])
    if unknown:
        return None, "could not verify: " + ", ".join(unknown)
    return True, ok_detail


class CitedUrls(Check):
    """Every Hugging Face URL in the answer resolves on the Hub; at least ``min_count`` of them (of ``kinds``)."""

    type: Literal["cited_urls"]
    min_count: int = Field(1, ge=0)
    kinds: list[Literal["model", "dataset", "space", "paper", "collection", "job", "account", "page"]] | None = None

    def describe(self) -> str:
        kinds = "/".join(self.kinds) if self.kinds else "HF"
        return self.label or f"cited {kinds} URLs resolve (at least {self.min_count})"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        refs = hf_refs(turn.answer, lookups.hf_hosts)
        bad, unknown, good = [], [], 0
        for ref in refs:
            found = await resolve(ref, lookups)
            if found is False:
                bad.append(f"{ref.url} does not resolve ({ref.kind} {ref.ident})")
            elif found is None:
                unknown.append(ref.url)
            elif self.kinds is None or ref.kind in self.kinds:
                good += 1
        if not bad and good < self.min_count:
            bad.append(f"{good} resolving URL(s) of the expected kinds, expected at least {self.min_count}")
        passed, detail = _verdict(bad, unknown, f"{len(refs)} URL(s) resolve")
        return self.result(turn, passed, detail)


class ReposExist(Check):
    """The repos the task expects are named in the answer and exist (``repos``: ids, ``dataset:``/``space:``
    prefixed for those kinds); every repo id the answer names in code (inline spans, string literals in code
    blocks) exists too."""

    type: Literal["repos_exist"]
    repos: list[str] = Field(default_factory=list)
    named: bool = True

    def describe(self) -> str:
        return self.label or "named repos exist"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        bad, unknown, checked = [], [], 0
        for entry in self.repos:
            kind, _, repo_id = entry.rpartition(":")
            kind = kind or "model"
            if repo_id.lower() not in turn.answer.lower():
                bad.append(f"{repo_id} is not named")
                continue
            found = exists(await lookups.repo(kind, repo_id))
            checked += 1
            if found is False:
                bad.append(f"{kind} {repo_id} does not exist")
            elif found is None:
                unknown.append(repo_id)
        if self.named:
            listed = {entry.rpartition(":")[2].lower() for entry in self.repos}
            for repo_id in named_repo_ids(turn.answer, [b.code for b in code_blocks(turn.answer)]):
                if repo_id.lower() in listed:
                    continue
                found = await repo_exists_any_kind(repo_id, lookups)
                checked += 1
                if found is False:
                    bad.append(f"{repo_id} does not exist on the Hub")
                elif found is None:
                    unknown.append(repo_id)
        passed, detail = _verdict(bad, unknown, f"{checked} repo(s) exist")
        return self.result(turn, passed, detail)


_SPLIT_WORDS = "train|test|validation|valid|dev|eval"
_SPLIT_LIKE = re.compile(rf"^(?:(?:{_SPLIT_WORDS})(?:[_-][A-Za-z0-9]+)*|[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*_(?:{_SPLIT_WORDS}))$")
_INLINE = re.compile(r"`([A-Za-z0-9_-]{2,64})`")
_COMPOUND = re.compile(rf"(?<![\w.-])((?:{_SPLIT_WORDS})_[A-Za-z0-9_]+|[A-Za-z0-9]+_(?:{_SPLIT_WORDS}))(?![\w-])"
                       r"(?!\s*[=(.\[])")
# Identifiers of training code that look like compound split names (``train_dataset=...``, ``eval_steps``).
_NOT_SPLITS = re.compile(r"_(?:dataset|datasets|data|batch|batch_size|size|loss|steps|step|args|file|files|path|config|"
                         r"fn|func|samples|runtime|epochs|time|results?|metrics|accuracy|set|split|splits|strategy|"
                         r"ratio|kwargs|dir|examples|len|length|mode)$")
_BEFORE_SPLIT = re.compile(rf"(?<![\w-])({_SPLIT_WORDS})\s+splits?\b", re.IGNORECASE)


def claimed_splits(text: str) -> set[str]:
    """Names the answer presents as split names: split-shaped words in inline code, compound names such as
    ``train_sft`` (not identifiers of code such as ``train_dataset=``), and a plain word followed by "split". Plain
    prose ("train a model", "a smoke test") is not."""
    found = {m.group(1) for m in _INLINE.finditer(text) if _SPLIT_LIKE.match(m.group(1))}
    found |= {m.group(1) for m in _COMPOUND.finditer(text) if not _NOT_SPLITS.search(m.group(1))}
    found |= {m.group(1).lower() for m in _BEFORE_SPLIT.finditer(text)}
    return found


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


class DatasetSplits(Check):
    """The answer names the dataset's real splits, as datasets-server lists them: the ``must_include`` ones (each
    checked to be real) and at least ``at_least`` in all, and no split name the dataset does not have."""

    type: Literal["dataset_splits"]
    dataset: str
    must_include: list[str] = Field(default_factory=list)
    at_least: int = Field(1, ge=0)

    def describe(self) -> str:
        return self.label or f"split names of {self.dataset} are the real ones"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        answer = await lookups.splits(self.dataset)
        if exists(answer) is not True or "splits" not in answer:
            return self.result(turn, None if exists(answer) is None else False,
                               f"datasets-server has no splits for {self.dataset} (status {answer.get('status')})")
        real: list[str] = answer["splits"]
        problems = [f"the task expects {name}, which datasets-server does not list" for name in self.must_include
                    if name not in real]
        problems += [f"{name} is not named" for name in self.must_include if name in real
                     and not mentions(turn.answer, name)]
        named = [name for name in real if mentions(turn.answer, name)]
        if len(named) < self.at_least:
            problems.append(f"{len(named)} real split(s) named, expected at least {self.at_least}")
        wrong = sorted(claimed_splits(turn.answer) - set(real))
        if wrong:
            problems.append(f"names split(s) {', '.join(wrong)} that {self.dataset} does not have "
                            f"(real: {', '.join(real)})")
        return self.result(turn, not problems, "; ".join(problems) or f"named {', '.join(named)}")


def _job_ref(artifact: dict[str, Any]) -> tuple[str, str] | None:
    parts = [p for p in urlsplit(artifact.get("url", "")).path.split("/") if p]
    if len(parts) >= 3 and parts[-3] == "jobs":
        return parts[-2], parts[-1]
    return None


class JobCompleted(Check):
    """The turn's HF Jobs (its ``hf_job`` artifacts) ended COMPLETED, as the Hub's jobs API says: the ``last``
    launched (default), ``all`` or ``any`` of them."""

    type: Literal["job_completed"]
    which: Literal["last", "all", "any"] = "last"

    def describe(self) -> str:
        return self.label or f"{self.which} job(s) COMPLETED"

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        jobs = [ref for ref in (_job_ref(a) for a in turn.artifacts if a.get("type") == "hf_job") if ref]
        if not jobs:
            return self.result(turn, False, "the turn launched no job")
        chosen = jobs[-1:] if self.which == "last" else jobs
        stages = []
        for namespace, job_id in chosen:
            answer = await lookups.job(namespace, job_id)
            stages.append((job_id, answer.get("stage") if exists(answer) else None, answer.get("message")))
        done = [stage == "COMPLETED" for _, stage, _ in stages]
        detail = ", ".join(f"{job_id}: {stage or 'unknown'}" + (f" ({message})" if message and stage != "COMPLETED"
                                                                 else "") for job_id, stage, message in stages)
        if any(stage is None for _, stage, _ in stages) and not (self.which == "any" and any(done)):
            return self.result(turn, None, detail)
        return self.result(turn, any(done) if self.which == "any" else all(done), detail)


class ExpectedArtifact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["hf_job", "trackio_dashboard", "model", "dataset", "space", "collection"]
    repo_id: str | None = Field(None, description="The repo (or Space of a dashboard) it must be.")


class Artifacts(Check):
    """Artifacts of the expected types are listed on the response, and the Hub resources they name exist."""

    type: Literal["artifacts"]
    expect: list[ExpectedArtifact] = Field(..., min_length=1)

    def describe(self) -> str:
        return self.label or "artifacts " + ", ".join(e.type for e in self.expect)

    async def evaluate(self, turn: TurnView, lookups: Lookups) -> CheckResult:
        bad, unknown = [], []
        for expected in self.expect:
            matching = [a for a in turn.artifacts if a.get("type") == expected.type and (
                expected.repo_id is None
                or (a.get("repo_id") or a.get("space_id") or "").lower() == expected.repo_id.lower())]
            if not matching:
                bad.append(f"no {expected.type} artifact" + (f" {expected.repo_id}" if expected.repo_id else ""))
                continue
            artifact = matching[-1]
            if expected.type in REPO_KINDS or expected.type == "trackio_dashboard":
                kind = "space" if expected.type == "trackio_dashboard" else expected.type
                ident = artifact.get("repo_id") or artifact.get("space_id") or ""
                found = exists(await lookups.repo(kind, ident))
            elif expected.type == "collection":
                ident = artifact.get("slug") or ""
                found = exists(await lookups.collection(ident))
            else:
                continue  # a job's outcome is job_completed's business
            if found is False:
                bad.append(f"{expected.type} {ident} does not exist on the Hub")
            elif found is None:
                unknown.append(ident)
        passed, detail = _verdict(bad, unknown, f"{len(self.expect)} artifact(s) present")
        return self.result(turn, passed, detail)

