"""Showing a followed run to a person: on a terminal, a live region (the answer streaming as Markdown, tool steps
with spinners, a job's log tail, the plan, the spend against the cap) above which finished things scroll; elsewhere,
plain lines (progress on stderr, the answer on stdout).

What a failed model attempt streamed is void (``response.output_item.discarded``): an item is printed only once it
is done and ``completed``. An item closed ``incomplete`` is held back until it is discarded or the run ends (a
cancel or a restart keeps cut-short text)."""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.panel import Panel
from rich.spinner import Spinner
from rich.text import Text

from ml_intern_cli import formatting as fmt
from ml_intern_cli.models import (
    ArtifactCreated,
    Charge,
    DeltaEvent,
    ItemDiscarded,
    ItemEvent,
    OutputItem,
    PlanStep,
    PlanUpdated,
    Response,
    SnapshotEvent,
    ToolLog,
)

LOG_TAIL_LINES = 8
REASONING_TAIL_LINES = 3
REFRESHES_PER_SECOND = 8
# Lines of the live region kept for steps, logs, plan and footer; the streaming answer gets the rest.
LIVE_CHROME_LINES = 16

SNAPSHOTS = frozenset({"response.created", "response.queued", "response.in_progress", "response.completed",
                       "response.failed", "response.cancelled", "response.incomplete"})


@dataclass
class Step:
    """A tool call running on the server."""

    name: str
    arguments: str | None
    started: float | None            # monotonic time it was seen starting; None: it started before we attached
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_TAIL_LINES))
    spinner: Spinner = field(default_factory=lambda: Spinner("dots", style="cyan"))


@dataclass
class Streaming:
    """A message or reasoning item whose text is arriving."""

    kind: str
    text: list[str] = field(default_factory=list)


class RunDisplay:
    def __init__(self, out: Console, err: Console, *, quiet: bool = False, show_reasoning: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.show_reasoning = show_reasoning
        self.live_mode = out.is_terminal and not quiet
        # On a terminal everything shares the screen; elsewhere stdout carries only the answer.
        self.progress = out if self.live_mode else err
        self.final: Response | None = None
        self._lock = threading.Lock()
        self._response_id: str | None = None
        self._status = "queued"
        self._spent: float | None = None
        self._cap: float | None = None
        self._steps: dict[str, Step] = {}
        self._streams: dict[str, Streaming] = {}
        self._held: dict[str, OutputItem] = {}
        self._plan: list[PlanStep] | None = None
        self._artifacts: set[str] = set()
        self._begun_before_attach: set[str] = set()
        self._headed = False
        self._footer = Spinner("dots", style="cyan")
        self._handlers = {
            "response.output_item.added": self._on_output_item_added,
            "response.output_item.done": self._on_output_item_done,
            "response.output_item.discarded": self._on_output_item_discarded,
            "response.output_text.delta": self._on_output_text_delta,
            "response.reasoning_text.delta": self._on_reasoning_text_delta,
            "response.tool_log": self._on_tool_log,
            "response.artifact.created": self._on_artifact_created,
            "response.plan.updated": self._on_plan_updated,
            "response.llm_call": self._on_llm_call,
            "response.action_cost": self._on_action_cost,
        }

    # ------------------------------------------------------------ lifecycle

    def attach(self, response: Response) -> None:
        """Before following a run that already exists: steps that began before we came show no duration (we did
        not see them start)."""
        self._begun_before_attach = {item.id for item in response.output}
        self._snapshot(response)

    @contextmanager
    def live(self) -> Iterator[None]:
        if not self.live_mode:
            yield
            return
        with Live(console=self.out, get_renderable=self._view, refresh_per_second=REFRESHES_PER_SECOND,
                  transient=True, redirect_stdout=False, redirect_stderr=False):
            yield

    def notice(self, message: str, style: str = "yellow") -> None:
        """Something to read even with --quiet (a pause, a detach): on the live screen, or on stderr."""
        self.progress.print(Text(message, style=style))

    def _say(self, renderable: RenderableType) -> None:
        """A progress line (none with --quiet)."""
        if not self.quiet:
            self.progress.print(renderable)

    # ------------------------------------------------------------ events

    def event(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        try:
            if kind in SNAPSHOTS:
                self._on_snapshot(SnapshotEvent.model_validate(event).response, kind)
            elif kind in self._handlers:
                self._handlers[kind](event)
        except ValidationError:
            pass  # an event this client cannot read is skipped, like an unknown type; the final response is whole

    def reconnecting(self, after: int, reason: str) -> None:
        self._say(Text(f"⟳ connection lost ({reason}); resuming after event {after}…", style="dim yellow"))

    def _on_snapshot(self, response: Response, kind: str) -> None:
        self._snapshot(response)
        if kind in ("response.completed", "response.failed", "response.cancelled", "response.incomplete"):
            self.final = response
            if not response.paused_for_approval:  # a pause goes on where it stopped once approved
                self._flush_held()

    def _snapshot(self, response: Response) -> None:
        with self._lock:
            self._response_id = response.id
            self._status = response.status
            self._cap = response.max_cost_usd
            if response.usage is not None:
                self._spent = response.usage.session_cost_usd
            if response.plan is not None:
                self._plan = response.plan
        if not self._headed:
            self._headed = True
            header = Text.assemble(("ml-intern ", "bold"), (response.id, "cyan"))
            if response.model:
                header.append(f" · {response.model}", style="dim")
            if response.max_cost_usd is not None:
                header.append(f" · cap {fmt.usd(response.max_cost_usd)}", style="dim")
            self._say(header)

    def _on_output_item_added(self, event: dict[str, Any]) -> None:
        item = ItemEvent.model_validate(event).item
        with self._lock:
            if item.type == "mcp_call":
                started = None if item.id in self._begun_before_attach else time.monotonic()
                self._steps[item.id] = Step(item.name or "tool", item.arguments, started)
            elif item.type in ("message", "reasoning"):
                self._streams[item.id] = Streaming(item.type)

    def _on_output_text_delta(self, event: dict[str, Any]) -> None:
        self._delta(DeltaEvent.model_validate(event), "message")

    def _on_reasoning_text_delta(self, event: dict[str, Any]) -> None:
        self._delta(DeltaEvent.model_validate(event), "reasoning")

    def _delta(self, delta: DeltaEvent, kind: str) -> None:
        with self._lock:
            self._streams.setdefault(delta.item_id, Streaming(kind)).text.append(delta.delta)

    def _on_output_item_done(self, event: dict[str, Any]) -> None:
        item = ItemEvent.model_validate(event).item
        with self._lock:
            step = self._steps.pop(item.id, None)
            self._streams.pop(item.id, None)
            if item.type in ("message", "reasoning") and item.status != "completed":
                self._held[item.id] = item  # void if a discard follows; cut short if the run ends first
                return
        if item.type == "mcp_call":
            self._say(self._step_line(item, step))
        else:
            self._print_item(item)

    def _on_output_item_discarded(self, event: dict[str, Any]) -> None:
        item_id = ItemDiscarded.model_validate(event).item_id
        with self._lock:
            self._held.pop(item_id, None)
            self._streams.pop(item_id, None)

    def _on_tool_log(self, event: dict[str, Any]) -> None:
        log = ToolLog.model_validate(event)
        lines = log.text.splitlines() or [log.text]
        with self._lock:
            step = self._steps.get(log.item_id or "")
            if step is not None:
                step.log.extend(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)  # a progress bar's last state
        if not self.live_mode:
            for line in lines:
                self._say(Text("  │ " + line.rstrip("\r").rsplit("\r", 1)[-1], style="dim"))

    def _on_artifact_created(self, event: dict[str, Any]) -> None:
        artifact = ArtifactCreated.model_validate(event).artifact
        if artifact.url in self._artifacts:
            return
        self._artifacts.add(artifact.url)
        self._say(fmt.artifact_line(artifact))

    def _on_plan_updated(self, event: dict[str, Any]) -> None:
        plan = PlanUpdated.model_validate(event).plan
        with self._lock:
            self._plan = plan
        if not self.live_mode:
            self._say(fmt.plan_checklist(plan))

    def _on_llm_call(self, event: dict[str, Any]) -> None:
        charge = self._charge(event)
        if charge.status == "error":
            then = "retrying" if charge.will_retry else "giving up"
            self._say(Text(f"⟳ model call attempt {charge.attempt} failed ({charge.error_code}); {then}",
                           style="dim yellow"))

    def _on_action_cost(self, event: dict[str, Any]) -> None:
        charge = self._charge(event)
        tool = event.get("tool")
        self._say(Text(f"$ {fmt.usd(charge.cost_usd)} charged{f' for {tool}' if tool else ''} (its estimate)",
                       style="dim"))

    def _charge(self, event: dict[str, Any]) -> Charge:
        charge = Charge.model_validate(event)
        with self._lock:
            self._spent = (self._spent or 0.0) + charge.cost_usd
        return charge

    # ------------------------------------------------------------ printing finished things

    def _print_item(self, item: OutputItem, *, cut_short: bool = False) -> None:
        if item.type == "reasoning":
            if self.show_reasoning and item.text and not self.quiet:
                self.progress.print(Text(item.text, style="dim italic"))
            return
        if item.type != "message" or self.quiet:
            return  # --quiet prints the final answer once, at the end
        if self.live_mode:
            self.out.print(Markdown(item.text))
        else:
            sys.stdout.write(item.text + "\n")
            sys.stdout.flush()
        if cut_short:
            self._say(Text("(cut short)", style="dim"))

    def _flush_held(self) -> None:
        """The run ended: items closed incomplete and not discarded were cut short by a cancel or a restart."""
        with self._lock:
            held, self._held = list(self._held.values()), {}
            running, self._steps = list(self._steps.items()), {}
            self._streams.clear()
        for item in held:
            self._print_item(item, cut_short=True)
        for _, step in running:
            self._say(Text(f"■ {step.name} {fmt.arguments_summary(step.arguments)} (stopped)", style="dim"))

    def _step_line(self, item: OutputItem, step: Step | None) -> Text:
        failed = item.status == "failed"
        line = Text.assemble(("✗ " if failed else "✓ ", "red" if failed else "green"), (item.name or "tool", "bold"))
        arguments = fmt.arguments_summary(item.arguments)
        if arguments:
            line.append(f"  {arguments}", style="dim")
        if step is not None and step.started is not None:
            line.append(f"  {fmt.seconds(time.monotonic() - step.started)}", style="dim")
        if failed and item.error_text:
            line.append(f"\n    {fmt.shorten(item.error_text, 200)}", style="red")
        return line

    def finish(self, response: Response) -> None:
        """The stream ended (completed, failed, cancelled or paused): the closing lines."""
        if self.quiet:
            if response.status == "completed":
                sys.stdout.write(response.answer + ("\n" if not response.answer.endswith("\n") else ""))
                sys.stdout.flush()
            elif response.status == "failed":
                self.notice(self._failure(response), style="red")
            return
        if self.live_mode and self._plan:
            self.progress.print(fmt.plan_checklist(self._plan))
        spend = self._spend_text(response)
        if response.status == "completed":
            took = ""
            if response.completed_at is not None and response.created_at is not None:
                took = f" in {fmt.seconds(response.completed_at - response.created_at)}"
            self._say(Text.assemble(("✓ Completed", "bold green"), (f"{took} · {spend}", "dim")))
        elif response.status == "failed":
            self._say(Text.assemble(("✗ Failed: ", "bold red"), (self._failure(response), "red"), (f" · {spend}", "dim")))
        elif response.status == "cancelled":
            self._say(Text.assemble(("■ Cancelled", "bold yellow"), (f" · {spend}", "dim")))
        elif response.paused_for_approval:
            self.progress.print(fmt.pending_approval_panel(response))
        elif response.status == "incomplete":
            reason = response.incomplete_details.reason if response.incomplete_details else "unknown"
            self._say(Text(f"⏸ Incomplete ({reason}). Continue the session with: ml-intern submit --continue "
                           f"{response.id} \"…\"", style="yellow"))

    @staticmethod
    def _failure(response: Response) -> str:
        error = response.error
        if error is None:
            return "the run failed"
        return f"{error.message} ({error.type or error.code})"

    @staticmethod
    def _spend_text(response: Response) -> str:
        usage = response.usage
        spent = usage.cost_usd if usage else 0.0
        text = f"spent {fmt.usd(spent)}"
        if usage is not None and response.max_cost_usd is not None:
            text += f" (session {fmt.usd(usage.session_cost_usd)} of a {fmt.usd(response.max_cost_usd)} cap)"
        return text

    # ------------------------------------------------------------ the live region

    def _view(self) -> RenderableType:
        """Rebuilt on every refresh, from a copy taken under the lock (the refresh runs on rich's thread)."""
        height = max(self.out.size.height - LIVE_CHROME_LINES, 4)
        parts: list[RenderableType] = []
        with self._lock:
            streams = [(s.kind, "".join(s.text)) for s in self._streams.values()]
            steps = list(self._steps.values())
            plan = list(self._plan) if self._plan else None
            status, spent, cap, response_id = self._status, self._spent, self._cap, self._response_id
            logs = [(step.name, list(step.log)) for step in steps if step.log]
        for kind, text in streams:
            if kind == "reasoning":
                tail = "\n".join(text.splitlines()[-REASONING_TAIL_LINES:])
                parts.append(Text("thinking… " + tail, style="dim italic"))
            elif text:
                parts.append(Markdown("\n".join(text.splitlines()[-height:])))
        now = time.monotonic()
        for step in steps:
            label = Text.assemble((step.name, "bold"), (f"  {fmt.arguments_summary(step.arguments)}", "dim"))
            if step.started is not None:
                label.append(f"  {fmt.seconds(now - step.started)}", style="dim")
            step.spinner.text = label
            parts.append(step.spinner)
        if logs:
            name, lines = logs[-1]
            parts.append(Panel(Text("\n".join(lines)), title=f"logs · {name}", title_align="left",
                               border_style="dim", height=min(len(lines), LOG_TAIL_LINES) + 2))
        if plan:
            parts.append(fmt.plan_checklist(plan))
        footer = Text.assemble((status.replace("_", " "), "bold"), (f" · {response_id or '…'}", "dim"))
        if spent is not None or cap is not None:
            footer.append(f" · {fmt.usd(spent or 0.0)} spent of a {fmt.usd(cap)} cap", style="dim")
        self._footer.text = footer
        parts.append(self._footer)
        return Group(*parts)
