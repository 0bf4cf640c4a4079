"""`python -m tests.emulator --port 9000 [--host 127.0.0.1] [--load-accounts N] [--hub-fault SERVICE=MODE[:N]]` —
run the emulator by hand."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn

from tests.serving import bind_socket

from .accounts import LOAD_TOKEN_PREFIX
from .app import create_app
from .hub_faults import HubFault
from .state import EmulatorState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=9000, help="port to listen on (0 = pick a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--reasoning-replay", default="strict", choices=["strict", "lenient"],
                        help="strict: thinking models that need their reasoning back refuse a tool-call history "
                             "without it (400), as the real provider does; lenient: accept it")
    parser.add_argument("--load-accounts", type=int, default=0, metavar="N",
                        help="add N classic-write accounts for load tests (tokens hf_emu_load_0000, ...)")
    parser.add_argument("--hub-fault", action="append", default=[], metavar="SERVICE=MODE[:N]",
                        help="make a Hub service fail until cleared (DELETE /_emulator/faults): SERVICE is whoami "
                             "or datasets-server, MODE error[:STATUS] | garbage | wrong_shape | hang[:SECONDS]; "
                             "repeatable")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = parser.parse_args(argv)
    if args.load_accounts < 0:
        parser.error("--load-accounts must be >= 0")
    try:
        args.hub_faults = [HubFault.parse(text) for text in args.hub_fault]
    except ValueError as exc:
        parser.error(f"--hub-fault: {exc}")
    return args


def banner(host: str, port: int, load_accounts: int = 0) -> str:
    base = f"http://{host}:{port}"
    lines = [
        "Hugging Face emulator listening:",
        f"  ML_INTERN_HUB_URL={base}",
        f"  ML_INTERN_ROUTER_URL={base}/v1",
        f"  ML_INTERN_DATASETS_SERVER_URL={base}",
        f"  ML_INTERN_SPACES_URL_TEMPLATE={base}/spaces-host/{{subdomain}}",
        "Tokens: hf_emu_alice, hf_emu_bob, hf_emu_carol_noinfer, hf_emu_dave_fg, hf_emu_erin_read, hf_emu_org_acme",
    ]
    if load_accounts:
        lines.append(f"Load tokens: {LOAD_TOKEN_PREFIX}0000 ... {LOAD_TOKEN_PREFIX}{load_accounts - 1:04d} "
                     f"({load_accounts} accounts)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sock = bind_socket(args.host, args.port)
    print(banner(args.host, sock.getsockname()[1], args.load_accounts), flush=True)
    state = EmulatorState(reasoning_replay=args.reasoning_replay, load_accounts=args.load_accounts)
    state.spaces.hub_url = f"http://{args.host}:{sock.getsockname()[1]}"  # Space apps check tokens against it
    for service, fault in args.hub_faults:
        state.hub_faults.set(service, fault)
    server = uvicorn.Server(uvicorn.Config(create_app(state), log_level=args.log_level, lifespan="off"))
    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        state.spaces.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
