"""Two servers under the same load at the same time: the CPU each spends per relayed delta, and their ratio.

    python -m benchmarks.side_by_side                               # this checkout against itself (an A/A run)
    python -m benchmarks.side_by_side --a-dir ../base --b-env ML_INTERN_DELTA_FLUSH_MS=25
    python -m benchmarks.side_by_side --a URL --a-pid P --b URL --b-pid P --tokens-file tokens.txt

Each wave loads both servers at once with ``--streams`` streamed turns each, first of one chunk (the turns' set-up,
subtracted), then of ``--chunks`` chunks 20 ms apart, as the load harness's stream scenario does. A busy moment
of a shared machine then hits both alike. On this project's VM one server's CPU per delta moves by ±20% from one
wave to the next, while the ratio between two copies of the same server stays within 0.92-1.09 (median 1.00):
compare the ratio, over several waves. With ``--a-dir``/``--b-dir`` each server runs from its own source tree
(another checkout or worktree, with this one's environment); both use one emulator as their router.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.load import StreamResult, nonce, percentile, read_stamped_stream, script, stream_session
from benchmarks.load_procs import ROOT, ServerProcess, cpu_seconds, server_env, start_emulator, start_server

PACING_MS = 20
PER_ACCOUNT = 8  # turns at once per account, under the server's default per-account limit


@dataclass
class Side:
    url: str
    pid: int
    tokens: list[str]


@dataclass
class Wave:
    a_us_per_delta: float
    b_us_per_delta: float
    a_lag_p50_ms: float | None
    b_lag_p50_ms: float | None
    errors: int

    @property
    def ratio(self) -> float:
        return self.b_us_per_delta / self.a_us_per_delta if self.a_us_per_delta > 0 else math.nan


@dataclass
class Summary:
    waves: list[Wave] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        a = [w.a_us_per_delta for w in self.waves]
        b = [w.b_us_per_delta for w in self.waves]
        return {"a_us_per_delta_median": round(statistics.median(a), 1),
                "b_us_per_delta_median": round(statistics.median(b), 1),
                "b_over_a_median": round(statistics.median(w.ratio for w in self.waves), 3),
                "b_over_a_min": round(min(w.ratio for w in self.waves), 3),
                "b_over_a_max": round(max(w.ratio for w in self.waves), 3),
                "errors": float(sum(w.errors for w in self.waves))}


async def _load_both(sides: tuple[Side, Side], streams: int, chunks: int) -> tuple[list[float], list[StreamResult]]:
    """Both sides' CPU seconds over one wave of ``streams`` turns each (started over half a second), and the
    results (A's first)."""
    tag = nonce()
    async with stream_session() as client:
        tasks = []
        for name, side in zip("ab", sides):
            for i in range(streams):
                body = {"input": script({"stamped": chunks, "delay_ms": PACING_MS},
                                        prompt=f"Side by side {tag} {name} #{i}."), "stream": True}
                tasks.append(read_stamped_stream(client, side.url, side.tokens[i % len(side.tokens)], body, chunks,
                                                 i * 0.5 / streams))
        before = [cpu_seconds(side.pid) for side in sides]
        results = await asyncio.gather(*tasks)
        after = [cpu_seconds(side.pid) for side in sides]
    return [end - start for start, end in zip(before, after)], results


def _lag_p50_ms(results: list[StreamResult]) -> float | None:
    p50 = percentile([lag for r in results for lag in r.lags], 50)
    return round(p50 * 1000, 2) if p50 is not None else None


async def measure(sides: tuple[Side, Side], *, streams: int, chunks: int, waves: int) -> Summary:
    await _load_both(sides, streams, 2)  # warm-up: token checks cached, pools open
    summary = Summary()
    extra = streams * (chunks - 1)
    for number in range(waves):
        base, base_results = await _load_both(sides, streams, 1)
        full, results = await _load_both(sides, streams, chunks)
        wave = Wave(a_us_per_delta=(full[0] - base[0]) / extra * 1e6, b_us_per_delta=(full[1] - base[1]) / extra * 1e6,
                    a_lag_p50_ms=_lag_p50_ms(results[:streams]), b_lag_p50_ms=_lag_p50_ms(results[streams:]),
                    errors=sum(1 for r in base_results + results if r.error))
        summary.waves.append(wave)
        print(f"wave {number + 1}: A {wave.a_us_per_delta:6.1f} µs/delta, B {wave.b_us_per_delta:6.1f} µs/delta, "
              f"B/A {wave.ratio:.3f}; lag p50 A {wave.a_lag_p50_ms} ms, B {wave.b_lag_p50_ms} ms; "
              f"errors {wave.errors}", flush=True)
    return summary


def _settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.startswith("ML_INTERN_"):
            raise SystemExit(f"--a-env/--b-env take ML_INTERN_NAME=value, got {pair!r}")
        settings[name] = value
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.side_by_side", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=50, help="streams per server per wave (default 50)")
    parser.add_argument("--chunks", type=int, default=100, help="chunks per stream, 20 ms apart (default 100)")
    parser.add_argument("--waves", type=int, default=8, help="waves (default 8)")
    parser.add_argument("--a-dir", type=Path, default=ROOT, help="source tree of server A (default: this one)")
    parser.add_argument("--b-dir", type=Path, default=ROOT, help="source tree of server B (default: this one)")
    parser.add_argument("--a-env", action="append", default=[], help="ML_INTERN_NAME=value for server A")
    parser.add_argument("--b-env", action="append", default=[], help="ML_INTERN_NAME=value for server B")
    parser.add_argument("--a", help="URL of a running server A (with --a-pid, --b, --b-pid, --tokens-file)")
    parser.add_argument("--a-pid", type=int)
    parser.add_argument("--b")
    parser.add_argument("--b-pid", type=int)
    parser.add_argument("--tokens-file", type=Path, help="one bearer token per line (each side uses half)")
    parser.add_argument("--json", type=Path, help="write the waves and the summary here")
    args = parser.parse_args(argv)
    if not 1 <= args.streams <= 500 or not 2 <= args.chunks <= 10_000 or not 1 <= args.waves <= 100:
        raise SystemExit("--streams 1-500, --chunks 2-10000, --waves 1-100")
    accounts = -(-args.streams // PER_ACCOUNT)  # per side
    with ExitStack() as stack:
        if args.a is not None:
            if None in (args.a_pid, args.b, args.b_pid, args.tokens_file):
                raise SystemExit("--a needs --a-pid, --b, --b-pid and --tokens-file")
            tokens = [t for t in (line.strip() for line in args.tokens_file.read_text().splitlines()) if t]
            if len(tokens) < 2 * accounts:
                raise SystemExit(f"{args.streams} streams per side need {2 * accounts} tokens, {len(tokens)} given")
            sides = (Side(args.a, args.a_pid, tokens[:accounts]), Side(args.b, args.b_pid, tokens[accounts:]))
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ml-intern-side-by-side-")))
            emulator = start_emulator(2 * accounts, workdir / "emulator.log")
            stack.callback(emulator.stop)
            tokens = [f"hf_emu_load_{i:04d}" for i in range(2 * accounts)]
            servers: list[ServerProcess] = []
            for name, tree, pairs in (("a", args.a_dir, args.a_env), ("b", args.b_dir, args.b_env)):
                env = server_env(emulator.url, f"sqlite:///{workdir / name}.db", **_settings(pairs))
                server = start_server(env, workdir / f"server-{name}.log", cwd=tree.resolve())
                stack.callback(server.stop)
                servers.append(server)
            sides = (Side(servers[0].url, servers[0].process.pid, tokens[:accounts]),
                     Side(servers[1].url, servers[1].process.pid, tokens[accounts:]))
        summary = asyncio.run(measure(sides, streams=args.streams, chunks=args.chunks, waves=args.waves))
    figures = summary.figures()
    print(f"CPU per relayed delta, median of {len(summary.waves)} waves: A {figures['a_us_per_delta_median']} µs, "
          f"B {figures['b_us_per_delta_median']} µs; B/A median {figures['b_over_a_median']} "
          f"(waves {figures['b_over_a_min']}-{figures['b_over_a_max']}); errors {figures['errors']:.0f}")
    if args.json is not None:
        args.json.write_text(json.dumps({"figures": figures, "waves": [w.__dict__ for w in summary.waves]},
                                        indent=2))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
