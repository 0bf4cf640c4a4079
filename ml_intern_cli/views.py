"""One-shot views for people: a response (``show``), the caller's responses (``list``), artifacts, models."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from ml_intern_cli import formatting as fmt
from ml_intern_cli.models import Artifact, ModelList, Response, ResponseList

STATUS_STYLES = {"completed": "green", "failed": "red", "cancelled": "yellow", "incomplete": "yellow",
                 "in_progress": "cyan", "queued": "cyan"}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLES.get(status, ""))


def show_response(console: Console, response: Response) -> None:
    head = Text.assemble((response.id, "bold cyan"), "  ", status_text(response.status))
    console.print(head)
    facts = Table.grid(padding=(0, 2))
    facts.add_row("model", response.model or "")
    facts.add_row("created", fmt.local_time(response.created_at))
    if response.session_id:
        facts.add_row("session", response.session_id)
    if response.previous_response_id:
        facts.add_row("continues", response.previous_response_id)
    usage = response.usage
    if usage is not None:
        facts.add_row("spent", f"{fmt.usd(usage.cost_usd)} (session {fmt.usd(usage.session_cost_usd)} of a "
                               f"{fmt.usd(response.max_cost_usd)} cap)")
        facts.add_row("tokens", f"{usage.input_tokens} in, {usage.output_tokens} out")
    console.print(facts)
    if response.plan:
        console.print(fmt.plan_checklist(response.plan))
    calls = [item for item in response.output if item.type == "mcp_call"]
    if calls:
        console.print(Text("Steps", style="bold"))
        for item in calls:
            mark, style = {"completed": ("✓", "green"), "failed": ("✗", "red")}.get(item.status or "", ("…", "cyan"))
            line = Text.assemble(("  " + mark + " ", style), (item.name or "tool", "bold"),
                                 (f"  {fmt.arguments_summary(item.arguments)}", "dim"))
            console.print(line)
    for artifact in response.artifacts:
        console.print(fmt.artifact_line(artifact))
    if response.answer:
        console.print(Markdown(response.answer) if console.is_terminal else Text(response.answer))
    if response.error is not None:
        console.print(Text(f"error: {response.error.message} ({response.error.type or response.error.code})",
                           style="red"))
    if response.paused_for_approval:
        console.print(fmt.pending_approval_panel(response))


def _table(console: Console, columns: list[str], rows: list[list[str | Text]]) -> None:
    """A table on a terminal; elsewhere tab-separated lines (nothing folded: URLs stay whole, for cut and awk)."""
    if not console.is_terminal:
        for row in [columns, *rows]:  # written as is: rich would expand the tabs
            console.file.write("\t".join(cell.plain if isinstance(cell, Text) else cell for cell in row) + "\n")
        console.file.flush()
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def list_responses(console: Console, page: ResponseList) -> None:
    if not page.data:
        console.print("No responses.")
        return
    _table(console, ["id", "created", "status", "model", "spent", "session"], [
        [response.id, fmt.local_time(response.created_at), status_text(response.status), response.model or "",
         fmt.usd(response.usage.cost_usd if response.usage else 0.0), response.session_id or ""]
        for response in page.data])
    if page.has_more and page.last_id:
        console.print(Text(f"More: ml-intern list --after {page.last_id}", style="dim"))


def list_artifacts(console: Console, artifacts: list[Artifact]) -> None:
    if not artifacts:
        console.print("No artifacts.")
        return
    _table(console, ["type", "name", "url"], [
        [artifact.type, artifact.name, Text(artifact.url, style=f"link {artifact.url}")] for artifact in artifacts])


def list_models(console: Console, models: ModelList) -> None:
    _table(console, ["model", "default"], [
        [entry.id, Text("default", style="green") if entry.default else ""] for entry in models.data])
