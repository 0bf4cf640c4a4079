"""How a response is shown to MCP clients: a typed snapshot (whole, or only what is new) with the next step."""

from typing import Any

from agent.models import McpCallItem, ReasoningItem, ResponseObject, error_text

MAX_COST_USD = 500.0  # the cap's upper bound (max_cost_usd / new_max_cost_usd in (0, 500])

from .results import ArtifactRef, ErrorInfo, IncompleteInfo, TaskSnapshot, ToolCallSummary, UsageInfo

ARGUMENTS_PREVIEW_CHARS = 300
OUTPUT_PREVIEW_CHARS = 500
REASONING_PREVIEW_CHARS = 300


def truncate_text(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tool_summary(item: McpCallItem | dict[str, Any]) -> ToolCallSummary:
    call = item if isinstance(item, McpCallItem) else McpCallItem.model_validate(item)
    return ToolCallSummary(
        id=call.id, name=call.name, status=call.status,
        arguments_preview=truncate_text(call.arguments, ARGUMENTS_PREVIEW_CHARS) or "",
        output_preview=truncate_text(call.output, OUTPUT_PREVIEW_CHARS),
        error=truncate_text(error_text(call.error), OUTPUT_PREVIEW_CHARS))


def reasoning_summary(state: ResponseObject) -> str | None:
    """The latest reasoning, shortened: an assistant shows what the agent is thinking without the whole text."""
    for item in reversed(state.output):
        if isinstance(item, ReasoningItem):
            text = " ".join("".join(part.text for part in item.content).split())
            if text:
                return truncate_text(text, REASONING_PREVIEW_CHARS)
    return None


def next_step(state: ResponseObject, last_sequence: int) -> str:
    rid = state.id
    if state.status in ("queued", "in_progress"):
        return (f"Still working. Call get_response(response_id='{rid}', since_sequence={last_sequence}) "
                f"to wait for more.")
    if state.status == "completed":
        return ("Done. Show the answer and any artifacts to the user. For a follow-up in the same session, call "
                f"submit_task with previous_response_id='{rid}'.")
    if state.status == "failed":
        return ("The run failed (see error). To retry with the same context, call submit_task with "
                f"previous_response_id='{rid}'.")
    if state.status == "cancelled":
        return f"Cancelled. To continue the session, call submit_task with previous_response_id='{rid}'."
    reason = state.incomplete_details.reason if state.incomplete_details else ""
    if reason == "approval_required":
        return _approval_step(rid, state.pending_approval or {})
    if reason == "max_output_tokens":
        return ("Stopped: it generated the max_output_tokens it was allowed. Show what it produced; to continue, call "
                f"submit_task with previous_response_id='{rid}'.")
    return ("Interrupted (e.g. a server restart); artifacts, including running jobs, remain. To continue, call "
            f"submit_task with previous_response_id='{rid}'.")


def _approval_step(rid: str, pending: dict[str, Any]) -> str:
    budget = pending.get("budget") or {}
    required = budget.get("required_max_cost_usd")
    ask = "Paused for approval: show pending_approval to the user"
    if required is None:
        return (f"{ask}, then call approve(response_id='{rid}', approve=true or false; optionally feedback), then "
                "poll get_response.")
    cap = budget.get("max_cost_usd")
    money = (f"The pending actions need a session budget of at least {required:.2f} USD (the cap is "
             f"{cap} USD): approving without raising it pauses again at once.")
    if required > MAX_COST_USD:
        return (f"{ask}. {money} That is above the {MAX_COST_USD:g} USD maximum, so it cannot run: call "
                f"approve(response_id='{rid}', approve=false, feedback=...) to steer the agent, or cancel.")
    return (f"{ask}. {money} To let them run, call approve(response_id='{rid}', approve=true, "
            f"new_max_cost_usd={required:.2f} or more); or approve=false to refuse. Then poll get_response.")


def render_snapshot(state: ResponseObject, last_sequence: int, *, new_text: str | None = None,
                    tool_items: list[Any] | None = None) -> TaskSnapshot:
    """The snapshot of ``state``; with ``new_text`` (a since_sequence view) only the new text and tool calls."""
    delta_view = new_text is not None
    items = tool_items if tool_items is not None else [i for i in state.output if isinstance(i, McpCallItem)]
    usage = None
    if state.usage is not None:
        usage = UsageInfo(input_tokens=state.usage.input_tokens, output_tokens=state.usage.output_tokens,
                          total_tokens=state.usage.total_tokens, cost_usd=state.usage.cost_usd,
                          session_cost_usd=state.usage.session_cost_usd)
    return TaskSnapshot(
        response_id=state.id, session_id=state.session_id, status=state.status, model=state.model,
        output_text=None if delta_view else state.output_text,
        new_output_text=new_text if delta_view else None,
        tool_calls=[tool_summary(i) for i in items],
        artifacts=[ArtifactRef.model_validate(a) for a in state.artifacts],
        pending_approval=state.pending_approval, plan=state.plan, reasoning_summary=reasoning_summary(state),
        # The precise reason (the Responses object's ``error.type``): an assistant acts on it, not on the spec's
        # coarse ``server_error``.
        error=ErrorInfo(code=state.error.type, message=state.error.message) if state.error else None,
        incomplete_details=(IncompleteInfo(reason=state.incomplete_details.reason)
                            if state.incomplete_details else None),
        usage=usage, max_cost_usd=state.max_cost_usd, previous_response_id=state.previous_response_id,
        last_sequence=last_sequence, next_step=next_step(state, last_sequence))
