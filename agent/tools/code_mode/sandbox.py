"""Runs a model-written script in Monty: AST gate on the host, then a fresh interpreter session per script.

Each script is driven synchronously (``feed_start``/``resume`` on the sync ``Monty`` pool) by one thread of this
runner, so the event loop never blocks on the sandbox. Each ``hf_*`` call is handed to the caller's loop as a task
the moment the interpreter reaches it and the interpreter is resumed with a future at once (calls issued before
being awaited run concurrently); the thread blocks only when every sandbox task awaits a helper.
Why (``benchmarks/code_mode.py``, 3 calls of 20 ms, 2-CPU VM): ~2.1 ms overhead per script, against ~3.9 ms with
one executor hop per interpreter step and ~2.8 ms with ``AsyncMonty`` (whose tokio threads can also abort the
process at interpreter shutdown in pydantic-monty 1.4.0); even driving Monty on the loop thread itself (blocking
it) costs ~1.9 ms: each Monty round trip takes ~0.25 ms once the worker has idled through a helper call.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


HostFunction = Callable[..., Awaitable[Any]]
_STOP = object()  # put on a script's ``settled`` queue to release its thread


class _Stopped(Exception):
    """The script was stopped (wall-clock limit, cancellation, runner closed) while its thread waited."""


class _Script:
    """One script run: driven synchronously in one worker thread, its helpers run as tasks on the event loop.

    Thread side (``run``/``drive``): feed_start/resume; at each ``hf_*`` call the helper is scheduled on the loop
    and the interpreter resumed with a future at once; at a FutureSnapshot the thread blocks on ``settled`` until a
    helper finishes. Loop side: ``_spawn`` starts the helper task, whose done-callback hands the result over.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, functions: dict[str, HostFunction]) -> None:
        self.loop = loop
        self.context = contextvars.copy_context()  # helpers run in the caller's context, as if awaited there
        # A helper bound to another name (``f = hf_x``) is called by its own ``__name__``.
        self.functions = {**{f.__name__: f for f in functions.values()}, **functions}
        self.deadline = 0.0  # monotonic; the thread stops waiting for helpers after it, even if the loop is gone
        self.result: asyncio.Future = loop.create_future()  # the script's value or error
        self.finished: asyncio.Future = loop.create_future()  # the thread is done, its session back in the pool
        self.tasks: dict[int, asyncio.Future] = {}  # loop side only
        self.settled: queue.SimpleQueue = queue.SimpleQueue()  # (call_id, settled result), loop -> thread
        self.stopped = False
        self.sandbox_seconds = 0.0
        self.host_call_seconds = 0.0
        self.helper_calls = 0

    # ---- loop side

    def _spawn(self, call_id: int, fn: HostFunction, args: tuple, kwargs: dict) -> None:
        if self.stopped:
            return
        try:
            task = asyncio.ensure_future(fn(*args, **kwargs))
        except Exception as exc:  # a helper that failed before returning its awaitable
            task = self.loop.create_future()
            task.set_exception(exc)
        self.tasks[call_id] = task
        task.add_done_callback(lambda t: self.settled.put((call_id, _settle(t))))

    def _set_result(self, value: Any, exc: BaseException | None) -> None:
        if self.result.done():  # timed out or cancelled meanwhile
            return
        if exc is None:
            self.result.set_result(value)
        else:
            self.result.set_exception(exc)

    def _set_finished(self, release: Callable[[], None]) -> None:
        release()
        if not self.result.done():  # the job never ran: the runner was closed
            self.result.set_exception(_Stopped("the code-mode runner was closed"))
        self.finished.set_result(None)

    def stop(self) -> None:
        """Cancel pending helpers and release the thread if it waits for one (loop side)."""
        self.halt()
        if not self.loop.is_closed():
            for task in self.tasks.values():
                task.cancel()

    def halt(self) -> None:
        """Release the thread if it waits for a helper; it stops at its next suspension (any thread)."""
        self.stopped = True
        self.settled.put(_STOP)

    # ---- thread side

    def post(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: nobody waits for this script any more
            pass

    def _step(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.sandbox_seconds += time.perf_counter() - started

    def run(self, pool: Callable[[], Monty], limits: dict[str, Any], code: str, inputs: dict[str, Any],
            stdout: CollectString) -> None:
        try:
            if self.stopped:
                raise _Stopped
            with pool().checkout(script_name="script.py", limits=limits) as session:
                try:
                    value = self.drive(session, code, inputs, stdout)
                except Exception as exc:
                    self.post(self._set_result, None, exc)
                else:
                    # Delivered before the session is returned: closing it is off the script's critical path.
                    self.post(self._set_result, value, None)
        except Exception as exc:  # checkout or session close failed
            self.post(self._set_result, None, exc)

    def drive(self, session: Any, code: str, inputs: dict[str, Any], stdout: CollectString) -> Any:
        functions, ready = self.functions, {}
        snap = self._step(session.feed_start, code, inputs=inputs, print_callback=stdout)
        while not isinstance(snap, MontyComplete):
            if self.stopped:
                raise _Stopped
            if isinstance(snap, FutureSnapshot):
                wanted = snap.pending_call_ids
                if not any(i in ready for i in wanted):
                    self._wait(ready)
                    continue
                snap = self._step(snap.resume, {i: ready.pop(i) for i in wanted if i in ready})
            elif isinstance(snap, FunctionSnapshot):
                if snap.is_os_function:
                    snap = self._step(snap.resume_not_handled)
                    continue
                fn = functions.get(snap.function_name)
                if fn is None:
                    snap = self._step(snap.resume, {
                        "exc_type": "NameError", "message": f"name '{snap.function_name}' is not defined"})
                    continue
                self.helper_calls += 1
                self.loop.call_soon_threadsafe(self._spawn, snap.call_id, fn, snap.args, snap.kwargs,
                                               context=self.context)
                snap = self._step(snap.resume, {"future": ...})
            elif isinstance(snap, NameLookupSnapshot):
                fn = functions.get(snap.variable_name)
                snap = self._step(snap.resume, value=fn) if fn is not None else self._step(snap.resume)
            else:  # pragma: no cover - a snapshot kind this runner does not know
                raise RuntimeError(f"unexpected Monty snapshot {type(snap).__name__}")
        return snap.output

    def _wait(self, ready: dict[int, Any]) -> None:
        """Block until at least one helper settles; collect every result available by then."""
        started = time.perf_counter()
        try:
            item = self.settled.get(timeout=max(0.0, self.deadline - time.monotonic()))
        except queue.Empty:  # past the wall-clock limit and nobody stopped us: the loop is gone
            raise _Stopped from None
        finally:
            self.host_call_seconds += time.perf_counter() - started
        while item is not _STOP:
            ready[item[0]] = item[1]
            try:
                item = self.settled.get_nowait()
            except queue.Empty:
                return
        raise _Stopped


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
        self._limits = {"max_feed_duration_secs": cpu_seconds, "max_memory": memory_bytes,
                        "max_recursion_depth": max_recursion_depth}
        # One thread per running script (the per-loop gates keep it to max_sessions per loop).
        self._executor = ThreadPoolExecutor(max_workers=max_sessions, thread_name_prefix="monty")
        self._pool: Monty | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        self._active: set[_Script] = set()
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    # ------------------------------------------------------------------ lifecycle

    def _ensure_pool(self) -> Monty:
        with self._pool_lock:
            if self._closed:
                raise _Stopped("the code-mode runner was closed")
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
        """Stop running scripts at their next suspension, wait for their threads, then stop the worker processes.

        Blocks for at most one interpreter step (``cpu_seconds``); ``aclose`` does it off the event loop."""
        with self._pool_lock:
            self._closed = True
        for script in list(self._active):
            script.halt()
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.__exit__(None, None, None)

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

    # ------------------------------------------------------------------ running

    async def run(self, code: str, *, inputs: dict[str, Any], functions: dict[str, HostFunction],
                  wall_seconds: float | None = None) -> ScriptOutcome:
        """Run ``code`` (already through ``check_script``) with ``functions`` as its only external functions."""
        wall = wall_seconds or self.wall_seconds
        stdout = CollectString(max_bytes=self.stdout_bytes)
        script = _Script(asyncio.get_running_loop(), functions)
        gate = self._gate()
        await gate.acquire()  # released when the script's thread is done and its session back in the pool
        self._active.add(script)

        def release() -> None:
            self._active.discard(script)
            gate.release()

        script.deadline = time.monotonic() + wall + 1.0  # a second after the wall-clock limit below
        try:
            job = self._executor.submit(script.run, self._ensure_pool, self._limits, code, inputs, stdout)
        except RuntimeError:  # the executor is shut down
            release()
            return ScriptOutcome(ok=False, error_kind="crashed", error="The code-mode runner is closed")
        job.add_done_callback(lambda _: script.post(script._set_finished, release))
        try:
            async with asyncio.timeout(wall):
                value = await script.result
            outcome = ScriptOutcome(ok=True, value=value)
        except TimeoutError:
            outcome = ScriptOutcome(ok=False, error_kind="timeout",
                                    error=f"The script exceeded its {wall:g} s wall-clock limit (Hub calls "
                                          "included); fetch less or use fewer calls")
        except MontyError as exc:
            outcome = _failure(exc)
        except _Stopped:
            outcome = ScriptOutcome(ok=False, error_kind="crashed",
                                    error="The script was stopped: the code-mode runner is shutting down")
        finally:
            script.stop()
            if script.result.cancelled():
                # Stopped mid-run: the current interpreter step finishes and the session closes before we return.
                await asyncio.wait([script.finished])
        outcome.stdout = stdout.output
        outcome.sandbox_seconds = script.sandbox_seconds
        outcome.host_call_seconds = script.host_call_seconds
        outcome.helper_calls = script.helper_calls
        return outcome


def _settle(task: asyncio.Future) -> dict[str, Any]:
    if task.cancelled():
        return {"exc_type": "RuntimeError", "message": "the helper call was cancelled"}
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
