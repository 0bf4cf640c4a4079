"""Following a run's events to the end: replay then live, reconnecting after network drops with ``Last-Event-ID``
so that no event is missed or shown twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from ml_intern_cli.client import Api, ApiError, unreachable
from ml_intern_cli.exit_codes import CliError, ExitCode
from ml_intern_cli.models import SETTLED_STATUSES, TERMINAL_EVENTS, Response, SnapshotEvent

# Nothing can follow these (a pause, response.incomplete, can be approved and go on).
FINAL_EVENTS = frozenset({"response.completed", "response.failed", "response.cancelled"})

# Reconnection backoff (seconds), and how long the stream may stay unreachable before giving up.
FIRST_RETRY_DELAY = 0.2
MAX_RETRY_DELAY = 5.0
GIVE_UP_AFTER = 300.0


class EventStream:
    """Iterates a response's events after ``after`` until a terminal event (the run ended or paused).

    ``last`` is the sequence number of the last event yielded: a later stream resumes from it. Events at or
    before it, which a server may resend after a reconnect, are dropped."""

    def __init__(self, api: Api, response_id: str, *, after: int = -1,
                 on_reconnect: Callable[[int, str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.response_id = response_id
        self.last = after
        # Set when the stream stops without a terminal event: it began after the response had settled.
        self.settled: Response | None = None
        self._on_reconnect = on_reconnect
        self._sleep = sleep

    def until_settled(self) -> Iterator[dict[str, Any]]:
        """Every event to the end of the log. A stream ends at each terminal event, but a pause may have been
        approved since (its log goes on): after a pause, stop only when nothing follows and the response is
        settled."""
        while True:
            yield from self
            if self.settled is not None:
                return

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The events up to the next terminal event (or none when the response has settled: ``settled``)."""
        self.settled = None
        failing_since: float | None = None
        delay = FIRST_RETRY_DELAY
        while True:
            progressed = False
            try:
                with self.api.events(self.response_id, after=self.last) as events:
                    for event in events:
                        sequence = event.get("sequence_number")
                        if not isinstance(sequence, int) or sequence <= self.last:
                            continue
                        failing_since, delay, progressed = None, FIRST_RETRY_DELAY, True
                        self.last = sequence
                        yield event
                        if event.get("type") in FINAL_EVENTS:
                            self.settled = SnapshotEvent.model_validate(event).response
                            return
                        if event.get("type") in TERMINAL_EVENTS:
                            return  # a pause: the run may go on (until_settled looks again)
                if not progressed:
                    # Nothing after ``last`` and the stream closed: a settled response has nothing more to send.
                    current = self.api.get(self.response_id)
                    if current.status in SETTLED_STATUSES:
                        self.settled = current
                        return
                reason, failure = "the stream closed before the run ended", None
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                failure = unreachable(self.api.base_url, exc)
            except ApiError as exc:
                # A replica shutting down or a database restart answers 503 for a while; anything else is final.
                if exc.status not in (502, 503, 504):
                    raise
                reason, failure = exc.message, exc
            except CliError as exc:  # the settled check could not reach the server
                if exc.code is not ExitCode.UNAVAILABLE:
                    raise
                reason, failure = exc.message, exc
            if failing_since is None:
                failing_since = time.monotonic()
            elif time.monotonic() - failing_since > GIVE_UP_AFTER:
                raise failure or unreachable(self.api.base_url, RuntimeError(reason))
            if self._on_reconnect is not None:
                self._on_reconnect(self.last, reason)
            self._sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
