"""Code-mode (hub_query) cost: interpreter overhead per script beyond its Hub calls, and many concurrent sessions.

Reported as ratios measured side by side in one run:
1. the same three-call lookup done by plain Python vs by a Monty script, with stub helpers of fixed latency
   (what the sandbox adds per script);
2. the same against the emulator with the real helpers over HTTP;
3. N scripts at once against one runner: how close the total time stays to one script's time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx  # noqa: E402

from agent.hf_hosts import HfOnlyBearerAuth  # noqa: E402
from agent.tools.code_mode.registry import script_functions  # noqa: E402
from agent.tools.code_mode.runtime import Budget  # noqa: E402
from agent.tools.code_mode.sandbox import MontyRunner, check_script  # noqa: E402
from tests.emulator import run_emulator  # noqa: E402
from tests.tools.context import settings_for  # noqa: E402

LATENCY = 0.02  # seconds per stub Hub call
SCRIPT = check_script("""
a = await hf_one(n=1)
b = await hf_one(n=2)
c = await hf_one(n=3)
rows = [r for r in a["items"] + b["items"] + c["items"] if r["n"] >= 2]
result = {"count": len(rows), "ns": [r["n"] for r in rows]}
""")


async def stub(**kwargs):
    await asyncio.sleep(LATENCY)
    return {"ok": True, "item": None, "items": [kwargs], "meta": {}, "error": None}


async def direct(one) -> dict:
    a, b, c = await one(n=1), await one(n=2), await one(n=3)
    rows = [r for r in a["items"] + b["items"] + c["items"] if r["n"] >= 2]
    return {"count": len(rows), "ns": [r["n"] for r in rows]}


async def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - started)
    return out


async def overhead_with_stubs(runner: MontyRunner, repeat: int = 40) -> None:
    await runner.run(SCRIPT, inputs={}, functions={"hf_one": stub})  # warm the pool
    sandbox_times: list[float] = []

    async def scripted():
        outcome = await runner.run(SCRIPT, inputs={}, functions={"hf_one": stub})
        assert outcome.ok and outcome.value == {"count": 2, "ns": [2, 3]}, outcome
        sandbox_times.append(outcome.sandbox_seconds)

    plain_times: list[float] = []
    code_times: list[float] = []
    for _ in range(repeat):  # interleaved, so background load on the machine hits both sides alike
        plain_times += await timed(lambda: direct(stub), 1)
        code_times += await timed(scripted, 1)
    plain, code = statistics.median(plain_times), statistics.median(code_times)
    print(f"  stub helpers ({LATENCY * 1000:.0f} ms each, 3 calls): plain Python {plain * 1000:.1f} ms, "
          f"Monty script {code * 1000:.1f} ms per script")
    print(f"    overhead {1000 * (code - plain):.1f} ms/script (ratio {code / plain:.2f}x); time inside interpreter "
          f"steps {1000 * statistics.median(sandbox_times):.1f} ms")


async def fixed_cost(runner: MontyRunner, repeat: int = 100) -> None:
    """What every script pays before any Hub call: a fresh session, the run, the result converted back."""
    code = check_script("rows = [{'n': i} for i in range(30)]\nresult = len([r for r in rows if r['n'] >= 2])")
    await runner.run(code, inputs={}, functions={})
    times = await timed(lambda: runner.run(code, inputs={}, functions={}), repeat)
    print(f"  a script with no Hub call (fresh session, run, result): {statistics.median(times) * 1000:.2f} ms")


async def overhead_against_emulator(runner: MontyRunner, url: str, repeat: int = 20) -> None:
    settings = settings_for(url)
    code = check_script("""
m = await hf_models_search(author="Qwen", limit=20, fields=["repo_id", "downloads"])
f = await hf_user_graph(username="alice", limit=200, fields=["username", "is_pro"])
d = await hf_repo_details(repo_id="Qwen/Qwen3-0.6B", fields=["repo_id", "num_params"])
result = {"models": len(m["items"]), "pro_followers": len([x for x in f["items"] if x["is_pro"]]),
          "params": d["item"]["num_params"]}
""")
    async with httpx.AsyncClient(auth=HfOnlyBearerAuth("hf_emu_alice", settings)) as http:
        def helpers():
            return script_functions(http=http, hub_url=url, username="alice", budget=Budget(max_calls=10))

        async def plain():
            fns = helpers()
            m = await fns["hf_models_search"](author="Qwen", limit=20, fields=["repo_id", "downloads"])
            f = await fns["hf_user_graph"](username="alice", limit=200, fields=["username", "is_pro"])
            d = await fns["hf_repo_details"](repo_id="Qwen/Qwen3-0.6B", fields=["repo_id", "num_params"])
            return len(m["items"]), len([x for x in f["items"] if x["is_pro"]]), d["item"]["num_params"]

        async def scripted():
            outcome = await runner.run(code, inputs={"max_calls": 10}, functions=helpers())
            assert outcome.ok, outcome.error

        await plain()
        await scripted()
        base = statistics.median(await timed(plain, repeat))
        script = statistics.median(await timed(scripted, repeat))
    print(f"  emulator, real helpers over HTTP (3 calls): plain Python {base * 1000:.1f} ms, Monty script "
          f"{script * 1000:.1f} ms (ratio {script / base:.2f}x, overhead {1000 * (script - base):.1f} ms)")


async def concurrency(max_sessions: int, sessions: tuple[int, ...] = (1, 8, 32, 64)) -> None:
    runner = MontyRunner(max_sessions=max_sessions)
    try:
        await asyncio.gather(*(runner.run(SCRIPT, inputs={}, functions={"hf_one": stub})
                               for _ in range(max_sessions)))  # spawn the workers first
        single = statistics.median(await timed(lambda: runner.run(SCRIPT, inputs={}, functions={"hf_one": stub}), 5))
        parts = []
        for n in sessions:
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(runner.run(SCRIPT, inputs={}, functions={"hf_one": stub})
                                              for _ in range(n)))
            total = time.perf_counter() - started
            assert all(o.ok for o in outcomes)
            waves = -(-n // max_sessions)
            parts.append(f"{n} at once: {total / single:.1f}x one script's time (ideal {waves}), "
                         f"{n / total:.0f} scripts/s")
        print(f"  pool of {max_sessions} sessions, one script = {single * 1000:.0f} ms: " + "; ".join(parts))
    finally:
        runner.close()


async def run() -> None:
    print("code mode (hub_query):")
    runner = MontyRunner(max_sessions=8)
    try:
        await fixed_cost(runner)
        await overhead_with_stubs(runner)
        with run_emulator() as emu:
            await overhead_against_emulator(runner, emu.url)
    finally:
        runner.close()
    for size in (8, 32):
        await concurrency(size)


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
