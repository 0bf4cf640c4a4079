"""The wire format against the current Responses spec (openai-python's types are the reference): the event sets,
the standard-only view of a stream, run failure codes, the mcp_call error object, and bounded tool output."""

from __future__ import annotations

import typing

import pytest
from openai.types.responses import ResponseError as SpecResponseError
from openai.types.responses.response_output_item import McpCall

from agent import events as ev
from agent.bus import EventBus
from agent.failures import SPEC_CODES, RunFailure, run_error
from agent.llm import ModelErrorCode
from agent.loop import truncate_bytes
from agent.models import (
    TOOL_OUTPUT_LIMIT_BYTES, IncompleteDetails, McpCallItem, McpProtocolError, McpToolExecutionError, ResponseError, ResponseErrorCode,
    ResponseObject, error_text,
)
from agent.writer import TurnWriter
from tests.openai_wire import STANDARD_EVENT_TYPES, validate_event, validate_response
from tests.unit.conftest import new_response

EVENT_TYPES = {value for name, value in vars(ev).items() if name.isupper() and isinstance(value, str)
               and value.startswith("response.")}


def test_every_event_type_is_standard_or_a_documented_extension():
    assert ev.STANDARD_EVENTS | ev.EXTENSION_EVENTS == EVENT_TYPES
    assert not ev.STANDARD_EVENTS & ev.EXTENSION_EVENTS
    # Standard means a ResponseStreamEvent type of the SDK; no extension may pass for one.
    assert ev.STANDARD_EVENTS <= STANDARD_EVENT_TYPES
    assert not ev.EXTENSION_EVENTS & STANDARD_EVENT_TYPES


def _response(**fields) -> ResponseObject:
    return ResponseObject(id="resp_" + "0" * 32, model="m", session_id="sess_1", **fields)


def test_the_standard_view_leaves_out_extensions_and_ends_a_cancel_with_response_failed():
    cancelled = ev.with_status(_response(status="in_progress"), "cancelled")
    event = {"type": ev.CANCELLED, "response": cancelled.public(), "sequence_number": 7}
    shown = ev.standard_view(event)
    assert shown == {"type": "response.failed", "response": event["response"], "sequence_number": 7}
    assert shown["response"]["status"] == "cancelled" and shown["response"]["error"] is None
    validate_event(shown)
    for kind in ev.EXTENSION_EVENTS - {ev.CANCELLED}:
        assert ev.standard_view({"type": kind, "sequence_number": 3}) is None
    delta = {"type": ev.TEXT_DELTA, "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "x",
             "logprobs": [], "sequence_number": 4}
    assert ev.standard_view(delta) is delta  # as stored: same object, same bytes


def test_every_failure_reason_maps_to_a_spec_error_code():
    spec_codes = set(typing.get_args(SpecResponseError.model_fields["code"].annotation))
    assert set(typing.get_args(ResponseErrorCode)) <= spec_codes
    reasons = {str(code) for code in ModelErrorCode} | {str(reason) for reason in RunFailure}
    assert set(SPEC_CODES) == reasons  # no reason falls through to the default unseen
    assert SPEC_CODES[ModelErrorCode.RATE_LIMITED] == "rate_limit_exceeded"
    assert SPEC_CODES[ModelErrorCode.REQUEST_INVALID] == "invalid_prompt"
    error = run_error(ModelErrorCode.PROVIDER_ERROR, "The inference provider failed (500).")
    assert error.model_dump() == {"code": "server_error", "message": "The inference provider failed (500).",
                                  "type": "model_provider_error"}
    SpecResponseError.model_validate(error.model_dump(), strict=True)


def test_a_stored_error_of_an_earlier_version_reads_with_its_reason_kept():
    assert ResponseError.model_validate({"code": "model_rate_limited", "message": "slow down"}).model_dump() == {
        "code": "rate_limit_exceeded", "message": "slow down", "type": "model_rate_limited"}
    item = McpCallItem.model_validate({"id": "mcp_1", "name": "hub_search", "arguments": "{}", "status": "failed",
                                       "error": "Error: boom"})
    assert item.error == McpToolExecutionError.of("Error: boom")


@pytest.mark.parametrize("error", [McpToolExecutionError.of("Error: the Hub answered 503."),
                                   McpProtocolError(code=-32602, message="Unknown tool 'x'.")])
def test_a_failed_tool_call_serializes_to_the_spec_error_object(error):
    item = McpCallItem(id="mcp_1", name="hub_search", arguments="{}", status="failed", error=error)
    McpCall.model_validate(item.model_dump(), strict=True)
    assert error_text(item.error) in ("Error: the Hub answered 503.", "Unknown tool 'x'.")


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled", "incomplete"])
async def test_completed_at_is_set_only_when_completed(store, status):
    writer = TurnWriter(store, EventBus(), await new_response(store), flush_ms=5)
    await writer.set_status("in_progress")
    event = await writer.set_status(
        status, error=run_error(RunFailure.MAX_ITERATIONS, "bound") if status == "failed" else None,
        incomplete=IncompleteDetails(reason="server_restart") if status == "incomplete" else None)
    await writer.close()
    assert (event["response"]["completed_at"] is not None) == (status == "completed")
    validate_event(ev.standard_view(event))
    validate_response((await store.get_response(writer.response_id)).snapshot)


def test_truncated_tool_output_keeps_its_head_and_its_tail():
    text = "".join(f"line {n}: {'é' * (n % 7)}\n" for n in range(2000)) + "FINAL: exit code 1"
    cut = truncate_bytes(text)
    assert len(cut.encode()) <= TOOL_OUTPUT_LIMIT_BYTES
    head, marker, tail = cut.partition("\n…[")
    assert text.startswith(head) and head.startswith("line 0:")
    omitted, _, rest = tail.partition(" bytes omitted; the full output streamed as response.tool_log]…\n")
    assert text.endswith(rest) and rest.endswith("FINAL: exit code 1")
    assert int(omitted) == len(text.encode()) - len(head.encode()) - len(rest.encode())
    assert len(rest.encode()) > len(head.encode())  # the tail, where a log's outcome is, gets the larger share
    assert "\ufffd" not in cut  # never a split UTF-8 character
    assert truncate_bytes("short") == "short"
    exact = "x" * TOOL_OUTPUT_LIMIT_BYTES
    assert truncate_bytes(exact) == exact
