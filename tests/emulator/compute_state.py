"""Emulator state for HF Jobs, scheduled jobs, collections and repo contents (hung off ``EmulatorState.compute``).

Job lifecycles run on the real clock with short durations: a job is SCHEDULING, then RUNNING, then reaches its
result. Directives in the job's environment (or as ``NAME=value`` words in its command, or inside a base64-encoded
inline script held in an env var whose name ends in ``_B64``) shape the simulation:

- ``EMULATOR_JOB_SECONDS`` (default 1.0): running time; ``EMULATOR_JOB_SCHEDULING_SECONDS`` (default 0.2).
- ``EMULATOR_JOB_RESULT``: ``COMPLETED`` (default) or ``ERROR``.
- ``EMULATOR_JOB_LOG_LINES``: extra numbered ``step i/N`` log lines.
- ``EMULATOR_JOB_CREATES_REPO``: ``alice/my-model`` (or ``dataset:alice/x``, ``space:alice/x``). On success the job
  creates that repo with the ``HF_TOKEN`` secret's account (no valid token → the job ends in ERROR with a 401 in its
  logs) and adds it to the collection named by the ``ML_INTERN_COLLECTION_SLUG`` env var.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

TERMINAL = ("COMPLETED", "ERROR", "CANCELED", "DELETED")
_DIRECTIVE = re.compile(r"\b(EMULATOR_JOB_[A-Z_]+)=([^\s'\";&|]+)")

# name -> (pretty name, cpu, ram, accelerator or None, USD per hour)
HARDWARE: dict[str, tuple[str, str, str, dict[str, str] | None, float]] = {
    "cpu-basic": ("CPU Basic", "2 vCPU", "16 GB", None, 0.01),
    "cpu-upgrade": ("CPU Upgrade", "8 vCPU", "32 GB", None, 0.03),
    "t4-small": ("Nvidia T4 - small", "4 vCPU", "15 GB", {"model": "T4", "quantity": "1", "vram": "16 GB"}, 0.40),
    "t4-medium": ("Nvidia T4 - medium", "8 vCPU", "30 GB", {"model": "T4", "quantity": "1", "vram": "16 GB"}, 0.60),
    "l4x1": ("1x Nvidia L4", "8 vCPU", "30 GB", {"model": "L4", "quantity": "1", "vram": "24 GB"}, 0.80),
    "l4x4": ("4x Nvidia L4", "48 vCPU", "186 GB", {"model": "L4", "quantity": "4", "vram": "96 GB"}, 3.80),
    "a10g-small": ("Nvidia A10G - small", "4 vCPU", "15 GB", {"model": "A10G", "quantity": "1", "vram": "24 GB"},
                   1.00),
    "a10g-large": ("Nvidia A10G - large", "12 vCPU", "46 GB", {"model": "A10G", "quantity": "1", "vram": "24 GB"},
                   1.50),
    "a10g-largex2": ("2x Nvidia A10G - large", "24 vCPU", "92 GB",
                     {"model": "A10G", "quantity": "2", "vram": "48 GB"}, 3.00),
    "a10g-largex4": ("4x Nvidia A10G - large", "48 vCPU", "184 GB",
                     {"model": "A10G", "quantity": "4", "vram": "96 GB"}, 5.00),
    "a100-large": ("Nvidia A100 - large", "12 vCPU", "142 GB", {"model": "A100", "quantity": "1", "vram": "80 GB"},
                   2.50),
    "v5e-1x1": ("Google TPU v5e - 1x1", "22 vCPU", "44 GB", None, 1.20),
    "v5e-2x2": ("Google TPU v5e - 2x2", "112 vCPU", "186 GB", None, 4.75),
    "v5e-2x4": ("Google TPU v5e - 2x4", "224 vCPU", "380 GB", None, 9.50),
}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts % 1 * 1000):03d}Z"


def hardware_payload(prices: dict[str, float]) -> list[dict[str, Any]]:
    """``GET /api/jobs/hardware``: costs per minute, as the Hub reports them (``prices`` in USD per hour)."""
    out = []
    for name, (pretty, cpu, ram, accel, _list_price) in HARDWARE.items():
        per_hour = prices.get(name, _list_price)
        micro_per_minute = round(per_hour / 60 * 1_000_000)
        accelerator = None
        if accel is not None:
            accelerator = {"type": "gpu", "manufacturer": "Nvidia", **accel}
        elif name.startswith("v5e"):
            accelerator = {"type": "tpu", "model": "v5e", "quantity": name.split("-")[1], "vram": "16 GB",
                           "manufacturer": "Google"}
        out.append({"name": name, "prettyName": pretty, "cpu": cpu, "ram": ram, "ephemeralStorage": "50 GB",
                    "accelerator": accelerator, "unitCostMicroUSD": micro_per_minute,
                    "unitCostUSD": micro_per_minute / 1_000_000, "unitLabel": "minute"})
    return out


def directives(spec: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    env = spec.get("environment") or {}
    texts = [str(part) for part in spec.get("command") or []] + [str(a) for a in spec.get("arguments") or []]
    for key, value in env.items():
        if key.endswith("_B64"):
            try:
                texts.append(base64.b64decode(str(value), validate=True).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                pass
    for text in texts:
        for name, value in _DIRECTIVE.findall(text):
            found[name] = value
    for key, value in env.items():
        if key.startswith("EMULATOR_JOB_"):
            found[key] = str(value)
    return found


def _float(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


@dataclass
class EmulatedJob:
    id: str
    namespace: str
    owner_type: str
    initiator: str
    spec: dict[str, Any]
    created_wall: float
    created_mono: float
    scheduling_s: float
    running_s: float
    result: str
    message: str | None
    lines: list[tuple[float, str]]        # (offset from running start, text)
    creates_repo: tuple[str, str] | None  # (kind, repo_id)
    collection_slug: str | None
    pusher: str | None                    # account name that pushes the repo (from the HF_TOKEN secret)
    canceled_at: float | None = None      # monotonic
    effects_applied: bool = False

    # ------------------------------------------------------------------ clock

    @property
    def end_offset(self) -> float:
        """Seconds from creation to the natural end (timeout included)."""
        run = self.running_s
        timeout = self.spec.get("timeoutSeconds")
        if timeout and run > float(timeout):
            run = float(timeout)
        return self.scheduling_s + run

    def elapsed(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        elapsed = now - self.created_mono
        if self.canceled_at is not None:
            elapsed = min(elapsed, self.canceled_at - self.created_mono)
        return elapsed

    def stage(self, now: float | None = None) -> str:
        elapsed = self.elapsed(now)
        if self.canceled_at is not None and self.canceled_at - self.created_mono < self.end_offset:
            return "CANCELED"
        if elapsed < self.scheduling_s:
            return "SCHEDULING"
        if elapsed < self.end_offset:
            return "RUNNING"
        return self.final_result

    @property
    def timed_out(self) -> bool:
        timeout = self.spec.get("timeoutSeconds")
        return bool(timeout) and self.running_s > float(timeout)

    @property
    def final_result(self) -> str:
        return "ERROR" if self.timed_out else self.result

    def visible_lines(self, now: float | None = None) -> list[tuple[float, str]]:
        """(wall timestamp, text) of the log lines emitted so far."""
        elapsed = self.elapsed(now)
        if elapsed < self.scheduling_s:
            return []
        run_elapsed = min(elapsed, self.end_offset) - self.scheduling_s
        start = self.created_wall + self.scheduling_s
        out = [(start + offset, text) for offset, text in self.lines if offset <= run_elapsed]
        if self.timed_out and elapsed >= self.end_offset:
            out.append((start + run_elapsed, "Job timeout: the job exceeded its maximum duration."))
        return out

    def payload(self, now: float | None = None) -> dict[str, Any]:
        now_mono = time.monotonic() if now is None else now
        stage = self.stage(now_mono)
        elapsed = self.elapsed(now_mono)
        body: dict[str, Any] = {
            "id": self.id,
            "createdAt": iso(self.created_wall),
            "command": self.spec.get("command") or [],
            "arguments": self.spec.get("arguments") or [],
            "environment": self.spec.get("environment") or {},
            # Secret values are never returned: names only.
            "secrets": {name: None for name in (self.spec.get("secrets") or {})},
            "flavor": self.spec.get("flavor") or "cpu-basic",
            "labels": self.spec.get("labels") or None,
            "status": {"stage": stage, "message": self.status_message(stage)},
            "owner": {"id": _object_id(self.namespace), "name": self.namespace, "type": self.owner_type},
            "initiator": {"type": "user", "id": _object_id(self.initiator), "name": self.initiator},
            "durations": {
                "schedulingSecs": int(min(elapsed, self.scheduling_s)) if elapsed >= self.scheduling_s else None,
                "runningSecs": int(max(0.0, min(elapsed, self.end_offset) - self.scheduling_s))
                if elapsed >= self.scheduling_s else None,
                "totalSecs": int(elapsed),
            },
        }
        if self.spec.get("timeoutSeconds"):
            body["timeout"] = self.spec["timeoutSeconds"]
        if self.spec.get("spaceId"):
            body["spaceId"] = self.spec["spaceId"]
        else:
            body["dockerImage"] = self.spec.get("dockerImage")
        if elapsed >= self.scheduling_s:
            body["startedAt"] = iso(self.created_wall + self.scheduling_s)
        if stage in TERMINAL:
            body["finishedAt"] = iso(self.created_wall + elapsed if stage == "CANCELED"
                                     else self.created_wall + self.end_offset)
        return body

    def status_message(self, stage: str) -> str | None:
        if stage == "ERROR":
            return "Job timeout" if self.timed_out else (self.message or "Job failed with exit code: 1")
        if stage == "CANCELED":
            return "Job canceled by user"
        return None


def _object_id(name: str) -> str:
    import hashlib

    return hashlib.sha1(name.encode()).hexdigest()[:24]


def _log_script(found: dict[str, str], result: str, creates: tuple[str, str] | None,
                push_error: str | None, hub_url_hint: str) -> list[str]:
    lines = [
        "===== Job started =====",
        "Installed 12 packages in 41ms",
        "Downloading data: 100%|██████████| 1.21M/1.21M [00:00<00:00, 9.10MB/s]",
        "Map:   0%|          | 0/1000 [00:00<?, ? examples/s]\rMap:  50%|█████     | 500/1000 "
        "[00:00<00:00, 4980.12 examples/s]\rMap: 100%|██████████| 1000/1000 [00:00<00:00, 5012.40 examples/s]",
        " 10%|█         | 1/10 [00:01<00:09,  1.00s/it]",
        " 50%|█████     | 5/10 [00:05<00:05,  1.00s/it]",
        "{'loss': 0.6931, 'grad_norm': 1.234, 'learning_rate': 5e-05, 'epoch': 1.0}",
    ]
    extra = int(_float(found.get("EMULATOR_JOB_LOG_LINES"), 0))
    lines += [f"step {i}/{extra}" for i in range(1, extra + 1)]
    if result == "ERROR":
        lines += ["Traceback (most recent call last):", '  File "/tmp/script.py", line 12, in <module>',
                  "RuntimeError: emulated failure (EMULATOR_JOB_RESULT=ERROR)"]
        return lines
    lines.append("{'eval_loss': 0.4101, 'eval_accuracy': 0.8625, 'epoch': 1.0}")
    if creates is not None:
        if push_error:
            lines += ["Traceback (most recent call last):", f"huggingface_hub.errors.HfHubHTTPError: {push_error}"]
        else:
            kind, repo_id = creates
            prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[kind]
            lines.append(f"Pushed {kind} to {hub_url_hint}/{prefix}{repo_id}")
    lines.append("Training complete.")
    return lines


@dataclass
class ScheduledJob:
    id: str
    namespace: str
    owner_type: str
    spec: dict[str, Any]
    schedule: str
    suspend: bool
    concurrency: bool
    created_wall: float

    def payload(self) -> dict[str, Any]:
        spec = dict(self.spec)
        spec["secrets"] = {name: None for name in (self.spec.get("secrets") or {})}
        next_run = None if self.suspend else next_run_at(self.schedule, time.time())
        return {
            "id": self.id,
            "createdAt": iso(self.created_wall),
            "jobSpec": spec,
            "schedule": self.schedule,
            "suspend": self.suspend,
            "concurrency": self.concurrency,
            "status": {"lastJob": None, "nextJobRunAt": iso(next_run) if next_run else None},
            "owner": {"id": _object_id(self.namespace), "name": self.namespace, "type": self.owner_type},
        }


PRESETS = {"@annually": "0 0 1 1 *", "@yearly": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
           "@daily": "0 0 * * *", "@hourly": "0 * * * *"}
_CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]


def _cron_field(text: str, low: int, high: int) -> set[int] | None:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, _, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) == 0:
                return None
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, _, b = part.partition("-")
            if not (a.isdigit() and b.isdigit()):
                return None
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
        else:
            return None
        if start < low or end > high or start > end:
            return None
        values.update(range(start, end + 1, step))
    return values


def parse_schedule(schedule: str) -> list[set[int]] | None:
    expr = PRESETS.get(schedule.strip(), schedule.strip())
    fields = expr.split()
    if len(fields) != 5:
        return None
    parsed = [_cron_field(f, lo, hi) for f, (lo, hi) in zip(fields, _CRON_RANGES)]
    return None if any(p is None for p in parsed) else parsed  # type: ignore[return-value]


def next_run_at(schedule: str, now: float) -> float | None:
    """The next minute matching the cron expression (searched up to ~1 year ahead)."""
    parsed = parse_schedule(schedule)
    if parsed is None:
        return None
    minutes, hours, days, months, weekdays = parsed
    t = datetime.fromtimestamp(now, tz=timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24):
        if t.month in months and t.day in days and (t.weekday() + 1) % 7 in weekdays and t.hour in hours:
            for minute in sorted(minutes):
                if minute >= t.minute:
                    return t.replace(minute=minute).timestamp()
        t = (t + timedelta(hours=1)).replace(minute=0)
    return None


@dataclass
class EmulatedCollection:
    slug: str
    namespace: str
    owner_type: str
    title: str
    description: str | None
    private: bool
    created_wall: float
    items: list[dict[str, Any]] = field(default_factory=list)  # {"_id", "id", "type", "note"}
    updated_wall: float = 0.0


@dataclass
class ComputeState:
    """Jobs, scheduled jobs, collections and the files of repos written through the emulator."""

    jobs: dict[str, EmulatedJob] = field(default_factory=dict)
    # USD per hour by flavor, served by /api/jobs/hardware (tests may change them).
    hardware_prices: dict[str, float] = field(default_factory=lambda: {k: v[4] for k, v in HARDWARE.items()})
    scheduled: dict[str, ScheduledJob] = field(default_factory=dict)
    collections: dict[str, EmulatedCollection] = field(default_factory=dict)
    # (kind, repo_id) -> {path: bytes}
    repo_files: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    # Commits made to repos: (kind, repo_id, summary, paths)
    commits: list[dict[str, Any]] = field(default_factory=list)

    def new_job(self, *, namespace: str, owner_type: str, initiator: str, spec: dict[str, Any],
                token_account: str | None, hub_url_hint: str) -> EmulatedJob:
        found = directives(spec)
        result = found.get("EMULATOR_JOB_RESULT", "COMPLETED").upper()
        if result not in ("COMPLETED", "ERROR"):
            result = "COMPLETED"
        creates = None
        if raw := found.get("EMULATOR_JOB_CREATES_REPO"):
            kind, _, repo_id = raw.rpartition(":")
            creates = (kind or "model", repo_id)
        push_error = None
        if creates is not None and result == "COMPLETED" and token_account is None:
            push_error = "401 Client Error: Unauthorized (no valid HF_TOKEN in the job's secrets)"
        lines = _log_script(found, result, creates, push_error, hub_url_hint)
        if push_error:
            result = "ERROR"
        running_s = _float(found.get("EMULATOR_JOB_SECONDS"), 1.0)
        step = running_s / max(1, len(lines))
        job = EmulatedJob(
            id=secrets.token_hex(12), namespace=namespace, owner_type=owner_type, initiator=initiator, spec=spec,
            created_wall=time.time(), created_mono=time.monotonic(),
            scheduling_s=_float(found.get("EMULATOR_JOB_SCHEDULING_SECONDS"), 0.2), running_s=running_s,
            result=result, message="Job failed with exit code: 1" if result == "ERROR" else None,
            lines=[(i * step, text) for i, text in enumerate(lines)],
            creates_repo=creates if push_error is None else None,
            collection_slug=(spec.get("environment") or {}).get("ML_INTERN_COLLECTION_SLUG"),
            pusher=token_account)
        self.jobs[job.id] = job
        return job
