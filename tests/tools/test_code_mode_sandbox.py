"""The code-mode sandbox: host-side AST gate, fresh interpreter per script, time/memory limits, concurrency."""

from __future__ import annotations

import asyncio
import contextvars
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.tools.code_mode.sandbox import MontyRunner, ScriptRejected, check_script


@pytest.mark.parametrize(("code", "why"), [
    ("import os\nresult = 1", "import is not available"),
    ("from json import dumps\nresult = 1", "import is not available"),
    ("x = __import__('os')", "'__import__' is not available"),
    ("result = open('/etc/passwd').read()", "'open' is not available"),
    ("result = eval('1')", "'eval' is not available"),
    ("result = getattr(1, 'real')", "'getattr' is not available"),
    ("result = (1).__class__.__mro__", "dunder attribute"),
    ("result = (", "SyntaxError"),
    ("", "empty"),
])
def test_host_rejects_before_running(code, why):
    with pytest.raises(ScriptRejected, match=why):
        check_script(code)


def test_forgotten_final_result_line_is_added():
    assert check_script("result = 1").rstrip().endswith("\nresult")
    assert check_script("x = 1\nx") == "x = 1\nx"  # an explicit final expression is left alone


async def echo(**kwargs):
    await asyncio.sleep(0.01)
    return {"ok": True, "items": [kwargs], "meta": {}, "error": None, "item": kwargs}


async def test_helpers_are_awaited_and_unawaited_calls_run_concurrently(runner):
    code = check_script("a = hf_echo(n=1)\nb = hf_echo(n=2)\n"
                        "result = [(await b)['item'], (await a)['item'], max_calls]")
    outcome = await runner.run(code, inputs={"max_calls": 7}, functions={"hf_echo": echo})
    assert outcome.ok and outcome.value == [{"n": 2}, {"n": 1}, 7] and outcome.helper_calls == 2


async def test_each_script_gets_a_fresh_interpreter(runner):
    first = await runner.run(check_script("secret = 42\nresult = secret"), inputs={}, functions={})
    second = await runner.run(check_script("result = secret"), inputs={}, functions={})
    assert first.value == 42
    assert not second.ok and "NameError" in second.error


async def test_cpu_time_limit(runner):
    outcome = await runner.run(check_script("x = 0\nwhile True:\n    x += 1"), inputs={}, functions={})
    assert not outcome.ok and outcome.error_kind == "timeout" and "TimeoutError" in outcome.error


async def test_memory_limit(runner):
    outcome = await runner.run(check_script("x = []\nwhile True:\n    x.append('a' * 10000)"), inputs={},
                               functions={})
    assert not outcome.ok and outcome.error_kind == "memory"


async def test_wall_clock_limit_covers_host_calls(runner):
    async def hang(**kwargs):
        await asyncio.sleep(30)

    outcome = await runner.run(check_script("result = await hf_hang()"), inputs={}, functions={"hf_hang": hang},
                               wall_seconds=0.3)
    assert not outcome.ok and outcome.error_kind == "timeout" and "wall-clock" in outcome.error


async def test_unknown_helper_and_file_access_fail_inside_the_script(runner):
    outcome = await runner.run(check_script("result = await hf_nope()"), inputs={}, functions={})
    assert not outcome.ok and "NameError" in outcome.error
    # The AST gate stops `open`; an OS call reached another way is not handled by the host either.
    outcome = await runner.run("from pathlib import Path\nPath('/etc/passwd').read_text()", inputs={}, functions={})
    assert not outcome.ok


async def test_helper_exceptions_reach_the_script(runner):
    async def bad(**kwargs):
        raise TypeError("hf_bad(): unexpected keyword argument 'x'")

    code = check_script("try:\n    await hf_bad(x=1)\n    result = 'no'\nexcept TypeError as e:\n    result = str(e)")
    outcome = await runner.run(code, inputs={}, functions={"hf_bad": bad})
    assert outcome.value == "hf_bad(): unexpected keyword argument 'x'"


async def test_stdout_is_captured_not_printed(runner, capsys):
    outcome = await runner.run(check_script("print('hello')\nresult = 1"), inputs={}, functions={})
    assert outcome.stdout == "hello\n" and capsys.readouterr().out == ""


async def test_many_sessions_run_concurrently_within_the_pool_bound():
    runner = MontyRunner(max_sessions=4, wall_seconds=20.0)
    try:
        in_flight, peak = 0, 0

        async def slow(**kwargs):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.05)
            in_flight -= 1
            return kwargs["n"]

        code = check_script("result = await hf_slow(n=n)")
        outcomes = await asyncio.gather(*(runner.run(code, inputs={"n": i}, functions={"hf_slow": slow})
                                          for i in range(16)))
        assert [o.value for o in outcomes] == list(range(16))
        assert peak == 4  # sessions overlap, but never more than the pool allows
    finally:
        runner.close()


async def test_several_concurrent_helpers_within_each_of_many_scripts():
    runner = MontyRunner(max_sessions=8, wall_seconds=20.0)
    try:
        code = check_script("calls = [hf_echo(n=n * 10 + i) for i in range(3)]\n"
                            "result = [(await c)['item']['n'] for c in calls]")
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(runner.run(code, inputs={"n": n}, functions={"hf_echo": echo})
                                          for n in range(24)))
        elapsed = time.perf_counter() - started
        assert [o.value for o in outcomes] == [[n * 10, n * 10 + 1, n * 10 + 2] for n in range(24)]
        assert all(o.helper_calls == 3 for o in outcomes)
        assert elapsed < 24 * 3 * 0.01  # 72 helper calls of 10 ms each overlapped, within and across scripts
    finally:
        runner.close()


async def test_the_event_loop_keeps_running_while_a_script_computes(runner):
    ticks: list[float] = []

    async def ticker():
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.005)

    ticking = asyncio.create_task(ticker())
    try:
        outcome = await runner.run(check_script("x = 0\nwhile x < 2000000:\n    x += 1\nresult = x"), inputs={},
                                   functions={})
    finally:
        ticking.cancel()
    assert outcome.ok and outcome.value == 2000000
    assert outcome.sandbox_seconds > 0.05 and len(ticks) > 5  # the loop ticked all along
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 0.1  # blocking on the step would be a ~0.3 s gap


async def test_cancelling_a_script_cancels_its_helpers_and_keeps_the_pool_healthy(runner):
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def hang(**kwargs):
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    code = check_script("a = hf_hang()\nb = hf_hang()\nresult = [await a, await b]")
    run = asyncio.create_task(runner.run(code, inputs={}, functions={"hf_hang": hang}))
    await asyncio.wait_for(started.wait(), 5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert cancelled.is_set()
    outcomes = await asyncio.gather(*(runner.run(check_script("result = await hf_echo(n=1)"), inputs={},
                                                 functions={"hf_echo": echo}) for _ in range(10)))
    assert all(o.ok and o.value["item"] == {"n": 1} for o in outcomes)


async def test_helpers_run_in_the_callers_context(runner):
    who = contextvars.ContextVar("who", default="nobody")

    async def whoami(**kwargs):
        return who.get()

    who.set("alice")
    outcome = await runner.run(check_script("result = await hf_whoami()"), inputs={}, functions={"hf_whoami": whoami})
    assert outcome.value == "alice"


async def test_helper_failures_that_are_not_script_errors_become_runtime_errors(runner):
    async def boom(**kwargs):
        raise OSError("connection reset")

    def not_async(**kwargs):
        raise TypeError("hf_sync() takes no arguments")

    code = check_script("try:\n    await hf_boom()\nexcept RuntimeError as e:\n    a = str(e)\n"
                        "try:\n    await hf_sync(x=1)\nexcept TypeError as e:\n    b = str(e)\nresult = [a, b]")
    outcome = await runner.run(code, inputs={}, functions={"hf_boom": boom, "hf_sync": not_async})
    assert outcome.value == ["OSError: connection reset", "hf_sync() takes no arguments"]


async def test_stdout_is_bounded():
    runner = MontyRunner(max_sessions=1, stdout_bytes=1000)
    try:
        outcome = await runner.run(check_script("for i in range(1000):\n    print('x' * 50)\nresult = 1"),
                                   inputs={}, functions={})
        assert not outcome.ok and outcome.error_kind == "memory" and len(outcome.stdout) <= 1000
    finally:
        runner.close()


async def test_closing_the_runner_stops_a_script_waiting_on_a_helper():
    runner = MontyRunner(max_sessions=2, wall_seconds=30.0)
    waiting = asyncio.Event()

    async def hang(**kwargs):
        waiting.set()
        await asyncio.sleep(30)

    run = asyncio.create_task(runner.run(check_script("result = await hf_hang()"), inputs={},
                                         functions={"hf_hang": hang}))
    await asyncio.wait_for(waiting.wait(), 5)
    await asyncio.wait_for(runner.aclose(), 5)
    outcome = await asyncio.wait_for(run, 5)
    assert not outcome.ok and outcome.error_kind == "crashed" and not runner.started


def test_the_process_exits_cleanly_with_or_without_closing_the_runner():
    program = """
import asyncio, sys
from agent.tools.code_mode.sandbox import MontyRunner, check_script

async def one(**kwargs):
    await asyncio.sleep(0.01)
    return kwargs["n"]

async def main(close):
    runner = MontyRunner(max_sessions=2)
    outcome = await runner.run(check_script("a = hf_one(n=1)\\nresult = (await a) + 1"), inputs={},
                               functions={"hf_one": one})
    assert outcome.value == 2, outcome
    if close:
        await runner.aclose()

asyncio.run(main(sys.argv[1] == "close"))
print("done")
"""
    root = Path(__file__).resolve().parents[2]
    for mode in ("close", "leave-open"):
        proc = subprocess.run([sys.executable, "-c", program, mode], cwd=root, capture_output=True, text=True,
                              timeout=60, env={**os.environ, "PYTHONPATH": str(root)})
        assert proc.returncode == 0 and proc.stdout.strip() == "done", (mode, proc.returncode, proc.stderr[-2000:])
