"""``--json``: one JSON object per line on stdout (each event while following); words for people on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.text import Text

from ml_intern_cli.models import TERMINAL_EVENTS, Response, SnapshotEvent


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class JsonEvents:
    """Follows a run for a script: every event as the server sent it, in order, each once."""

    live_mode = False

    def __init__(self, err: Console, *, quiet: bool = False) -> None:
        self.err = err
        self.quiet = quiet
        self.final: Response | None = None

    def attach(self, response: Response) -> None:
        pass

    @contextmanager
    def live(self) -> Iterator[None]:
        yield

    def event(self, event: dict[str, Any]) -> None:
        print_json(event)
        if event.get("type") in TERMINAL_EVENTS:
            self.final = SnapshotEvent.model_validate(event).response

    def reconnecting(self, after: int, reason: str) -> None:
        if not self.quiet:
            self.err.print(Text(f"connection lost ({reason}); resuming after event {after}", style="dim"))

    def notice(self, message: str, style: str = "yellow") -> None:
        self.err.print(Text(message, style=style))

    def finish(self, response: Response) -> None:
        if response.paused_for_approval and response.pending_approval is not None:
            required = response.pending_approval.budget.required_max_cost_usd
            needs = f" (it needs a cap of ${required:g})" if required is not None else ""
            self.notice(f"{response.id} is paused for approval{needs}.")
