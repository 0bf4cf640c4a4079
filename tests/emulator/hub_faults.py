"""Hub fault injection: make a Hub service fail the way a flaky network or an upstream incident does.

Services: ``whoami`` (``GET /api/whoami-v2``) and ``datasets-server`` (every datasets-server route). Modes:

- ``error``: an HTTP error in the service's own error shape (``status``, default 503); a whoami 429 carries the
  Hub's ``RateLimit`` headers, the window resetting in ``seconds``;
- ``garbage``: ``200 text/html`` with a proxy's error page instead of JSON;
- ``wrong_shape``: ``200 application/json`` that lacks what the client reads (whoami: ``{"type": "user"}`` with no
  account id or name; datasets-server: ``{}``);
- ``hang``: stall ``seconds`` before answering normally (a client with a shorter timeout sees a timeout).

A fault applies to the next ``times`` requests of the service (``None``: until cleared), after letting ``after``
requests through (so that it strikes in the middle of a tool's work). Set one in process
(``state.hub_faults.set("whoami", HubFault("error", status=500))``), over HTTP (``POST /_emulator/faults``), or
on the command line (``--hub-fault whoami=error:500``); ``DELETE /_emulator/faults`` and ``POST /_emulator/reset``
clear them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import datasets_server_error, hub_error

Service = Literal["whoami", "datasets-server"]
Mode = Literal["error", "garbage", "wrong_shape", "hang"]
SERVICES: tuple[str, ...] = ("whoami", "datasets-server")
MODES: tuple[str, ...] = ("error", "garbage", "wrong_shape", "hang")
GARBAGE_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class HubFault:
    mode: Mode
    status: int = 503
    seconds: float = 30.0
    times: int | None = None
    after: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; one of {list(MODES)}")
        if not 400 <= self.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if self.seconds < 0 or self.after < 0 or (self.times is not None and self.times < 1):
            raise ValueError("seconds and after must be >= 0, times >= 1")

    @classmethod
    def parse(cls, text: str) -> tuple[str, "HubFault"]:
        """``SERVICE=MODE[:N]`` (N: the status of ``error``, the seconds of ``hang``), as ``--hub-fault`` takes it."""
        service, _, spec = text.partition("=")
        mode, _, arg = spec.partition(":")
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; one of {list(SERVICES)}")
        if mode == "error" and arg:
            return service, cls(mode, status=int(arg))
        if mode == "hang" and arg:
            return service, cls(mode, seconds=float(arg))
        if arg:
            raise ValueError(f"mode {mode!r} takes no argument")
        return service, cls(mode)  # type: ignore[arg-type]


@dataclass
class HubFaults:
    """The faults in force, per service: (fault, requests still to let through, requests it may still spoil)."""

    _faults: dict[str, tuple[HubFault, int, int | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, service: str, fault: HubFault) -> None:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; one of {list(SERVICES)}")
        with self._lock:
            self._faults[service] = (fault, fault.after, fault.times)

    def clear(self, service: str | None = None) -> None:
        with self._lock:
            if service is None:
                self._faults.clear()
            else:
                self._faults.pop(service, None)

    def take(self, service: str) -> HubFault | None:
        """The fault this request of ``service`` plays, if any (counting it)."""
        with self._lock:
            entry = self._faults.get(service)
            if entry is None:
                return None
            fault, through, left = entry
            if through:
                self._faults[service] = (fault, through - 1, left)
                return None
            if left is not None:
                if left <= 1:
                    del self._faults[service]
                else:
                    self._faults[service] = (fault, 0, left - 1)
            return fault

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {service: {**asdict(fault), "let_through": through, "left": left}
                    for service, (fault, through, left) in self._faults.items()}


def _wrong_shape(service: str) -> Response:
    return JSONResponse({"type": "user"} if service == "whoami" else {})


def _error(service: str, fault: HubFault) -> Response:
    message = f"Emulated {service} fault ({fault.status})"
    if service != "whoami":
        return datasets_server_error(fault.status, message, "Fault")
    reply = hub_error(fault.status, message)
    if fault.status == 429:
        # The Hub's 429 says when its five-minute window resets (IETF RateLimit headers, as huggingface_hub parses
        # them): ``seconds`` of the fault.
        reply.headers["RateLimit"] = f'"api";r=0;t={int(fault.seconds)}'
        reply.headers["RateLimit-Policy"] = '"fixed window";"api";q=1000;w=300'
    return reply


def faulty(faults: HubFaults, service: str, handler: Handler) -> Handler:
    """``handler`` behind the faults set for ``service``."""

    async def endpoint(request: Request) -> Response:
        fault = faults.take(service)
        if fault is None:
            return await handler(request)
        if fault.mode == "hang":
            await asyncio.sleep(fault.seconds)
            return await handler(request)
        if fault.mode == "garbage":
            return Response(GARBAGE_PAGE, status_code=200, media_type="text/html")
        if fault.mode == "wrong_shape":
            return _wrong_shape(service)
        return _error(service, fault)

    return endpoint


def routes(faults: HubFaults) -> list[Any]:
    """``GET / POST / DELETE /_emulator/faults``."""
    from starlette.routing import Route

    async def show(request: Request) -> Response:
        return JSONResponse({"faults": faults.describe()})

    async def set_fault(request: Request) -> Response:
        try:
            body = await request.json()
            service = body.pop("service")
            faults.set(service, HubFault(**body))
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": f"invalid fault: {exc}"}, status_code=400)
        return JSONResponse({"faults": faults.describe()})

    async def clear(request: Request) -> Response:
        faults.clear(request.query_params.get("service"))
        return JSONResponse({"faults": faults.describe()})

    return [Route("/_emulator/faults", show, methods=["GET"]), Route("/_emulator/faults", set_fault, methods=["POST"]),
            Route("/_emulator/faults", clear, methods=["DELETE"])]
