"""The event models (agent/event_models.py): one per event type the writer can emit, strict where the writer is."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pydantic import ValidationError

from agent import events as ev
from agent.event_models import EVENT_MODELS, validate_event
from agent.models import MessageItem, ResponseObject
from tests.event_audit import stored_event_problems


def _event_types() -> set[str]:
    return {value for name, value in vars(ev).items()
            if name.isupper() and isinstance(value, str) and value.startswith("response.")}


def test_every_event_type_has_a_model():
    assert _event_types() == set(EVENT_MODELS)


def _snapshot(kind: str = ev.CREATED) -> dict:
    response = ResponseObject(id="resp_" + "a" * 32, model="m", session_id="sess_1",
                              output=[MessageItem(id="msg_1")])
    return ev.snapshot_event(kind, response) | {"sequence_number": 0}


def test_a_snapshot_event_validates_with_its_model():
    assert type(validate_event(_snapshot())).__name__ == "ResponseCreatedEvent"
    assert type(validate_event(_snapshot(ev.CANCELLED))).__name__ == "ResponseCancelledEvent"


@pytest.mark.parametrize("event", [
    {"type": "response.unheard_of", "sequence_number": 1},
    {"type": ev.TEXT_DELTA, "sequence_number": 1, "item_id": "m", "output_index": 0, "content_index": 0,
     "delta": "x", "logprobs": [], "surprise": True},                      # a field the model does not declare
    {"type": ev.TEXT_DELTA, "sequence_number": -1, "item_id": "m", "output_index": 0, "content_index": 0,
     "delta": "x"},                                                        # a negative sequence number
    {"type": ev.ITEM_ADDED, "sequence_number": 2, "output_index": 0, "item": {"id": "x", "type": "file"}},
    {"type": ev.LLM_CALL, "sequence_number": 3, "model": "m", "status": "maybe"},
])
def test_events_that_do_not_fit_are_refused(event):
    with pytest.raises(ValidationError):
        validate_event(event)


def test_telemetry_events_stay_open_to_more_fields():
    event = {"type": ev.LLM_CALL, "sequence_number": 4, "model": "m", "status": "ok", "cost_usd": 0.1,
             "new_metric": 7}
    assert validate_event(event).model_extra == {"new_metric": 7}


def test_the_audit_of_a_server_database_reports_events_that_do_not_fit(tmp_path):
    path = tmp_path / "db.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE events (response_id TEXT, sequence_number INT, type TEXT, data TEXT)")
    good = _snapshot()
    bad = {"type": ev.TOOL_LOG, "sequence_number": 1, "item_id": "mcp_1", "text": "no output_index"}
    for event in (good, bad):
        connection.execute("INSERT INTO events VALUES (?, ?, ?, ?)",
                           ("resp_1", event["sequence_number"], event["type"], json.dumps(event)))
    connection.commit()
    connection.close()
    checked, problems = stored_event_problems(path)
    assert checked == 2 and len(problems) == 1 and "resp_1#1 response.tool_log" in problems[0]
