"""Open-loop GETs at a fixed offered rate, from several client processes.

A Python client is easily the bottleneck at thousands of requests per second, so each process runs its own event
loop with a minimal keep-alive HTTP/1.1 client over asyncio streams (request bytes out, headers and a
Content-Length body in) instead of httpx. Requests are scheduled at fixed times whatever the server does (open
loop), and latency is counted from each request's scheduled time, so queueing — in the client's connection pool
or in the server — shows in the figures instead of lowering the offered rate.

This module must stay light: ``spawn`` children import it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LATE_S = 0.001  # a request dispatched/sent later than this after its scheduled time counts as late


@dataclass
class GetPlan:
    url: str            # http://host:port/path
    token: str
    rate: float         # offered requests/s, over all processes
    count: int          # requests in all
    processes: int
    connections: int    # keep-alive connections per process
    drain_seconds: float  # after the last scheduled time, how long stragglers may take


@dataclass
class WorkerResult:
    latencies: list[float] = field(default_factory=list)   # seconds from scheduled time to full response (2xx)
    statuses: Counter = field(default_factory=Counter)      # status code (or "error: ...") -> count
    dispatched_late: int = 0   # the client's scheduler was behind: the client could not keep up
    sent_late: int = 0         # also waiting for a free connection (the server holding them)
    unfinished: int = 0
    first_scheduled: float = 0.0
    last_done: float = 0.0
    cpu_seconds: float = 0.0


class Connection:
    """One keep-alive HTTP/1.1 connection; one request at a time (no pipelining)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, raw: bytes) -> int:
        fresh = self.writer is None
        if fresh:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
            if fresh or getattr(exc, "partial", b""):
                raise
            # The server closed this keep-alive connection while it sat idle: a client artefact, not a failure.
            self.close()
            return await self.request(raw)
        status = int(head[9:12])
        length, close = _header_values(head)
        if length is None:
            raise RuntimeError("response without Content-Length")
        await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _header_values(head: bytes) -> tuple[int | None, bool]:
    length, close = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    return length, close


def request_bytes(url: str, token: str) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    raw = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
           "Accept: application/json\r\n\r\n").encode()
    return host, port, raw


def _schedule(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, times: list[float], result: WorkerResult,
              workers: int, stop: threading.Event) -> None:
    """Release each request to the event loop at its scheduled time, from a thread. The loop's own timers wake up
    to ~1 ms late (epoll waits in whole milliseconds) and spinning on them would take a core from the server; a
    thread's timed wait is precise to tens of microseconds and costs nothing while it waits."""
    for target in times:
        delay = target - time.time()
        if delay > 0 and stop.wait(delay):
            return
        if time.time() - target > LATE_S:
            result.dispatched_late += 1
        loop.call_soon_threadsafe(queue.put_nowait, target)
    for _ in range(workers):
        loop.call_soon_threadsafe(queue.put_nowait, None)


async def _serve_queue(queue: asyncio.Queue, connection: Connection, raw: bytes, result: WorkerResult) -> None:
    while (target := await queue.get()) is not None:
        sent = time.time()
        if sent - target > LATE_S:
            result.sent_late += 1
        try:
            status = await connection.request(raw)
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
            connection.close()  # reconnect for the next request
            result.statuses[f"error: {type(exc).__name__}"] += 1
            continue
        done = time.time()
        result.statuses[status] += 1
        result.last_done = max(result.last_done, done)
        if 200 <= status < 300:
            result.latencies.append(done - target)


async def _worker_main(plan: GetPlan, index: int, start_at, barrier) -> WorkerResult:
    host, port, raw = request_bytes(plan.url, plan.token)
    connections = [Connection(host, port) for _ in range(plan.connections)]
    await asyncio.gather(*(c.open() for c in connections))
    barrier.wait()  # every process connected: start together
    cpu0 = time.process_time()
    # Process i takes requests i, i+P, i+2P, ... of the one global schedule, so the processes interleave.
    times = [start_at.value + n / plan.rate for n in range(index, plan.count, plan.processes)]
    result = WorkerResult(first_scheduled=times[0] if times else start_at.value)
    queue: asyncio.Queue = asyncio.Queue()
    workers = [asyncio.create_task(_serve_queue(queue, c, raw, result)) for c in connections]
    stop = threading.Event()
    scheduler = asyncio.get_running_loop().run_in_executor(
        None, _schedule, asyncio.get_running_loop(), queue, times, result, len(workers), stop)
    deadline = (times[-1] if times else start_at.value) + plan.drain_seconds
    await asyncio.wait([scheduler, *workers], timeout=max(deadline - time.time(), 0.1))
    stop.set()
    for task in workers:
        task.cancel()
    await asyncio.gather(scheduler, *workers, return_exceptions=True)
    result.unfinished = len(times) - sum(result.statuses.values())
    for connection in connections:
        connection.close()
    result.cpu_seconds = time.process_time() - cpu0
    return result


def _worker(plan: GetPlan, index: int, start_at, barrier, results) -> None:
    # The scheduler thread must get the GIL back promptly while the loop thread is busy (default: 5 ms).
    sys.setswitchinterval(0.0002)
    try:
        results.put((index, asyncio.run(_worker_main(plan, index, start_at, barrier))))
    except BaseException as exc:  # report, never hang the parent waiting on this worker
        barrier.abort()
        results.put((index, f"{type(exc).__name__}: {exc}"))


def run_open_loop(plan: GetPlan) -> list[WorkerResult]:
    """Run the plan in ``plan.processes`` spawned processes; returns one result per process."""
    ctx = multiprocessing.get_context("spawn")  # not fork: the parent has threads (the /proc monitors)
    barrier = ctx.Barrier(plan.processes + 1)
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(plan, i, start_at, barrier, results), daemon=True)
             for i in range(plan.processes)]
    for proc in procs:
        proc.start()
    try:
        _await_barrier(barrier, start_at)
        collected = dict(results.get(timeout=plan.count / plan.rate + plan.drain_seconds + 60)
                         for _ in procs)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    failures = [v for v in collected.values() if isinstance(v, str)]
    if failures:
        raise RuntimeError(f"GET client process failed: {failures[0]}")
    return [collected[i] for i in sorted(collected)]


def _await_barrier(barrier, start_at) -> None:
    # Children block on the barrier only once connected; the parent is the last party, so setting the start time
    # right before its own wait gives every child the same start time, 50 ms ahead (time to reach the first sleep).
    deadline = time.monotonic() + 60
    while barrier.n_waiting < barrier.parties - 1:
        if barrier.broken or time.monotonic() > deadline:
            raise RuntimeError("GET client processes did not start")
        time.sleep(0.01)
    start_at.value = time.time() + 0.05
    barrier.wait(timeout=10)
