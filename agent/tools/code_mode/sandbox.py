"""Runs a model-written script in Monty: AST gate on the host, then a fresh interpreter session per script.

The host drives the script with ``feed_start``/``resume`` so that each ``hf_*`` call becomes an asyncio
task on the caller's event loop (calls issued before being awaited run concurrently), while every
interpreter step runs in this runner's own threads — the event loop never blocks on the sandbox.
We use the synchronous pool driven from threads rather than ``AsyncMonty``: the async pool's worker
threads call back into the event loop and, in pydantic-monty 1.4.0, can abort the process at
interpreter shutdown (observed SIGABRT in a tokio thread after the loop closed).
"""

from __future__ import annotations

import ast
import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic_monty import (CollectString, FunctionSnapshot, FutureSnapshot, Monty, MontyComplete, MontyCrashedError,
                            MontyError, MontyRuntimeError, MontySyntaxError, MontyTypingError, NameLookupSnapshot)

# Builtins that would reach outside the data the script was given, or around the AST gate.
_FORBIDDEN_NAMES = frozenset({"__import__", "eval", "exec", "compile", "open", "globals", "locals", "vars",
                              "getattr", "setattr", "delattr", "breakpoint", "input", "help", "memoryview"})
_PASSTHROUGH_EXCEPTIONS = (TypeError, ValueError, KeyError, RuntimeError)


class ScriptRejected(ValueError):
    """The script failed the host-side checks; nothing ran."""


def check_script(code: str) -> str:
    """Reject imports and escape hatches; return the code to run (with a trailing ``result`` if it was forgotten)."""
    try:
        tree = compile(code, "<script>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                       dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptRejected(f"SyntaxError: {exc.msg} (line {exc.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRejected(f"line {node.lineno}: import is not available; use the documented hf_* helpers "
                                 "and builtins only")
        if isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            raise ScriptRejected(f"line {node.lineno}: '{node.id}' is not available in this runtime")
        if isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            raise ScriptRejected(f"line {node.lineno}: dunder attribute access ('{node.attr}') is not allowed")
    body = tree.body
    if not body:
        raise ScriptRejected("The script is empty; assign your answer to `result` and end with a bare `result` line")
    assigns_result = any(isinstance(n, ast.Name) and n.id == "result" and isinstance(n.ctx, ast.Store)
                         for n in ast.walk(tree))
    if not isinstance(body[-1], ast.Expr) and assigns_result:
        code = code.rstrip() + "\nresult\n"  # the seed's rule, applied for the model when it forgot
    return code


@dataclass
class ScriptOutcome:
    ok: bool
    value: Any = None
    error: str | None = None
    error_kind: str | None = None  # syntax | runtime | timeout | memory | crashed
    stdout: str = ""
    sandbox_seconds: float = 0.0  # time spent in interpreter steps (feed/resume), host calls excluded
    host_call_seconds: float = 0.0  # time with every script task blocked on hf_* calls
    helper_calls: int = 0


@dataclass
class _Drive:
    """Book-keeping of one script run."""

    pending: dict[int, asyncio.Task] = field(default_factory=dict)
    inflight: asyncio.Future | None = None
    sandbox_seconds: float = 0.0
    host_call_seconds: float = 0.0
    helper_calls: int = 0


HostFunction = Callable[..., Awaitable[Any]]


class MontyRunner:
    """A pool of Monty worker processes shared by every script of this process; one fresh session per script."""

    def __init__(self, *, max_sessions: int = 16, cpu_seconds: float = 5.0, memory_bytes: int = 128 * 1024 * 1024,
                 wall_seconds: float = 60.0, stdout_bytes: int = 64 * 1024, max_recursion_depth: int = 200) -> None:
        self.max_sessions = max_sessions
        self.cpu_seconds = cpu_seconds
        self.memory_bytes = memory_bytes
        self.wall_seconds = wall_seconds
        self.stdout_bytes = stdout_bytes
        self.max_recursion_depth = max_recursion_depth
        self._executor = ThreadPoolExecutor(max_workers=max_sessions + 1, thread_name_prefix="monty")
        self._pool: Monty | None = None
        self._pool_lock = threading.Lock()
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    # ------------------------------------------------------------------ lifecycle

    def _ensure_pool(self) -> Monty:
        with self._pool_lock:
            if self._pool is None:
                pool = Monty(min_processes=1, max_processes=self.max_sessions,
                             request_timeout=self.cpu_seconds + 10.0, max_checkouts_per_worker=500)
                pool.__enter__()
                self._pool = pool
            return self._pool

    @property
    def started(self) -> bool:
        """Whether worker processes are up (they start with the first script)."""
        return self._pool is not None

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.__exit__(None, None, None)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def _gate(self) -> asyncio.Semaphore:
        # One semaphore per event loop (asyncio primitives bind to the loop that first uses them).
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            self._gates = {lp: g for lp, g in self._gates.items() if not lp.is_closed()}
            gate = self._gates[loop] = asyncio.Semaphore(self.max_sessions)
        return gate

    async def _step(self, drive: _Drive, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        drive.inflight = loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))
        try:
            # Shielded: a cancelled script still lets the current interpreter step finish before the session closes.
            return await asyncio.shield(drive.inflight)
        finally:
            drive.sandbox_seconds += time.perf_counter() - started

    # ------------------------------------------------------------------ running

    async def run(self, code: str, *, inputs: dict[str, Any], functions: dict[str, HostFunction],
                  wall_seconds: float | None = None) -> ScriptOutcome:
        """Run ``code`` (already through ``check_script``) with ``functions`` as its only external functions."""
        stdout = CollectString(max_bytes=self.stdout_bytes)
        drive = _Drive()
        loop = asyncio.get_running_loop()
        async with self._gate():
            pool = await loop.run_in_executor(self._executor, self._ensure_pool)
            session = pool.checkout(script_name="script.py", limits={
                "max_feed_duration_secs": self.cpu_seconds, "max_memory": self.memory_bytes,
                "max_recursion_depth": self.max_recursion_depth})
            await self._step(drive, session.__enter__)
            try:
                async with asyncio.timeout(wall_seconds or self.wall_seconds):
                    value = await self._drive(drive, session, code, inputs, functions, stdout)
                outcome = ScriptOutcome(ok=True, value=value)
            except TimeoutError:
                outcome = ScriptOutcome(ok=False, error_kind="timeout",
                                        error=f"The script exceeded its {wall_seconds or self.wall_seconds:g} s "
                                              "wall-clock limit (Hub calls included); fetch less or use fewer calls")
            except MontyError as exc:
                outcome = _failure(exc)
            finally:
                for task in drive.pending.values():
                    task.cancel()
                if drive.inflight is not None and not drive.inflight.done():
                    await asyncio.wait([drive.inflight])
                await loop.run_in_executor(self._executor, session.__exit__, None, None, None)
        outcome.stdout = stdout.output
        outcome.sandbox_seconds = drive.sandbox_seconds
        outcome.host_call_seconds = drive.host_call_seconds
        outcome.helper_calls = drive.helper_calls
        return outcome

    async def _drive(self, drive: _Drive, session: Any, code: str, inputs: dict[str, Any],
                     functions: dict[str, HostFunction], stdout: CollectString) -> Any:
        # A helper bound to another name (``f = hf_x``) is called by its own ``__name__``.
        functions = {**{f.__name__: f for f in functions.values()}, **functions}
        snap = await self._step(drive, session.feed_start, code, inputs=inputs, print_callback=stdout)
        while not isinstance(snap, MontyComplete):
            if isinstance(snap, FunctionSnapshot):
                if snap.is_os_function:
                    snap = await self._step(drive, snap.resume_not_handled)
                    continue
                fn = functions.get(snap.function_name)
                if fn is None:
                    snap = await self._step(drive, snap.resume, {
                        "exc_type": "NameError", "message": f"name '{snap.function_name}' is not defined"})
                    continue
                drive.helper_calls += 1
                drive.pending[snap.call_id] = asyncio.ensure_future(fn(*snap.args, **snap.kwargs))
                snap = await self._step(drive, snap.resume, {"future": ...})
            elif isinstance(snap, NameLookupSnapshot):
                fn = functions.get(snap.variable_name)
                if fn is not None:
                    snap = await self._step(drive, snap.resume, value=fn)
                else:
                    snap = await self._step(drive, snap.resume)
            elif isinstance(snap, FutureSnapshot):
                waiting = [drive.pending[i] for i in snap.pending_call_ids if i in drive.pending]
                started = time.perf_counter()
                if waiting:
                    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                drive.host_call_seconds += time.perf_counter() - started
                results = {i: _settle(drive.pending.pop(i)) for i in snap.pending_call_ids
                           if i in drive.pending and drive.pending[i].done()}
                snap = await self._step(drive, snap.resume, results)
            else:  # pragma: no cover - a snapshot kind this runner does not know
                raise RuntimeError(f"unexpected Monty snapshot {type(snap).__name__}")
        return snap.output


def _settle(task: asyncio.Task) -> dict[str, Any]:
    exc = task.exception()
    if exc is None:
        return {"return_value": task.result()}
    if type(exc) in _PASSTHROUGH_EXCEPTIONS:
        return {"exception": exc}
    return {"exc_type": "RuntimeError", "message": f"{type(exc).__name__}: {exc}"}


def _failure(exc: MontyError) -> ScriptOutcome:
    if isinstance(exc, MontySyntaxError):
        return ScriptOutcome(ok=False, error_kind="syntax", error=exc.display("type-msg"))
    if isinstance(exc, MontyTypingError):
        return ScriptOutcome(ok=False, error_kind="syntax", error=exc.display())
    if isinstance(exc, MontyRuntimeError):
        summary = exc.display("type-msg")
        kind = "timeout" if summary.startswith("TimeoutError") else "memory" if summary.startswith(
            "MemoryError") else "runtime"
        return ScriptOutcome(ok=False, error_kind=kind, error=exc.display("traceback"))
    if isinstance(exc, MontyCrashedError):
        return ScriptOutcome(ok=False, error_kind="crashed",
                             error=f"The interpreter stopped ({exc}); the script likely used too much memory or time")
    return ScriptOutcome(ok=False, error_kind="runtime", error=str(exc))
