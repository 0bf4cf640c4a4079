"""Operational metrics, exposed at ``/metrics`` in the Prometheus text format (prometheus_client).

One registry per service (no process-global state). Labels are closed sets only — model ids from the settings'
supported list, tool names, statuses — never a token, an account, an id or free text.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from agent import events as ev

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Seconds; the low end resolves the relay path (target p99 < 50 ms), the high end long model calls and tools.
FAST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
OTHER = "other"


class Metrics:
    def __init__(self, models: tuple[str, ...] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._models = frozenset(models)
        r = self.registry
        self.stream_lag = Histogram(
            "ml_intern_stream_lag_seconds", "From a text or reasoning delta's arrival from the model to its write "
            "on a client's event stream.", registry=r, buckets=FAST_BUCKETS)
        self.first_delta = Histogram(
            "ml_intern_model_first_delta_seconds", "From a model call's start to its first text or reasoning delta.",
            ["model"], registry=r, buckets=SLOW_BUCKETS)
        self.events_appended = Counter("ml_intern_events_appended_total", "Events committed to the event log.",
                                       registry=r)
        self.commit_seconds = Histogram("ml_intern_store_commit_seconds", "Duration of one (group) commit.",
                                        registry=r, buckets=FAST_BUCKETS)
        self.commit_appends = Histogram("ml_intern_store_commit_appends", "Appends committed together.",
                                        registry=r, buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500))
        self.live_sessions = Gauge("ml_intern_live_sessions", "Sessions with a runtime in memory on this replica.",
                                   registry=r)
        self.running_turns = Gauge("ml_intern_running_turns", "Turns running on this replica.", registry=r)
        self.open_streams = Gauge("ml_intern_open_streams", "Event streams open on this replica.", registry=r)
        self.turns = Counter("ml_intern_turns_total", "Turns settled, by final status.", ["status"], registry=r)
        self.model_calls = Histogram("ml_intern_model_call_seconds", "Model call duration.", ["model", "status"],
                                     registry=r, buckets=SLOW_BUCKETS)
        self.model_tokens = Counter("ml_intern_model_tokens_total", "Model tokens, by kind.", ["model", "kind"],
                                    registry=r)
        self.model_cost = Counter("ml_intern_model_cost_usd_total", "Estimated model spend in USD.", ["model"],
                                  registry=r)
        self.tool_calls = Histogram("ml_intern_tool_call_seconds", "Tool call duration.", ["tool", "status"],
                                    registry=r, buckets=SLOW_BUCKETS)
        self.recovery_seconds = Gauge("ml_intern_recovery_seconds", "Duration of the last recovery pass.",
                                      registry=r)
        self.recovered = Counter("ml_intern_recovered_turns_total", "Interrupted turns settled by recovery.",
                                 registry=r)

    def model_label(self, model: str) -> str:
        return model if model in self._models else OTHER

    def observe_events(self, events: list[dict[str, Any]]) -> None:
        """Figures carried by a committed batch of a turn's events (its owner replica observes each once)."""
        for event in events:
            if event["type"] == ev.LLM_CALL or event["type"] in ev.STREAM_END_EVENTS:
                self._observe_event(event)

    def _observe_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == ev.LLM_CALL:
            model = self.model_label(str(event.get("model", "")))
            status = "ok" if event.get("status") == "ok" else "error"
            if "duration_ms" in event:
                self.model_calls.labels(model, status).observe(event["duration_ms"] / 1000)
            for token_kind in ("input", "output", "reasoning", "cached"):
                count = event.get(f"{token_kind}_tokens") or 0
                if count:
                    self.model_tokens.labels(model, token_kind).inc(count)
            if event.get("cost_usd"):
                self.model_cost.labels(model).inc(event["cost_usd"])
        elif kind in ev.STREAM_END_EVENTS:
            self.turns.labels(kind.rsplit(".", 1)[-1]).inc()

    def observe_commit(self, started: float, appends: int, events: int) -> None:
        self.commit_seconds.observe(time.perf_counter() - started)
        self.commit_appends.observe(appends)
        if events:
            self.events_appended.inc(events)

    def observe_tool(self, tool: str, known: bool, seconds: float, failed: bool) -> None:
        self.tool_calls.labels(tool if known else OTHER, "failed" if failed else "ok").observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
