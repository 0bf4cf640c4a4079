"""A 1,000-chunk streamed answer: straight from the emulator's router vs through the server's SSE stream."""

from __future__ import annotations

import json
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx  # noqa: E402

from tests.conftest import make_settings, run_server, script  # noqa: E402
from tests.emulator import run_emulator  # noqa: E402

CHUNKS = 1000
TEXT = "word " * CHUNKS


def _direct(emulator_url: str) -> float:
    body = {"model": "moonshotai/Kimi-K2.6:novita", "stream": True,
            "messages": [{"role": "user", "content": script({"say": TEXT, "chunks": CHUNKS})}]}
    started = time.perf_counter()
    with httpx.stream("POST", f"{emulator_url}/v1/chat/completions", json=body, timeout=60,
                      headers={"authorization": "Bearer hf_emu_alice"}) as reply:
        chunks = sum(1 for line in reply.iter_lines() if line.startswith("data: {"))
    assert chunks >= CHUNKS
    return time.perf_counter() - started


def _through_server(server_url: str) -> float:
    started = time.perf_counter()
    text = ""
    with httpx.stream("POST", f"{server_url}/v1/responses", timeout=60,
                      headers={"authorization": "Bearer hf_emu_alice"},
                      json={"input": script({"say": TEXT, "chunks": CHUNKS}), "stream": True}) as reply:
        for line in reply.iter_lines():
            if line.startswith("data: ") and (event := json.loads(line[6:]))["type"] == "response.output_text.delta":
                text += event["delta"]
    assert text == TEXT  # chunks that arrive together may be joined into one delta
    return time.perf_counter() - started


def main() -> None:
    with run_emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(emu, f"sqlite:///{tmp}/bench.db", delta_flush_ms=25)
        from pathlib import Path

        with run_server(settings, Path(tmp) / "bench.db") as server:
            _direct(emu.url), _through_server(server.url)  # warm-up
            direct = min(_direct(emu.url) for _ in range(3))
            served = min(_through_server(server.url) for _ in range(3))
    print(f"streamed answer of {CHUNKS} chunks (best of 3):")
    print(f"  straight from the emulator : {direct * 1000:8.1f} ms")
    print(f"  through the server (SSE)   : {served * 1000:8.1f} ms   ratio {served / direct:.2f}x "
          "(includes whoami, two store commits per lifecycle step, the agent loop)")


if __name__ == "__main__":
    main()
