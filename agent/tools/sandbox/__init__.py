"""The agent's sandbox: a private Docker Space per session, built from ``template/`` (a small HTTP server shipped
as real files), where the model writes, runs and debugs code before paying for a Job. No caller code runs on the
ML Intern server: every command runs in the caller's Space, as the caller, billed to the caller.

``space`` finds, creates, follows and deletes the Space; ``client`` talks to its host; ``lifecycle_tools`` and
``work_tools`` are what the model calls."""

from __future__ import annotations

from agent.tools.base import Tool
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.repos.collection import SessionCollections
from agent.tools.sandbox.lifecycle_tools import SandboxCreate, SandboxDelete
from agent.tools.sandbox.work_tools import SandboxEdit, SandboxExec, SandboxRead, SandboxWrite


def sandbox_tools(collections: SessionCollections, hardware: HardwareCatalog) -> list[Tool]:
    return [SandboxCreate(collections, hardware), SandboxExec(), SandboxRead(), SandboxWrite(), SandboxEdit(),
            SandboxDelete()]
