"""A loopback TCP proxy in front of the server that cuts one connection mid-stream, as a network drop does (the
server keeps running). Every request head passing through is kept, to see how the client resumed."""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.serving import bind_socket


class CuttingProxy:
    """Forwards to ``127.0.0.1:target_port``. The first server→client stream in which ``marker`` has been seen
    ``count`` times is cut (a TCP reset on both sides) in the middle of that occurrence: the client got
    ``count - 1`` whole frames and a piece of the next."""

    def __init__(self, target_port: int, marker: bytes, count: int) -> None:
        self.target_port = target_port
        self.marker = marker
        self.count = count
        self.request_heads: list[str] = []
        self.cuts = 0
        self._lock = threading.Lock()
        self._listener = bind_socket()
        self.port = self._listener.getsockname()[1]
        self._closing = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._replies, args=(upstream, client), daemon=True).start()

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def _requests(self, source: socket.socket, sink: socket.socket) -> None:
        pending = b""
        while data := _recv(source):
            pending = self._record_heads(pending + data)
            if not _send(sink, data):
                break
        _close(sink)

    def _record_heads(self, pending: bytes) -> bytes:
        """Keeps the head of each whole request in ``pending`` (keep-alive: several per connection); returns
        what is left of an unfinished one."""
        while (end := pending.find(b"\r\n\r\n")) != -1:
            head = pending[:end].decode("latin-1")
            length = re.search(r"(?im)^content-length:\s*(\d+)", head)
            size = end + 4 + (int(length.group(1)) if length else 0)
            if len(pending) < size:
                break
            with self._lock:
                self.request_heads.append(head)
            pending = pending[size:]
        return pending

    def _replies(self, source: socket.socket, sink: socket.socket) -> None:
        seen = 0
        while data := _recv(source):
            with self._lock:
                cut_here = None
                if self.cuts == 0:
                    start = 0
                    while (found := data.find(self.marker, start)) != -1:
                        seen += 1
                        if seen == self.count:
                            cut_here = found + len(self.marker) // 2
                            self.cuts += 1
                            break
                        start = found + 1
            if cut_here is not None:
                _send(sink, data[:cut_here])
                _reset(sink)
                _reset(source)
                return
            if not _send(sink, data):
                break
        _close(sink)
        source.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), not an orderly FIN: the connection is gone, as when a network drops."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Wakes the other pump's recv on this socket (without a FIN): a socket another thread is blocked on is
        # only released, and the reset sent, once that call returns.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    sock.close()


@contextmanager
def cutting_proxy(target_port: int, marker: bytes, count: int) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(target_port, marker, count)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.close()
