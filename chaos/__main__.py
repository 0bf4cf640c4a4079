"""``python -m chaos`` (``make chaos``): the kill -9 loop on SQLite and PostgreSQL, then a PostgreSQL server
restart under a running replica. Prints the figures, writes them as JSON, exits 1 on any failure."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.load_procs import start_emulator
from chaos.database import (
    DEFAULT_POSTGRES_URL,
    fresh_postgres_database,
    postgres_reachable,
    sqlite_url,
)
from chaos.figures import ChaosReport, KillLoopFigures, PgRestartFigures
from chaos.kill_loop import Accounts, KillLoop

LOAD_TOKEN = "hf_emu_load_{:04d}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--sqlite-trials", type=int, default=30, help="kill -9 trials on SQLite (default 30)")
    parser.add_argument("--pg-trials", type=int, default=10, help="kill -9 trials on PostgreSQL (default 10)")
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients per trial (default 6)")
    parser.add_argument("--pg-restart", action=argparse.BooleanOptionalAction, default=True,
                        help="restart the PostgreSQL cluster under a running replica (default on; it briefly "
                             "interrupts every other user of that cluster)")
    parser.add_argument("--pg-url", default=os.environ.get("ML_INTERN_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
                        help="an existing database to connect to for creating the run's own (default: "
                             "$ML_INTERN_TEST_POSTGRES_URL or %(default)s)")
    parser.add_argument("--require-postgres", action=argparse.BooleanOptionalAction,
                        default=os.environ.get("CI") == "true",
                        help="fail when PostgreSQL is unreachable instead of skipping its part (default: under CI)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--kill-window", type=float, nargs=2, default=(0.1, 2.5), metavar=("MIN", "MAX"),
                        help="the kill comes at a random moment this many seconds after the clients start "
                             "(default 0.1 2.5)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    parser.add_argument("--workdir", type=Path, default=None, help="server and emulator logs, SQLite database")
    args = parser.parse_args(argv)
    for name in ("sqlite_trials", "pg_trials"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0")
    if args.clients < 1:
        parser.error("--clients must be >= 1")
    if not 0 <= args.kill_window[0] <= args.kill_window[1]:
        parser.error("--kill-window needs 0 <= MIN <= MAX")
    return args


async def run(args: argparse.Namespace, report: ChaosReport, workdir: Path) -> None:
    rng = random.Random(report.seed)
    emulator = start_emulator(args.clients, workdir / "emulator.log")
    try:
        accounts = Accounts(emulator.url, [LOAD_TOKEN.format(i) for i in range(args.clients)])
        if args.sqlite_trials:
            loop = KillLoop(backend="sqlite", database_url=sqlite_url(workdir), emulator_url=emulator.url,
                            accounts=accounts, workdir=workdir, rng=rng,
                            kill_window=tuple(args.kill_window))
            report.kill_loops.append(loop.figures)
            await loop.run(args.sqlite_trials)
        if args.pg_trials or args.pg_restart:
            absent = postgres_reachable(args.pg_url)
            if absent and args.require_postgres:
                raise RuntimeError(f"PostgreSQL is required (CI=true or --require-postgres) but {args.pg_url} is "
                                   f"unreachable: {absent}")
            if absent:
                reason = f"PostgreSQL unreachable at {args.pg_url} ({absent}); set --pg-url"
                if args.pg_trials:
                    report.kill_loops.append(KillLoopFigures(backend="postgres", skipped=reason))
                if args.pg_restart:
                    report.pg_restart = PgRestartFigures(skipped=reason)
                return
            if args.pg_trials:
                with fresh_postgres_database(args.pg_url) as database_url:
                    loop = KillLoop(backend="postgres", database_url=database_url, emulator_url=emulator.url,
                                    accounts=accounts, workdir=workdir, rng=rng,
                                    kill_window=tuple(args.kill_window))
                    report.kill_loops.append(loop.figures)
                    await loop.run(args.pg_trials)
            if args.pg_restart:
                from chaos.pg_restart import run_pg_restart
                with fresh_postgres_database(args.pg_url) as database_url:
                    report.pg_restart = await run_pg_restart(database_url=database_url, emulator_url=emulator.url,
                                                             accounts=accounts, workdir=workdir, rng=rng)
    finally:
        emulator.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    report = ChaosReport(seed=seed, clients_per_trial=args.clients, kill_loops=[])
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ml-intern-chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"chaos: seed {seed}, logs in {workdir}", flush=True)
    started = time.monotonic()
    try:
        asyncio.run(run(args, report, workdir))
    except Exception as exc:  # the run itself broke: reported with the figures gathered so far
        report.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    report.wall_s = round(time.monotonic() - started, 1)
    print(report.table(), flush=True)
    if args.json is not None:
        args.json.write_text(report.model_dump_json(indent=2) + "\n")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
