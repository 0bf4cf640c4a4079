"""Capacity load harness: many concurrent streams, relay overhead, GET latency under an offered rate, restart
recovery, memory per idle session, event-log append throughput.

    python -m benchmarks.load                        # full run: starts its own emulator + server as processes
    python -m benchmarks.load --quick                # smoke run, well under a minute
    python -m benchmarks.load --streams --relay      # only some scenarios
    python -m benchmarks.load --url http://host:8000 --tokens-file tokens.txt [--emulator-url URL] [--server-pid P]

Against an existing deployment (``--url``) the streaming scenarios need that deployment's router to be the
emulator (the answers are scripted); recovery needs to own the server and its database, and is skipped.
Everything runs on loopback by default, bounded in count and time. One table at the end, the same figures as
JSON (``--json``), compared with the previous run's JSON at that path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import orjson  # noqa: E402

from benchmarks.load_get import GetPlan, WorkerResult, run_open_loop  # noqa: E402
from benchmarks.load_procs import (ROOT, Deployment, EmulatorProcess, Monitors, rss_bytes,  # noqa: E402
                                   server_env, spawn_server, start_emulator, start_server)

MODEL = "moonshotai/Kimi-K2.6:novita"
STAMP_RE = re.compile(r"\[t=(\d+\.\d+)\] ")
STEADY_AFTER_S = 1.0
TEXT_DELTA_MARK = b'"type":"response.output_text.delta"'
END_MARK = re.compile(rb'"type":"response\.(?:completed|failed|incomplete|cancelled)"')
TEXT_DELTA = "response.output_text.delta"
END_EVENTS = frozenset({"response.completed", "response.failed", "response.incomplete", "response.cancelled"})
PER_ACCOUNT_LIMIT = 8  # the server allows 10 live sessions per account: stay below it
GET_RATE_PER_PROCESS = 2500  # offered per client process (2 cores here: the server needs one)
DEFAULT_JSON = ROOT / "var" / "bench" / "load-latest.json"
QUICK_JSON = ROOT / "var" / "bench" / "load-quick.json"
SCENARIOS = ("append", "streams", "relay", "get", "idle_memory", "recovery")
NEEDS_MAIN_SERVER = frozenset({"streams", "relay", "get"})


# ============================================================================ configuration

@dataclass
class Config:
    scenarios: tuple[str, ...] = SCENARIOS
    quick: bool = False
    stream_counts: tuple[int, ...] = (100, 300, 500)
    stream_chunks: int = 100          # 100 chunks 20 ms apart: 2 s of streaming per turn
    stream_delay_ms: int = 20
    stream_ramp_seconds: float = 0.5  # all streams start within this
    stream_repeats: int = 5           # waves per count: the median one is reported (one wave swings ±25% here)
    per_account: int = PER_ACCOUNT_LIMIT
    relay_chunks: tuple[int, ...] = (1000, 10000)
    relay_repeats: int = 3
    get_rates: tuple[int, ...] = (1000, 5000)
    get_seconds: float = 3.0
    get_processes: int = 0            # 0: one per GET_RATE_PER_PROCESS offered
    get_connections: int = 32         # per process
    get_drain_seconds: float = 20.0
    recovery_counts: tuple[int, ...] = (1000, 10000)
    recovery_timeout: float = 300.0
    recovery_baseline_starts: int = 2
    idle_sessions: int = 200
    idle_eviction_seconds: float = 10.0
    append_events: int = 2000
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    json_path: Path = DEFAULT_JSON
    url: str | None = None
    tokens_file: Path | None = None
    emulator_url: str | None = None
    server_pid: int | None = None

    @classmethod
    def quick_mode(cls, **overrides: Any) -> "Config":
        values: dict[str, Any] = dict(
            quick=True, stream_counts=(5,), stream_chunks=20, stream_repeats=1, relay_chunks=(100,), relay_repeats=2,
            get_rates=(200,), get_seconds=1.0, get_drain_seconds=10.0, recovery_counts=(100,), recovery_timeout=60.0,
            recovery_baseline_starts=1,
            idle_sessions=10, idle_eviction_seconds=1.0, append_events=200, json_path=QUICK_JSON)
        values.update(overrides)
        return cls(**values)

    def accounts_needed(self) -> int:
        busiest = max(self.stream_counts) if "streams" in self.scenarios else 1
        return max(16, math.ceil(busiest / self.per_account))


# ============================================================================ results and targets

Figures = dict[str, float | None]


Check = Callable[[float, Figures], bool]


@dataclass
class Target:
    text: str
    met: Check
    stretch: Check | None = None  # a further goal beyond the target
    stretch_only: bool = False    # the target itself is a stretch goal: missing it is expected for now

    def status(self, value: float | None, figures: Figures) -> str:
        if value is None:
            return "n/a"
        ok = self.met(value, figures)
        if self.stretch_only:
            return "stretch met" if ok else "stretch missed"
        if not ok:
            return "MISSED"
        return "met + stretch" if self.stretch is not None and self.stretch(value, figures) else "met"


def target_for(key: str) -> Target | None:
    """The capacity targets (GitHub issue "Capacity"), by figure name."""
    def lag_ok(prefix: str) -> Check:
        return lambda v, f: v < 50 and f.get(f"{prefix}_errors") == 0

    fixed: dict[str, Target] = {
        "streams_100_lag_p99_ms": Target("< 50 ms, 0 errors", lag_ok("streams_100")),
        "streams_500_lag_p99_ms": Target("< 50 ms, 0 errors", lag_ok("streams_500"), stretch_only=True),
        "streams_100_server_us_per_delta": Target("<= 100 us (stretch 30 us)", lambda v, f: v <= 100,
                                                  stretch=lambda v, f: v <= 30),
        "get_1000_p99_ms": Target("< 5 ms", lambda v, f: v < 5),
        "get_5000_p99_ms": Target("< 5 ms", lambda v, f: v < 5, stretch_only=True),
        "recovery_10000_extra_s": Target("< 1 s", lambda v, f: v < 1),
        "idle_session_kb": Target("< 100 KB", lambda v, f: v < 100),
        "append_sqlite_grouped_per_s": Target(">= 50,000/s", lambda v, f: v >= 50_000),
        "append_pg_grouped_per_s": Target(">= 20,000/s", lambda v, f: v >= 20_000),
    }
    if key in fixed:
        return fixed[key]
    if re.fullmatch(r"relay_\d+_ratio", key):
        return Target("<= 1.5x (stretch 1.05x)", lambda v, f: v <= 1.5, stretch=lambda v, f: v <= 1.05)
    if re.fullmatch(r"relay_\d+_first_extra_ms", key):
        return Target("<= 10 ms", lambda v, f: v <= 10)
    if key.endswith("_errors") or key.endswith("_left_open"):
        return Target("0", lambda v, f: v == 0)
    return None


class Skip(Exception):
    """A scenario that cannot run here (says why)."""


@dataclass
class Outcome:
    """What a scenario measured: figures for the table, details for the JSON only, notes for the reader."""

    figures: Figures = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class ScenarioRun:
    name: str
    outcome: Outcome
    seconds: float
    loadavg_start: tuple[float, float, float]
    loadavg_end: tuple[float, float, float]
    skipped: str | None = None
    error: str | None = None


@dataclass
class Context:
    cfg: Config
    workdir: Path
    emulator: EmulatorProcess | None   # ours (None against an external deployment)
    deployment: Deployment | None      # the main server (None when no scenario needs it)

    @property
    def dep(self) -> Deployment:
        assert self.deployment is not None
        return self.deployment


# ============================================================================ small helpers

def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def script(*steps: Any, prompt: str) -> str:
    """A user input that makes the emulated model play ``steps`` (the format of tests/conftest.py ``script``)."""
    body = json.dumps(list(steps)).replace("`", "\\u0060")
    return f"{prompt}\n```emulator-script\n{body}\n```"


def nonce() -> str:
    return secrets.token_hex(4)


def spread(tokens: list[str], count: int, per_account: int) -> list[str]:
    """``count`` tokens round-robin, at most ``per_account`` uses of any one."""
    if len(tokens) * per_account < count:
        raise Skip(f"{count} concurrent turns need {math.ceil(count / per_account)} accounts "
                   f"({per_account} each); {len(tokens)} given")
    return [tokens[i % len(tokens)] for i in range(count)]


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def http_client() -> httpx.AsyncClient:
    # One client for every concurrent stream: no connection cap, generous timeouts (a slow server is measured,
    # not cut off; each scenario bounds its own total time).
    return httpx.AsyncClient(limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
                             timeout=httpx.Timeout(120.0, connect=30.0))


def process_pids(ctx: Context) -> dict[str, int | None]:
    dep = ctx.deployment
    return {"server": dep.server_pid if dep else None, "emulator": dep.emulator_pid if dep else None,
            "client": os.getpid()}


async def complete_turn(client: httpx.AsyncClient, url: str, token: str, text: str) -> dict[str, Any]:
    """A synchronous (non-streamed) turn: the answer once the turn is over."""
    reply = await client.post(f"{url}/v1/responses", headers=auth(token),
                              json={"input": text, "wait_timeout_seconds": 120})
    reply.raise_for_status()
    return reply.json()


# ============================================================================ scenario: streams

@dataclass
class StreamResult:
    lags: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)   # each stamp's send time, in the order of ``lags``
    deltas: int = 0
    error: str | None = None


def stream_session() -> aiohttp.ClientSession:
    """The streams scenario's client: aiohttp (its C parser) and only the delta lines parsed. With httpx and a
    JSON parse per event, the load client's own event loop ran 20-40 ms late at 100 streams on a 2-core machine,
    and that lateness counted as the server's lag."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120))


async def read_stamped_stream(session: aiohttp.ClientSession, url: str, token: str, body: dict[str, Any],
                              expected: int, start_delay: float) -> StreamResult:
    await asyncio.sleep(start_delay)
    result, buffer, status = StreamResult(), "", None
    try:
        async with session.post(f"{url}/v1/responses", json=body, headers=auth(token)) as reply:
            if reply.status != 200:
                await reply.read()
                result.error = f"http {reply.status}"
                return result
            rest = b""
            async for data in reply.content.iter_any():  # (not by line: an end event may exceed its line limit)
                received = time.time()
                lines = (rest + data).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    if not line.startswith(b"data: ") or not (TEXT_DELTA_MARK in line or END_MARK.search(line)):
                        continue
                    event = orjson.loads(line[6:])
                    if event["type"] == TEXT_DELTA:
                        result.deltas += 1
                        # A stamp split over two deltas completes in the next one: keep the unmatched tail.
                        buffer += event["delta"]
                        end = 0
                        for match in STAMP_RE.finditer(buffer):
                            sent = float(match.group(1))
                            result.sent.append(sent)
                            result.lags.append(received - sent)
                            end = match.end()
                        buffer = buffer[end:]
                    elif event["type"] in END_EVENTS:
                        status = event["response"]["status"]
    except (aiohttp.ClientError, asyncio.TimeoutError, orjson.JSONDecodeError, KeyError) as exc:
        result.error = f"exception {type(exc).__name__}"
        return result
    if status is None:
        result.error = "no end event"
    elif status != "completed":
        result.error = f"status {status}"
    elif len(result.lags) != expected:
        result.error = "missing stamps"
    return result


async def warm_up(client: aiohttp.ClientSession, dep: Deployment) -> None:
    """One short streamed turn per account: token checks cached, lazy imports and pools warm in the server."""
    def body() -> dict[str, Any]:
        return {"input": script({"stamped": 2, "delay_ms": 1}, prompt=f"Warm-up {nonce()}."), "stream": True}

    results = await asyncio.gather(*(read_stamped_stream(client, dep.url, t, body(), 2, 0) for t in dep.tokens))
    failed = [r.error for r in results if r.error]
    if failed:
        raise RuntimeError(f"warm-up failed for {len(failed)} account(s): {Counter(failed).most_common(3)}")


async def stream_wave(client: aiohttp.ClientSession, ctx: Context, count: int) -> Outcome:
    """``count`` streams of ``stream_chunks`` paced chunks, ``stream_repeats`` times. Each time, first the same
    turns with one chunk each: the server CPU of the full wave minus theirs, per extra delta, is what relaying a
    delta costs (turn set-up excluded). One wave's figures swing by a quarter on this shared machine, so the
    figures reported are the median wave's (by lag p99) and the median CPU per delta; every wave's are kept in
    the details."""
    key = f"streams_{count}"
    waves: list[Outcome] = []
    per_delta: list[float] = []
    for _ in range(max(1, ctx.cfg.stream_repeats)):
        baseline = await timed_wave(client, ctx, count, chunks=1)
        out = await timed_wave(client, ctx, count, chunks=ctx.cfg.stream_chunks)
        cpu, base_cpu = out.details[key].get("server_cpu_s"), baseline.details[key].get("server_cpu_s")
        extra_deltas = out.details[key]["deltas"] - baseline.details[key]["deltas"]
        out.details[key]["baseline_one_chunk"] = baseline.details[key]
        if cpu is not None and base_cpu is not None and extra_deltas > 0:
            per_delta.append(round(1e6 * (cpu - base_cpu) / extra_deltas, 1))
        waves.append(out)
    return median_wave(key, waves, per_delta)


def median_wave(key: str, waves: list[Outcome], per_delta: list[float]) -> Outcome:
    """The wave with the median lag p99 (the lower middle of an even count) and the median CPU per delta; errors
    of every wave count; each wave's figures go to the details."""
    lag_key = f"{key}_lag_p99_ms"
    ranked = sorted(waves, key=lambda w: w.figures.get(lag_key) or float("inf"))
    median = ranked[(len(ranked) - 1) // 2]
    out = Outcome(figures=dict(median.figures), details=dict(median.details),
                  notes=[note for wave in waves for note in wave.notes])
    if per_delta:
        out.figures[f"{key}_server_us_per_delta"] = statistics.median(per_delta)
    out.details[key] = {**out.details.get(key, {}), "us_per_delta_each_wave": per_delta, "waves": [
        {"lag_p99_ms": w.figures.get(lag_key), "steady_lag_p99_ms": w.figures.get(f"{key}_steady_lag_p99_ms"),
         "errors": w.figures.get(f"{key}_errors")} for w in waves]}
    out.figures[f"{key}_errors"] = float(sum(w.figures.get(f"{key}_errors") or 0 for w in waves))
    return out


async def timed_wave(client: aiohttp.ClientSession, ctx: Context, count: int, *, chunks: int) -> Outcome:
    cfg, dep = ctx.cfg, ctx.dep
    tokens = spread(dep.tokens, count, cfg.per_account)
    tag = nonce()
    bodies = [{"input": script({"stamped": chunks, "delay_ms": cfg.stream_delay_ms},
                               prompt=f"Load stream {tag} #{i}."), "stream": True} for i in range(count)]
    bound = chunks * cfg.stream_delay_ms / 1000 + cfg.stream_ramp_seconds + 120
    started = time.perf_counter()
    loop_lags: list[float] = []
    probe = asyncio.create_task(probe_loop_lag(loop_lags))
    with Monitors(process_pids(ctx)) as monitors:
        tasks = [asyncio.create_task(read_stamped_stream(client, dep.url, token, body, chunks,
                                                         i * cfg.stream_ramp_seconds / count))
                 for i, (token, body) in enumerate(zip(tokens, bodies))]
        done, pending = await asyncio.wait(tasks, timeout=bound)
        for task in pending:
            task.cancel()
    probe.cancel()
    wall = time.perf_counter() - started
    results = [t.result() for t in done]
    return stream_figures(count, results, len(pending), wall, monitors, loop_lags)


async def probe_loop_lag(lags: list[float], period: float = 0.01) -> None:
    """How late the client's own event loop runs a 10 ms timer: a stamp's lag includes this much that is the
    client's, not the server's."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(period)
        lags.append(time.perf_counter() - started - period)


def stream_figures(count: int, results: list[StreamResult], timed_out: int, wall: float,
                   monitors: Monitors, loop_lags: list[float]) -> Outcome:
    lags = [lag for r in results for lag in r.lags]
    # Once streaming: each stream's stamps after its first second (the start-up burst of all turns excluded).
    steady = [lag for r in results if r.sent for sent, lag in zip(r.sent, r.lags) if sent - r.sent[0] >= STEADY_AFTER_S]
    errors = Counter(r.error for r in results if r.error)
    if timed_out:
        errors["timed out"] += timed_out
    deltas = sum(r.deltas for r in results)
    usage = monitors.figures()
    key = f"streams_{count}"
    out = Outcome()
    out.figures.update({
        f"{key}_lag_p50_ms": ms(percentile(lags, 50)), f"{key}_lag_p95_ms": ms(percentile(lags, 95)),
        f"{key}_lag_p99_ms": ms(percentile(lags, 99)), f"{key}_steady_lag_p99_ms": ms(percentile(steady, 99)),
        f"{key}_errors": float(sum(errors.values())),
        f"{key}_deltas_per_s": round(deltas / wall, 1), f"{key}_wall_s": round(wall, 2),
        f"{key}_server_cpu_pct": usage.get("server_cpu_pct"),
        f"{key}_server_peak_cpu_pct": usage.get("server_peak_cpu_pct"),
        f"{key}_server_peak_rss_mb": usage.get("server_peak_rss_mb"),
    })
    client_lag_p99 = ms(percentile(loop_lags, 99))
    out.details[key] = {"lag_max_ms": ms(max(lags)) if lags else None, "stamps": len(lags), "deltas": deltas,
                        "errors_by_kind": dict(errors), "client_loop_lag_p99_ms": client_lag_p99, **usage}
    if errors:
        out.notes.append(f"streams {count}: errors {dict(errors)}")
    if usage["machine_busy_pct"] > 90:
        out.notes.append(f"streams {count}: the machine's CPUs were {usage['machine_busy_pct']:.0f}% busy: every "
                         "process (server, emulator, client, and whatever else runs here) competed for CPU")
    if client_lag_p99 is not None and client_lag_p99 > 10:
        out.notes.append(f"streams {count}: the load client's event loop ran up to {client_lag_p99:.0f} ms late "
                         f"(p99; client CPU {usage.get('client_cpu_pct', 0):.0f}%): part of the lag is the client's")
    return out


def run_streams(ctx: Context) -> Outcome:
    async def run() -> Outcome:
        total = Outcome()
        async with stream_session() as client:
            await warm_up(client, ctx.dep)
            for count in ctx.cfg.stream_counts:
                wave = await stream_wave(client, ctx, count)
                merge(total, wave)
                print_figures(wave.figures, indent="    ")
                await asyncio.sleep(1)  # let the last turns' sessions settle before the next wave counts them
        return total

    return asyncio.run(run())


def merge(total: Outcome, part: Outcome) -> None:
    total.figures.update(part.figures)
    total.details.update(part.details)
    total.notes.extend(part.notes)


# ============================================================================ scenario: relay

@dataclass
class RelayTiming:
    total: float
    first: float | None   # time to the first text
    chunks: int
    ok: bool


async def relay_direct(client: httpx.AsyncClient, emulator_url: str, token: str, text: str,
                       chunks: int) -> RelayTiming:
    body = {"model": MODEL, "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": script({"say": text, "chunks": chunks},
                                                            prompt=f"Relay {nonce()}.")}]}
    started = time.perf_counter()
    first, count = None, 0
    async with client.stream("POST", f"{emulator_url}/v1/chat/completions", json=body,
                             headers=auth(token)) as reply:
        async for line in reply.aiter_lines():
            if not line.startswith("data: {"):
                continue
            count += 1
            if first is None:
                choices = json.loads(line[6:]).get("choices") or [{}]
                if (choices[0].get("delta") or {}).get("content"):
                    first = time.perf_counter() - started
    return RelayTiming(time.perf_counter() - started, first, count, reply.status_code == 200 and count >= chunks)


async def relay_server(client: httpx.AsyncClient, url: str, token: str, text: str, chunks: int) -> RelayTiming:
    body = {"input": script({"say": text, "chunks": chunks}, prompt=f"Relay {nonce()}."), "stream": True}
    started = time.perf_counter()
    first, deltas, status, answer = None, 0, None, None
    async with client.stream("POST", f"{url}/v1/responses", json=body, headers=auth(token)) as reply:
        async for line in reply.aiter_lines():
            if not line.startswith("data: "):
                continue
            if '"response.output_text.delta"' in line:  # cheaper than parsing 10,000 events
                deltas += 1
                if first is None:
                    first = time.perf_counter() - started
            elif any(f'"{end}"' in line for end in END_EVENTS):
                response = json.loads(line[6:]).get("response", {})
                status, answer = response.get("status"), response.get("output_text")
    # The server may join chunks that arrive together into one delta: what must match is the text.
    return RelayTiming(time.perf_counter() - started, first, deltas, status == "completed" and answer == text)


async def relay_one(client: httpx.AsyncClient, ctx: Context, chunks: int) -> Outcome:
    dep, token, text = ctx.dep, ctx.dep.tokens[0], "word " * chunks
    emulator_url = dep.emulator_url

    async def direct() -> RelayTiming | None:
        return await relay_direct(client, emulator_url, token, text, chunks) if emulator_url else None

    async def served() -> RelayTiming:
        return await relay_server(client, dep.url, token, text, chunks)

    await direct()  # warm-up
    await served()
    directs: list[RelayTiming] = []
    serveds: list[RelayTiming] = []
    for _ in range(ctx.cfg.relay_repeats):  # interleaved: background load hits both sides alike
        if (d := await direct()) is not None:
            directs.append(d)
        serveds.append(await served())
    return relay_figures(chunks, directs, serveds)


def relay_figures(chunks: int, directs: list[RelayTiming], serveds: list[RelayTiming]) -> Outcome:
    def best(timings: list[RelayTiming], attr: str) -> float | None:
        values = [getattr(t, attr) for t in timings if getattr(t, attr) is not None]
        return min(values) if values else None

    d_total, s_total = best(directs, "total"), best(serveds, "total")
    d_first, s_first = best(directs, "first"), best(serveds, "first")
    key = f"relay_{chunks}"
    out = Outcome()
    out.figures.update({
        f"{key}_direct_ms": ms(d_total), f"{key}_server_ms": ms(s_total),
        f"{key}_ratio": round(s_total / d_total, 3) if d_total and s_total else None,
        f"{key}_direct_first_ms": ms(d_first), f"{key}_server_first_ms": ms(s_first),
        f"{key}_first_extra_ms": ms(s_first - d_first) if d_first is not None and s_first is not None else None,
        f"{key}_errors": float(sum(not t.ok for t in directs + serveds)),
    })
    out.details[key] = {"direct_runs": [asdict(t) for t in directs], "server_runs": [asdict(t) for t in serveds]}
    if not directs:
        out.notes.append("relay: no --emulator-url, so no direct side to compare with")
    return out


def run_relay(ctx: Context) -> Outcome:
    async def run() -> Outcome:
        total = Outcome()
        async with http_client() as client:
            for chunks in ctx.cfg.relay_chunks:
                part = await relay_one(client, ctx, chunks)
                merge(total, part)
                print_figures(part.figures, indent="    ")
        return total

    return asyncio.run(run())


# ============================================================================ scenario: get

def get_figures(rate: int, plan: GetPlan, results: list[WorkerResult], monitors: Monitors) -> Outcome:
    latencies = [lat for r in results for lat in r.latencies]
    statuses: Counter = sum((r.statuses for r in results), Counter())
    unfinished = sum(r.unfinished for r in results)
    ok = len(latencies)
    span = max((r.last_done for r in results), default=0) - min(r.first_scheduled for r in results)
    dispatched_late = sum(r.dispatched_late for r in results) / plan.count
    sent_late = sum(r.sent_late for r in results) / plan.count
    key = f"get_{rate}"
    out = Outcome()
    out.figures.update({
        f"{key}_p50_ms": ms(percentile(latencies, 50)), f"{key}_p99_ms": ms(percentile(latencies, 99)),
        f"{key}_achieved_per_s": round(ok / span, 1) if span > 0 else None,
        f"{key}_errors": float(plan.count - ok),
        # Released > 1 ms after schedule by the client itself: above a few %, the client could not keep up.
        f"{key}_client_late_frac": round(dispatched_late, 4),
        # Sent > 1 ms after schedule: also waiting for a free connection (the server holding them).
        f"{key}_late_send_frac": round(sent_late, 4),
    })
    out.details[key] = {"offered": rate, "requests": plan.count, "processes": plan.processes,
                        "connections_per_process": plan.connections,
                        "statuses": {str(k): v for k, v in statuses.items()}, "unfinished": unfinished,
                        "client_cpu_s": round(sum(r.cpu_seconds for r in results), 2), **monitors.figures()}
    if dispatched_late > 0.05:
        out.notes.append(f"get {rate}/s: the client could not keep up: {dispatched_late:.0%} of requests were "
                         "dispatched more than 1 ms after their scheduled time")
    if sent_late > 0.05:
        out.notes.append(f"get {rate}/s: {sent_late:.0%} of requests were sent more than 1 ms late (waiting for a "
                         "free connection: the server holding them, or the client behind)")
    return out


def run_get(ctx: Context) -> Outcome:
    cfg, dep = ctx.cfg, ctx.dep
    token = dep.tokens[0]

    async def one_completed() -> str:
        async with http_client() as client:
            answer = await complete_turn(client, dep.url, token, f"hi {nonce()}")
        if answer["status"] != "completed":
            raise RuntimeError(f"the response to read did not complete: {answer['status']}")
        return answer["id"]

    response_id = asyncio.run(one_completed())
    total = Outcome()
    for rate in cfg.get_rates:
        processes = cfg.get_processes or min(8, max(1, math.ceil(rate / GET_RATE_PER_PROCESS)))
        plan = GetPlan(url=f"{dep.url}/v1/responses/{response_id}", token=token, rate=rate,
                       count=max(1, int(rate * cfg.get_seconds)), processes=processes,
                       connections=cfg.get_connections, drain_seconds=cfg.get_drain_seconds)
        with Monitors({"server": dep.server_pid}) as monitors:
            results = run_open_loop(plan)
        part = get_figures(rate, plan, results, monitors)
        merge(total, part)
        print_figures(part.figures, indent="    ")
    return total


# ============================================================================ scenario: recovery

def copy_database(source: Path, target: Path) -> None:
    # The backup API copies a consistent database even if a -wal file is left behind.
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def timed_start(ctx: Context, database: Path, name: str) -> tuple[float | None, float | None]:
    """Seconds from starting a server process on ``database`` until /readyz answers 200, and until no response
    is left queued or in progress (read from the database while the server starts)."""
    from benchmarks.load_seed import open_count

    assert ctx.emulator is not None
    env = server_env(ctx.emulator.url, f"sqlite:///{database}")
    started = time.monotonic()
    server = spawn_server(env, ctx.workdir / f"{name}.log")
    ready = settled = None
    try:
        with httpx.Client(timeout=1.0) as http:
            while (ready is None or settled is None) and time.monotonic() - started < ctx.cfg.recovery_timeout:
                if server.process.poll() is not None:
                    raise RuntimeError(f"server exited: {server.log_path.read_text(errors='replace')[-1500:]}")
                if settled is None and open_count(database) == 0:
                    settled = time.monotonic() - started
                if ready is None and readyz(http, server.url):
                    ready = time.monotonic() - started
                time.sleep(0.01)
    finally:
        server.stop()
    return ready, settled


def readyz(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(f"{url}/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def run_recovery(ctx: Context) -> Outcome:
    from benchmarks.load_seed import open_count, seed_open_responses, status_of
    from tests.emulator.accounts import object_id

    if ctx.emulator is None:
        raise Skip("recovery needs to own the server process and its database (not with --url)")
    base = ctx.workdir / "recovery"
    base.mkdir()
    migrated = base / "migrated.db"
    start_server(server_env(ctx.emulator.url, f"sqlite:///{migrated}"), base / "migrate.log").stop()
    empty = base / "empty.db"
    copy_database(migrated, empty)
    # The best of a few empty starts: one start varies by a tenth of a second with the machine's load.
    starts = [timed_start(ctx, empty, f"recovery-empty-{i}")[0] for i in range(ctx.cfg.recovery_baseline_starts)]
    empty_ready = min((s for s in starts if s is not None), default=None)
    out = Outcome(figures={"recovery_empty_ready_s": round(empty_ready, 3) if empty_ready else None})
    owners = [(object_id(f"load{i:04d}"), f"load{i:04d}") for i in range(16)]
    for count in ctx.cfg.recovery_counts:
        database = base / f"open-{count}.db"
        copy_database(migrated, database)
        ids = seed_open_responses(database, count, owners)
        ready, settled = timed_start(ctx, database, f"recovery-{count}")
        status, snapshot = status_of(database, ids[0])
        left_open = open_count(database)
        reason = (snapshot.get("incomplete_details") or {}).get("reason")
        key = f"recovery_{count}"
        out.figures.update({
            f"{key}_ready_s": round(ready, 3) if ready is not None else None,
            f"{key}_settled_s": round(settled, 3) if settled is not None else None,
            f"{key}_extra_s": round(settled - empty_ready, 3) if settled is not None and empty_ready else None,
            f"{key}_left_open": float(left_open),
        })
        out.details[key] = {"sample_status": status, "sample_reason": reason}
        if (status, reason) != ("incomplete", "server_restart"):
            out.notes.append(f"recovery {count}: a sample response ended {status}/{reason}, "
                             "expected incomplete/server_restart")
        print_figures({k: v for k, v in out.figures.items() if k.startswith(key)}, indent="    ")
    out.notes.append("recovery: *_extra_s = time to settled minus an empty database's time to ready "
                     "(process start and imports excluded); the target applies to it")
    return out


# ============================================================================ scenario: idle memory

async def many_turns(client: httpx.AsyncClient, url: str, tokens: list[str], count: int,
                     concurrency: int = 16) -> int:
    """``count`` short completed turns spread over the accounts; returns how many failed."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> bool:
        async with gate:
            try:
                answer = await complete_turn(client, url, tokens[i % len(tokens)], f"hi {nonce()}")
            except httpx.HTTPError:
                return False
            return answer.get("status") == "completed"

    results = await asyncio.gather(*(one(i) for i in range(count)))
    return sum(not ok for ok in results)


async def measure_idle(url: str, pid: int, tokens: list[str], sessions: int, eviction: float) -> Outcome:
    async with http_client() as client:
        await many_turns(client, url, tokens, min(10, sessions))  # warm: lazy imports, pools, token cache
        await asyncio.sleep(0.5)
        before = rss_bytes(pid)
        started = time.monotonic()
        failed = await many_turns(client, url, tokens, sessions)
        took = time.monotonic() - started
        await asyncio.sleep(0.5)
        after_turns = rss_bytes(pid)
    # Housekeeping runs every eviction/4 (at least 0.5 s): past eviction + one round, every runtime is gone.
    deadline = time.monotonic() + eviction * 1.25 + 2.0
    lowest = after_turns
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        lowest = min(lowest, rss_bytes(pid))
    after_eviction = rss_bytes(pid)
    out = Outcome(figures={
        "idle_session_kb": round((after_turns - before) / sessions / 1024, 1),
        "idle_rss_before_mb": round(before / 2**20, 1), "idle_rss_after_turns_mb": round(after_turns / 2**20, 1),
        "idle_rss_after_eviction_mb": round(after_eviction / 2**20, 1),
        "idle_released_kb_per_session": round((after_turns - after_eviction) / sessions / 1024, 1),
        "idle_errors": float(failed),
    })
    out.details["idle"] = {"sessions": sessions, "turns_took_s": round(took, 2), "eviction_seconds": eviction,
                           "lowest_rss_mb": round(lowest / 2**20, 1)}
    if took > eviction:
        out.notes.append(f"idle memory: the {sessions} turns took {took:.1f} s, longer than the eviction time "
                         f"({eviction:g} s): early sessions may have been evicted before the measurement")
    return out


def run_idle_memory(ctx: Context) -> Outcome:
    cfg = ctx.cfg
    if ctx.emulator is None:
        dep = ctx.dep
        if dep.server_pid is None:
            raise Skip("idle memory reads the server's RSS: give --server-pid (and its eviction time)")
        return asyncio.run(measure_idle(dep.url, dep.server_pid, dep.tokens, cfg.idle_sessions,
                                        cfg.idle_eviction_seconds))
    env = server_env(ctx.emulator.url, f"sqlite:///{ctx.workdir / 'idle.db'}",
                     ML_INTERN_IDLE_EVICTION_SECONDS=str(cfg.idle_eviction_seconds))
    server = start_server(env, ctx.workdir / "idle-server.log")
    try:
        tokens = ctx.deployment.tokens if ctx.deployment else load_tokens(cfg.accounts_needed())
        return asyncio.run(measure_idle(server.url, server.process.pid, tokens, cfg.idle_sessions,
                                        cfg.idle_eviction_seconds))
    finally:
        server.stop()


# ============================================================================ scenario: append

@contextmanager
def scratch_postgres(url: str) -> Iterator[str | None]:
    """A fresh database on the PostgreSQL server at ``url``, dropped afterwards (None when unreachable)."""
    import psycopg

    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.Error:
        yield None
        return
    name = f"ml_intern_load_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_append(ctx: Context) -> Outcome:
    from agent.store import migrate
    from benchmarks import event_store

    events = ctx.cfg.append_events
    out = Outcome()
    sqlite_url = f"sqlite:///{ctx.workdir / 'append.db'}"
    migrate.upgrade(sqlite_url)
    single, grouped = event_store.measure(sqlite_url, events)
    out.figures.update({"append_sqlite_grouped_per_s": round(grouped), "append_sqlite_single_per_s": round(single)})
    with scratch_postgres(ctx.cfg.postgres_url) as pg_url:
        if pg_url is None:
            out.notes.append(f"append: PostgreSQL not reachable at {ctx.cfg.postgres_url}: skipped")
            out.details["append_pg_skipped"] = True
        else:
            migrate.upgrade(pg_url)
            single, grouped = event_store.measure(pg_url, events)
            out.figures.update({"append_pg_grouped_per_s": round(grouped), "append_pg_single_per_s": round(single)})
    out.details["append_events"] = events
    return out


# Scenarios in several parts print each part as it ends; these print their figures when they end.
PRINTS_AT_END = frozenset({"append", "idle_memory"})
RUNNERS: dict[str, Callable[[Context], Outcome]] = {
    "append": run_append, "streams": run_streams, "relay": run_relay, "get": run_get,
    "idle_memory": run_idle_memory, "recovery": run_recovery,
}


# ============================================================================ running and reporting

def run_scenario(name: str, ctx: Context) -> ScenarioRun:
    print(f"== {name}", flush=True)
    load_start = os.getloadavg()
    started = time.monotonic()
    outcome, skipped, error = Outcome(), None, None
    try:
        outcome = RUNNERS[name](ctx)
        if name in PRINTS_AT_END:
            print_figures(outcome.figures, indent="    ")
    except Skip as exc:
        skipped = str(exc)
    except Exception as exc:  # a scenario that fell over is reported, and the others still run
        error = f"{type(exc).__name__}: {exc}"
    run = ScenarioRun(name, outcome, round(time.monotonic() - started, 1), load_start, os.getloadavg(),
                      skipped, error)
    for line in ([f"skipped: {skipped}"] if skipped else []) + ([f"FAILED: {error}"] if error else []):
        print(f"    {line}", flush=True)
    return run


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value == int(value) and abs(value) >= 1:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def print_figures(figures: Figures, indent: str = "") -> None:
    for key, value in figures.items():
        print(f"{indent}{key:<36} {fmt(value)}", flush=True)


def all_figures(runs: list[ScenarioRun]) -> Figures:
    return {k: v for run in runs for k, v in run.outcome.figures.items()}


def report(runs: list[ScenarioRun], previous: Figures | None) -> str:
    figures = all_figures(runs)
    rows = [("figure", "value", "target", "status", "vs prev")]
    for run in runs:
        load = f"load {run.loadavg_start[0]:.2f} -> {run.loadavg_end[0]:.2f}"
        state = f"skipped: {run.skipped}" if run.skipped else f"FAILED: {run.error}" if run.error else ""
        rows.append((f"-- {run.name} ({run.seconds:.0f} s, {load}) {state}", "", "", "", ""))
        for key, value in run.outcome.figures.items():
            target = target_for(key)
            rows.append((key, fmt(value), target.text if target else "",
                         target.status(value, figures) if target else "", ratio(value, (previous or {}).get(key))))
    widths = [max(len(r[i]) for r in rows if not r[0].startswith("-- ")) for i in range(5)]
    lines = []
    for row in rows:
        if row[0].startswith("-- "):
            lines.append(row[0])
        else:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    notes = [n for run in runs for n in run.outcome.notes]
    return "\n".join(lines + ([""] + [f"note: {n}" for n in notes] if notes else []))


def ratio(value: float | None, before: float | None) -> str:
    if value is None or before is None or before == 0:
        return ""
    return f"{value / before:.2f}x"


def load_previous(path: Path, quick: bool) -> Figures | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if data.get("quick") != quick:
        return None  # a quick run's figures are not comparable with a full run's
    return data.get("figures")


def write_json(path: Path, cfg: Config, runs: list[ScenarioRun], started: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = all_figures(runs)
    data = {
        "version": 1, "quick": cfg.quick, "started": started, "finished": time.time(),
        "machine": {"cpus": os.cpu_count(), "platform": sys.platform, "python": sys.version.split()[0]},
        "figures": figures,
        "targets": {k: {"target": t.text, "status": t.status(v, figures)}
                    for k, v in figures.items() if (t := target_for(k)) is not None},
        "scenarios": [{"name": r.name, "seconds": r.seconds, "loadavg_start": r.loadavg_start,
                       "loadavg_end": r.loadavg_end, "skipped": r.skipped, "error": r.error,
                       "figures": r.outcome.figures, "details": r.outcome.details, "notes": r.outcome.notes}
                      for r in runs],
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
    }
    path.write_text(json.dumps(data, indent=2, default=str))


# ============================================================================ deployment

def load_tokens(count: int) -> list[str]:
    return [f"hf_emu_load_{i:04d}" for i in range(count)]


def read_tokens(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@contextmanager
def deployment(cfg: Config, workdir: Path) -> Iterator[tuple[EmulatorProcess | None, Deployment | None]]:
    """Our own emulator (and main server when a scenario needs one), or the deployment given by ``--url``."""
    if cfg.url is not None:
        assert cfg.tokens_file is not None
        yield None, Deployment(url=cfg.url.rstrip("/"), tokens=read_tokens(cfg.tokens_file),
                               emulator_url=cfg.emulator_url, server_pid=cfg.server_pid)
        return
    accounts = cfg.accounts_needed()
    emulator = start_emulator(accounts, workdir / "emulator.log")
    server = None
    try:
        if NEEDS_MAIN_SERVER & set(cfg.scenarios):
            server = start_server(server_env(emulator.url, f"sqlite:///{workdir / 'main.db'}"),
                                  workdir / "server.log")
        dep = Deployment(url=server.url, tokens=load_tokens(accounts), emulator_url=emulator.url,
                         server_pid=server.process.pid, emulator_pid=emulator.process.pid) if server else None
        yield emulator, dep
    finally:
        if server is not None:
            server.stop()
        emulator.stop()


# ============================================================================ command line

def ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in SCENARIOS:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, action="store_true",
                            help=f"run the {name} scenario (none given: all)")
    parser.add_argument("--quick", action="store_true", help="smoke mode: tiny counts, well under a minute")
    parser.add_argument("--json", type=Path, help=f"results file (default {DEFAULT_JSON.relative_to(ROOT)}, "
                                                  f"--quick: {QUICK_JSON.relative_to(ROOT)})")
    parser.add_argument("--url", help="load this deployment instead of starting an emulator and a server")
    parser.add_argument("--tokens-file", type=Path, help="with --url: one bearer token per line")
    parser.add_argument("--emulator-url", help="with --url: the emulator its router points at (relay's direct side)")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's pid, for CPU and memory readings")
    parser.add_argument("--stream-counts", type=ints, help="concurrent streams per wave (default 100,300,500)")
    parser.add_argument("--stream-chunks", type=int, help="stamped chunks per stream (default 100)")
    parser.add_argument("--stream-repeats", type=int, help="waves per stream count, median reported (default 5)")
    parser.add_argument("--relay-chunks", type=ints, help="answer sizes for relay (default 1000,10000)")
    parser.add_argument("--get-rates", type=ints, help="offered GET rates, req/s (default 1000,5000)")
    parser.add_argument("--get-seconds", type=float, help="seconds per GET rate (default 3)")
    parser.add_argument("--get-processes", type=int, help="client processes for GET (default: by rate)")
    parser.add_argument("--recovery-counts", type=ints, help="open responses to recover (default 1000,10000)")
    parser.add_argument("--idle-sessions", type=int, help="idle sessions to measure (default 200)")
    parser.add_argument("--idle-eviction-seconds", type=float, help="eviction time of the idle server (default 10)")
    parser.add_argument("--postgres-url", help="PostgreSQL server for append (a scratch database is created there)")
    args = parser.parse_args(argv)
    if args.url and not args.tokens_file:
        parser.error("--url needs --tokens-file")
    chosen = tuple(name for name in SCENARIOS if getattr(args, name)) or SCENARIOS
    overrides = {"scenarios": chosen, "json_path": args.json, "url": args.url, "tokens_file": args.tokens_file,
                 "emulator_url": args.emulator_url, "server_pid": args.server_pid,
                 "stream_counts": args.stream_counts, "stream_chunks": args.stream_chunks,
                 "stream_repeats": args.stream_repeats,
                 "relay_chunks": args.relay_chunks, "get_rates": args.get_rates, "get_seconds": args.get_seconds,
                 "get_processes": args.get_processes, "recovery_counts": args.recovery_counts,
                 "idle_sessions": args.idle_sessions, "idle_eviction_seconds": args.idle_eviction_seconds,
                 "postgres_url": args.postgres_url}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return Config.quick_mode(**overrides) if args.quick else Config(**overrides)


def run(cfg: Config) -> list[ScenarioRun]:
    started = time.time()
    previous = load_previous(cfg.json_path, cfg.quick)
    with tempfile.TemporaryDirectory(prefix="ml-intern-load-") as tmp:
        workdir = Path(tmp)
        with deployment(cfg, workdir) as (emulator, dep):
            ctx = Context(cfg, workdir, emulator, dep)
            runs = [run_scenario(name, ctx) for name in cfg.scenarios]
    print()
    print(report(runs, previous))
    write_json(cfg.json_path, cfg, runs, started)
    print(f"\nresults: {cfg.json_path}" + (" (vs prev: ratio to the previous run there)" if previous else ""))
    return runs


def main(argv: list[str] | None = None) -> int:
    runs = run(parse_args(argv))
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
