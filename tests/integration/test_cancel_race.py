"""Cancel at random moments of streamed turns, through the HTTP API: every turn ends ``cancelled`` or
``completed``; what the client received over SSE is gapless (0..n), is exactly what the events route replays,
and rebuilds the response object GET returns. (tests/unit/test_cancel_race.py tries hundreds of cancel points
in-process.)"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from typing import Any

from agent import events as ev
from tests.integration.helpers import (
    TERMINAL_EVENTS,
    all_events,
    nonce,
    parse_sse,
    uscript, sse_lines,
)

TURNS = 36


def random_steps(rng: random.Random) -> list[dict[str, Any]]:
    answer = {"say": " ".join(f"word{i}" for i in range(rng.randint(4, 30))), "chunks": rng.randint(2, 10),
              "delay_ms": rng.choice((5, 10, 20)), "think": "thinking " * rng.randint(1, 8)}
    roll = rng.random()
    if roll < 0.2:
        # A tool call first: the cancel may land on the tool, or on the second model call.
        return [{"call": "hub_search", "arguments": {"search": "bert", "limit": 1}}, answer]
    if roll < 0.35:
        # The first answer breaks off after half its text and is retried (its failure counter is this turn's own).
        return [{"stream_error": 503, "times": 1}, answer | {"say": f"{answer['say']} {nonce()}"}]
    return [answer]


def stream_turn(server, steps: list[dict[str, Any]], ids: queue.Queue, received: list[dict[str, Any]]) -> None:
    """POST a streaming create and read its SSE to the end; the response id goes to ``ids`` at once."""
    with server.client() as client, client.stream(
            "POST", "/v1/responses", json={"input": uscript(*steps), "stream": True}) as reply:
        assert reply.status_code == 200, reply.read()
        for frame in parse_sse(sse_lines(reply)):
            event = frame["data"]
            assert frame["event"] == event["type"] and frame["id"] == str(event["sequence_number"])
            if event["type"] == ev.CREATED:
                ids.put(event["response"]["id"])
            received.append(event)


def test_random_cancel_delays_end_cancelled_or_completed_with_gapless_replayable_logs(server, alice):
    rng = random.Random(4120)
    outcomes: Counter[str] = Counter()
    for _turn in range(TURNS):
        steps = random_steps(rng)
        delay = rng.uniform(0, 0.12)
        ids: queue.Queue[str] = queue.Queue()
        received: list[dict[str, Any]] = []
        created_at = time.monotonic()
        reader = threading.Thread(target=stream_turn, args=(server, steps, ids, received))
        reader.start()
        response_id = ids.get(timeout=15)
        time.sleep(max(0.0, created_at + delay - time.monotonic()))
        assert alice.post(f"/v1/responses/{response_id}/cancel").status_code == 200
        reader.join(30)
        assert not reader.is_alive()

        final = alice.get(f"/v1/responses/{response_id}").json()
        types = [e["type"] for e in received]
        assert final["status"] in ("cancelled", "completed"), (final["status"], final["error"], types)
        assert types[-1] in TERMINAL_EVENTS and types[-1] == f"response.{final['status']}"
        # Gapless, and exactly the log the events route replays.
        assert [e["sequence_number"] for e in received] == list(range(len(received))), types
        assert all_events(alice, response_id) == received
        # Replayable: the events rebuild the response object GET serves.
        assert ev.project(received).public() == final
        # Every message and reasoning item that was opened is closed by its own output_item.done (a tool call cut
        # off by the cancel is closed by the cancelled snapshot); nothing is left in progress.
        streamed = {e["item"]["id"] for e in received
                    if e["type"] == ev.ITEM_ADDED and e["item"]["type"] in ("message", "reasoning")}
        done = {e["item"]["id"] for e in received if e["type"] == ev.ITEM_DONE}
        assert streamed <= done, types
        assert all(item["status"] != "in_progress" for item in final["output"])
        outcomes[final["status"]] += 1
    # The delays span the turn: some land before the answer ends, some after.
    assert outcomes["cancelled"] >= TURNS // 4 and outcomes["completed"] >= 1, outcomes
