"""The agent's tools. ``default_tools`` is the registry the loop offers the model."""

from __future__ import annotations

from agent.tools.base import Tool, ToolContext, ToolFailure, ToolResult, truncate
from agent.tools.hub import HubRepoDetails, HubSearch


def default_tools() -> list[Tool]:
    return [HubSearch(), HubRepoDetails()]


__all__ = ["Tool", "ToolContext", "ToolFailure", "ToolResult", "truncate", "default_tools"]
