"""Following a run to its end for ``submit``, ``watch`` and ``approve``: pauses (ask, approve automatically or
stop), Ctrl-C (detach; a second Ctrl-C, or the first with ``--cancel-on-interrupt``, cancels), and the exit code."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from ml_intern_cli import approval
from ml_intern_cli.client import Api
from ml_intern_cli.exit_codes import ExitCode, for_status
from ml_intern_cli.follow import EventStream
from ml_intern_cli.models import Response

# After a first Ctrl-C, how long a second one cancels the run instead of leaving it running.
SECOND_INTERRUPT_WINDOW = 3.0


class Display(Protocol):
    final: Response | None
    live_mode: bool

    def attach(self, response: Response) -> None: ...
    def live(self): ...
    def event(self, event: dict) -> None: ...
    def reconnecting(self, after: int, reason: str) -> None: ...
    def notice(self, message: str, style: str = "yellow") -> None: ...
    def finish(self, response: Response) -> None: ...


@dataclass
class FollowOptions:
    interactive: bool = False          # a person at a terminal can answer a pause's prompt
    auto_approve_up_to: float | None = None
    cancel_on_interrupt: bool = False
    prompt_console: object | None = None  # the rich Console the prompt is drawn on


def follow(api: Api, response_id: str, display: Display, options: FollowOptions, *, after: int = -1) -> ExitCode:
    stream = EventStream(api, response_id, after=after, on_reconnect=display.reconnecting)
    while True:
        try:
            _drain(stream, display)
        except KeyboardInterrupt:
            return _interrupted(api, response_id, stream, display, options)
        final = display.final
        assert final is not None  # the stream ends only after a terminal event, which carries the response
        display.finish(final)
        if not final.paused_for_approval:
            return for_status(final.status)
        decision = _decide(final, display, options)
        if decision is None:
            display.notice(paused_hint(final))
            return ExitCode.INCOMPLETE
        api.approve(response_id, approve=decision.approve, new_max_cost_usd=decision.new_max_cost_usd,
                    feedback=decision.feedback)
        display.notice(decision.describe() + "; following the run again.", style="green")


def _drain(stream: EventStream, display: Display) -> None:
    """Show the events to the end of the log; ``display.final`` is then the response as it settled."""
    with display.live():
        for event in stream.until_settled():
            display.event(event)
    display.final = stream.settled


def _decide(response: Response, display: Display, options: FollowOptions) -> approval.Decision | None:
    if options.auto_approve_up_to is not None:
        decided = approval.automatic(response, options.auto_approve_up_to)
        if isinstance(decided, approval.Decision):
            return decided
        display.notice(decided)
    if options.interactive:
        try:
            return approval.ask(options.prompt_console, response)  # type: ignore[arg-type]
        except (KeyboardInterrupt, EOFError):
            return None
    return None


def paused_hint(response: Response) -> str:
    pending = response.pending_approval
    required = pending.budget.required_max_cost_usd if pending else None
    cap = f" --max-cost {required:g}" if required is not None else ""
    return (f"Answer it with\n"
            f"  approve: ml-intern approve {response.id}{cap}\n"
            f"  deny:    ml-intern approve {response.id} --deny --feedback \"…\"")


def _interrupted(api: Api, response_id: str, stream: EventStream, display: Display,
                 options: FollowOptions) -> ExitCode:
    if options.cancel_on_interrupt:
        return _cancel(api, response_id, stream, display)
    try:  # the window opens before the words are out: a second Ctrl-C as soon as they show still cancels
        display.notice(f"Detached from {response_id}: it goes on.\n"
                       f"  re-attach: ml-intern watch {response_id}\n"
                       f"  cancel:    ml-intern cancel {response_id}\n"
                       f"Press Ctrl-C again within {SECOND_INTERRUPT_WINDOW:g} s to cancel it now.")
        time.sleep(SECOND_INTERRUPT_WINDOW)
    except KeyboardInterrupt:
        return _cancel(api, response_id, stream, display)
    return ExitCode.DETACHED


def _cancel(api: Api, response_id: str, stream: EventStream, display: Display) -> ExitCode:
    display.notice(f"Cancelling {response_id}…")
    api.cancel(response_id)
    try:
        _drain(stream, display)  # to the terminal event: the cut-short items close first
    except KeyboardInterrupt:
        display.notice(f"Stopped waiting; the cancel of {response_id} goes on.")
        return ExitCode.DETACHED
    final = display.final
    assert final is not None
    display.finish(final)
    return for_status(final.status)
