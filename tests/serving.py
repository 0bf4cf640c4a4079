"""Serve an ASGI app on a loopback port from a background thread (for the emulator and the product server)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

STARTUP_TIMEOUT_S = 30.0


class _Server(uvicorn.Server):
    """A uvicorn server that signals readiness and installs no signal handlers (it runs off the main thread)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose ``proto`` says TCP,
    # and an accepted socket inherits the listener's (0 by default). Without it, a response's last small write
    # waited for the client's delayed ACK (Nagle): 40 ms added to every kept-alive request, which no real
    # server (nor the router) does.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@contextmanager
def serve_in_thread(app, *, host: str = "127.0.0.1", port: int = 0, lifespan: str = "on",
                    name: str = "server") -> Iterator[int]:
    """Yields the bound port once the app accepts connections; stops it on exit."""
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan, timeout_graceful_shutdown=2,
                                    access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name=f"{name}-{actual_port}", daemon=True)
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            raise RuntimeError(f"{name} failed to start")
        yield actual_port
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
