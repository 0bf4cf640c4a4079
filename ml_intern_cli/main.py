"""``ml-intern``: the commands. Each parses its options, calls the API and hands the result to a view; following a
run is ``runner.follow``."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from ml_intern_cli import views
from ml_intern_cli.auth import resolve_token
from ml_intern_cli.client import DEFAULT_BASE_URL, Api, check_base_url, check_response_id
from ml_intern_cli.exit_codes import CliError, ExitCode
from ml_intern_cli.follow import EventStream
from ml_intern_cli.json_output import JsonEvents, print_json
from ml_intern_cli.models import Response
from ml_intern_cli.run_display import RunDisplay
from ml_intern_cli.runner import FollowOptions, follow

STATUSES = ("queued", "in_progress", "completed", "failed", "cancelled", "incomplete")
FINISHED = frozenset({"completed", "failed", "cancelled"})
CAP = click.FloatRange(min=0, max=500, min_open=True)


@dataclass
class Session:
    """What every command shares: where the deployment is, how to print, and (lazily) the token."""

    base_url: str
    as_json: bool
    quiet: bool
    out: Console
    err: Console

    def api(self) -> Api:
        return Api(self.base_url, resolve_token())

    def display(self, show_reasoning: bool = False) -> RunDisplay | JsonEvents:
        if self.as_json:
            return JsonEvents(self.err, quiet=self.quiet)
        return RunDisplay(self.out, self.err, quiet=self.quiet, show_reasoning=show_reasoning)

    def follow_options(self, *, auto_approve_up_to: float | None = None,
                       cancel_on_interrupt: bool = False) -> FollowOptions:
        interactive = not self.as_json and sys.stdin.isatty() and self.out.is_terminal
        return FollowOptions(interactive=interactive, auto_approve_up_to=auto_approve_up_to,
                             cancel_on_interrupt=cancel_on_interrupt, prompt_console=self.out)

    def say(self, message: str | Text) -> None:
        """A line for people on stderr (none with --quiet)."""
        if not self.quiet:
            self.err.print(message)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--base-url, --json and --quiet on every command; the command receives a ``Session`` as ``session``, and
    its CliErrors become a message on stderr and the exit code."""

    @click.option("--base-url", envvar="ML_INTERN_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
                  show_envvar=True, help="The ML Intern API deployment.")
    @click.option("--json", "as_json", is_flag=True,
                  help="Machine-readable output: one JSON object per line (per event when following).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress: only the result (the answer, an id).")
    @functools.wraps(command)
    def wrapper(base_url: str, as_json: bool, quiet: bool, **kwargs: Any) -> None:
        out, err = Console(highlight=False), Console(stderr=True, highlight=False)
        for console in (out, err):
            console.soft_wrap = not console.is_terminal  # a pipe or a file gets whole lines (URLs intact)
        try:
            base_url, warning = check_base_url(base_url)
            session = Session(base_url, as_json, quiet, out, err)
            if warning:
                session.say(Text(warning, style="yellow"))
            code = command(session=session, **kwargs)
        except CliError as exc:
            err.print(Text(f"Error: {exc.message}", style="red"))
            sys.exit(int(exc.code))
        except KeyboardInterrupt:
            sys.exit(int(ExitCode.DETACHED))
        sys.exit(int(code or ExitCode.OK))

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ml-intern-api", prog_name="ml-intern")
def cli() -> None:
    """Run and follow ML Intern tasks from a terminal or a script.

    The token is HF_TOKEN, else the one `hf auth login` stored; it is never an argument.
    Exit codes: 0 completed, 1 failed, 2 usage, 3 cancelled, 4 paused/incomplete, 5 auth, 6 not found,
    7 refused, 8 unavailable, 130 detached (docs/cli.md)."""


# ---------------------------------------------------------------- runs

def _task_text(task: str | None, files: tuple[str, ...]) -> str:
    parts = [task] if task else []
    for name in files:
        content = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        # A file alone is the task; with a task (or other files) each is attached under its name.
        parts.append(content if not task and len(files) == 1 else f"--- {name} ---\n{content}")
    text = "\n\n".join(parts)
    if not text.strip():
        raise CliError("Give the task as an argument, or with --file PATH (--file - reads stdin).", ExitCode.USAGE)
    return text


@cli.command()
@click.argument("task", required=False)
@click.option("--file", "files", multiple=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="Read the task from a file (with a TASK: attach the file). Repeatable; - is stdin.")
@click.option("--model", help="Model id (see `ml-intern models`); the deployment's default otherwise.")
@click.option("--max-cost", type=CAP, metavar="USD", help="The session's spending cap (default 5).")
@click.option("--instructions", help="Instructions prefixed to the task.")
@click.option("--continue", "previous", metavar="RESPONSE_ID", help="Continue the session of this response.")
@click.option("--follow/--detach", default=True, show_default=True,
              help="Follow the run live, or print its id and return.")
@click.option("--auto-approve-up-to", type=CAP, metavar="USD",
              help="When the run pauses for approval, raise the cap up to this amount without asking.")
@click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C cancels the run instead of detaching.")
@click.option("--show-reasoning", is_flag=True, help="Print the model's reasoning too.")
@common_options
def submit(session: Session, task: str | None, files: tuple[str, ...], model: str | None, max_cost: float | None,
           instructions: str | None, previous: str | None, follow: bool, auto_approve_up_to: float | None,
           cancel_on_interrupt: bool, show_reasoning: bool) -> ExitCode:
    """Submit a task; by default follow it live to the end."""
    body: dict[str, Any] = {"input": _task_text(task, files), "background": True}
    for key, value in (("model", model), ("max_cost_usd", max_cost), ("instructions", instructions),
                       ("previous_response_id", previous and check_response_id(previous))):
        if value is not None:
            body[key] = value
    with session.api() as api:
        created, raw = api.create(body)
        if not follow:
            if session.as_json:
                print_json(raw)
            elif session.quiet:
                click.echo(created.id)
            else:
                session.out.print(Text.assemble(("Submitted ", ""), (created.id, "bold cyan"),
                                                (f" ({created.status}). Follow it: ml-intern watch {created.id}",
                                                 "")))
            return ExitCode.OK
        return follow_run(session, api, created.id, show_reasoning=show_reasoning,
                          auto_approve_up_to=auto_approve_up_to, cancel_on_interrupt=cancel_on_interrupt)


def follow_run(session: Session, api: Api, response_id: str, *, after: int = -1,
               attach: Response | None = None, show_reasoning: bool = False,
               auto_approve_up_to: float | None = None, cancel_on_interrupt: bool = False) -> ExitCode:
    display = session.display(show_reasoning)
    if attach is not None:
        display.attach(attach)
    options = session.follow_options(auto_approve_up_to=auto_approve_up_to, cancel_on_interrupt=cancel_on_interrupt)
    return follow(api, response_id, display, options, after=after)


@cli.command()
@click.argument("response_id", metavar="ID")
@click.option("--auto-approve-up-to", type=CAP, metavar="USD",
              help="When the run pauses for approval, raise the cap up to this amount without asking.")
@click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C cancels the run instead of detaching.")
@click.option("--show-reasoning", is_flag=True, help="Print the model's reasoning too.")
@common_options
def watch(session: Session, response_id: str, auto_approve_up_to: float | None, cancel_on_interrupt: bool,
          show_reasoning: bool) -> ExitCode:
    """Attach to a run, running or finished: replay, then live; the exit code is the run's outcome."""
    with session.api() as api:
        current = api.get(check_response_id(response_id))
        return follow_run(session, api, response_id, attach=current, show_reasoning=show_reasoning,
                          auto_approve_up_to=auto_approve_up_to, cancel_on_interrupt=cancel_on_interrupt)


@cli.command()
@click.argument("response_id", metavar="ID")
@click.option("--max-cost", type=CAP, metavar="USD", help="Raise the session's cap to this amount.")
@click.option("--deny", is_flag=True, help="Deny the pending actions instead.")
@click.option("--feedback", help="Words for the agent (with --deny: why).")
@click.option("--follow/--detach", default=True, show_default=True, help="Follow the run once approved.")
@common_options
def approve(session: Session, response_id: str, max_cost: float | None, deny: bool, feedback: str | None,
            follow: bool) -> ExitCode:
    """Answer a run paused for approval: approve (raising the cap) or deny."""
    if deny and max_cost is not None:
        raise CliError("--deny and --max-cost do not go together.", ExitCode.USAGE)
    with session.api() as api:
        current = api.get(check_response_id(response_id))
        if not current.paused_for_approval:
            raise CliError(f"{response_id} is not waiting for approval (it is {current.status}).", ExitCode.REFUSED)
        required = current.pending_approval.budget.required_max_cost_usd if current.pending_approval else None
        if not deny and required is not None and (max_cost is None or max_cost < required):
            raise CliError(f"This pause needs a cap of at least ${required:g} (it is ${current.max_cost_usd:g}): "
                           f"add --max-cost {required:g}.", ExitCode.USAGE)
        # Where the pause's events end, so that following shows only what comes after the approval.
        paused_at = _last_sequence(api, response_id) if follow else -1
        answered = api.approve(response_id, approve=not deny, new_max_cost_usd=max_cost, feedback=feedback)
        if not follow:
            if session.as_json:
                print_json(api.get_json(response_id))
            else:
                session.say(f"{'Denied' if deny else 'Approved'}: {response_id} is {answered.status}.")
            return ExitCode.OK
        session.say(f"{'Denied' if deny else 'Approved'}; following {response_id}.")
        return follow_run(session, api, response_id, after=paused_at)


def _last_sequence(api: Api, response_id: str) -> int:
    """The sequence number of a paused response's last event (its log ends at the pause)."""
    stream = EventStream(api, response_id)
    for _ in stream.until_settled():
        pass
    return stream.last


@cli.command()
@click.argument("response_id", metavar="ID")
@common_options
def cancel(session: Session, response_id: str) -> ExitCode:
    """Cancel a run (waits until it has stopped)."""
    with session.api() as api:
        before = api.get(check_response_id(response_id))
        if before.status in FINISHED:
            message = f"{response_id} had already {before.status}; nothing to cancel."
        else:
            answered = api.cancel(response_id)
            final = answered if answered.status in FINISHED else _until_stopped(api, response_id)
            message = f"Cancelled {response_id}." if final.status == "cancelled" else \
                f"{response_id} ended {final.status} before the cancel took effect."
        if session.as_json:
            print_json(api.get_json(response_id))
        elif session.quiet:
            pass
        else:
            session.out.print(message)
    return ExitCode.OK


def _until_stopped(api: Api, response_id: str) -> Response:
    """Follow the run to its end (a cancel is asynchronous)."""
    stream = EventStream(api, response_id)
    for _ in stream.until_settled():
        pass
    assert stream.settled is not None
    return stream.settled


@cli.command()
@click.argument("response_id", metavar="ID")
@common_options
def show(session: Session, response_id: str) -> ExitCode:
    """Show a response: status, steps, artifacts, answer, spend."""
    with session.api() as api:
        raw = api.get_json(check_response_id(response_id))
    if session.as_json:
        print_json(raw)
    else:
        views.show_response(session.out, Response.model_validate(raw))
    return ExitCode.OK


@cli.command(name="list")
@click.option("--session", "session_id", help="Only this session's responses.")
@click.option("--status", type=click.Choice(STATUSES), help="Only responses with this status.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--after", metavar="RESPONSE_ID", help="The page after this id (the previous page's last).")
@common_options
def list_(session: Session, session_id: str | None, status: str | None, limit: int, after: str | None) -> ExitCode:
    """Your responses, newest first."""
    with session.api() as api:
        page, raw = api.list(limit=limit, after=after and check_response_id(after), session_id=session_id,
                             status=status)
    if session.as_json:
        print_json(raw)
    else:
        views.list_responses(session.out, page)
    return ExitCode.OK


@cli.command()
@click.argument("response_id", metavar="ID")
@common_options
def artifacts(session: Session, response_id: str) -> ExitCode:
    """The Hub resources a run produced (jobs, repos, dashboards, collections)."""
    with session.api() as api:
        listed, raw = api.artifacts(check_response_id(response_id))
    if session.as_json:
        print_json(raw)
    else:
        views.list_artifacts(session.out, listed.data)
    return ExitCode.OK


@cli.command()
@common_options
def models(session: Session) -> ExitCode:
    """The models the deployment accepts."""
    with session.api() as api:
        listed, raw = api.models()
    if session.as_json:
        print_json(raw)
    else:
        views.list_models(session.out, listed)
    return ExitCode.OK


def main() -> None:
    cli(prog_name="ml-intern")

