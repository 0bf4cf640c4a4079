"""The compute and Hub-write tools, wired to the shared per-process objects they need."""

from __future__ import annotations

from agent.tools.base import Tool
from agent.tools.repos.collection import SessionCollections, SessionCollectionTool
from agent.tools.jobs.launch import HfJobRun, HfJobRunUv, JobLauncher
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.jobs.monitor import (HfJobCancel, HfJobHardware, HfJobInspect, HfJobList, HfJobLogs, HfJobMetrics,
                                      HfJobWait)
from agent.tools.jobs.scheduled import HfScheduledJobCreate, HfScheduledJobManage
from agent.tools.repos.write import HubCommitFiles, HubCreateRepo
from agent.tools.jobs.trackio import TrackioDashboard
from agent.tools.sandbox import sandbox_tools


def compute_tools(hardware: HardwareCatalog | None = None,
                  collections: SessionCollections | None = None) -> list[Tool]:
    """Jobs, scheduled jobs, repo writes, the session collection, trackio dashboards and the sandbox.

    ``hardware`` caches the live price catalog and ``collections`` the session collection slugs: share one of each
    per process (build the list once) so the caches are reused.
    """
    hardware = hardware or HardwareCatalog()
    collections = collections or SessionCollections()
    launcher = JobLauncher(hardware, collections)
    return [
        HfJobRunUv(launcher), HfJobRun(launcher), HfJobWait(), HfJobLogs(), HfJobInspect(), HfJobMetrics(),
        HfJobCancel(), HfJobList(), HfJobHardware(hardware),
        HfScheduledJobCreate(launcher), HfScheduledJobManage(),
        HubCreateRepo(collections, hardware), HubCommitFiles(collections), SessionCollectionTool(collections),
        TrackioDashboard(collections), *sandbox_tools(collections, hardware),
    ]
