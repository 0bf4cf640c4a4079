"""The research tool family: papers, docs, dataset inspection and the code-mode Hub query."""

from __future__ import annotations

from agent.tools.base import Tool
from agent.tools.code_mode import HubQuery, MontyRunner
from agent.tools.datasets.inspect import DatasetInspect
from agent.tools.research.docs import DocsFetch, DocsSearch
from agent.tools.research.papers import PaperRead, PaperSearch


def research_tools(code_runner: MontyRunner | None = None) -> list[Tool]:
    return [PaperSearch(), PaperRead(), DocsSearch(), DocsFetch(), DatasetInspect(), HubQuery(code_runner)]
