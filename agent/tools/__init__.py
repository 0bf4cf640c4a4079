"""The agent's tools. ``default_tools`` is the registry the loop offers the model."""

from __future__ import annotations

from agent.tools.base import Tool, ToolContext, ToolFailure, ToolResult, truncate
from agent.tools.repos.collection import SessionCollections
from agent.tools.compute import compute_tools
from agent.tools.research.hub import HubRepoDetails, HubSearch
from agent.tools.plan import PlanTool
from agent.tools.research.registry import research_tools
from agent.tools.research.subagent import ResearchAgent


def default_tools(collections: SessionCollections | None = None, code_runner=None) -> list[Tool]:
    """Build once per process: the tools hold per-process caches (hardware prices, collection slugs) and the
    code-mode interpreter pool (``code_runner``, a ``MontyRunner``; created lazily when not given)."""
    lookups = [HubSearch(), HubRepoDetails(), *research_tools(code_runner)]
    return [PlanTool(), *lookups, ResearchAgent(lookups), *compute_tools(collections=collections)]


__all__ = ["Tool", "ToolContext", "ToolFailure", "ToolResult", "truncate", "default_tools"]
