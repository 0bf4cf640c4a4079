"""Automatic checks. A task file lists them by ``type``; each is a typed model whose ``evaluate`` applies it to one
turn. Adding a check: a model here with a ``type`` literal, added to ``CheckSpec``, documented in docs/evals.md."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from evals.checks.base import CheckResult, Lookups, TurnView
from evals.checks.hub import Artifacts, CitedUrls, DatasetSplits, JobCompleted, ReposExist
from evals.checks.run import BudgetPause, StatusCheck, ToolsUsed
from evals.checks.text import CodeParses, Facts, WordLimit

CheckSpec = Annotated[Union[
    StatusCheck, WordLimit, Facts, CodeParses, CitedUrls, ReposExist, DatasetSplits, JobCompleted, Artifacts,
    ToolsUsed, BudgetPause,
], Field(discriminator="type")]

__all__ = ["CheckSpec", "CheckResult", "Lookups", "TurnView", "StatusCheck"]
