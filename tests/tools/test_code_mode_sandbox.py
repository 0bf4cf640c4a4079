"""The code-mode sandbox: host-side AST gate, fresh interpreter per script, time/memory limits, concurrency."""

from __future__ import annotations

import asyncio

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
