"""The chaos checks catch what they are there for: a lost, changed or renumbered event, a wrong end state, a
resume that does not give the rest of the log."""

from __future__ import annotations

from chaos.checks import check_log, check_received, check_resume
from chaos.database import StoredTurn


def _events(n: int, *, end: str | None = None) -> list[dict]:
    events = [{"type": "response.output_text.delta", "sequence_number": i, "delta": f"{i}"} for i in range(n)]
    if end:
        events.append({"type": f"response.{end}", "sequence_number": n,
                       "response": {"status": end, "incomplete_details": {"reason": "server_restart"}
                                    if end == "incomplete" else None}})
    return events


RESTARTED = {"status": "incomplete", "incomplete_details": {"reason": "server_restart"}}


def test_a_running_turn_recovered_as_server_restart_passes():
    turn = StoredTurn("r", "u", "in_progress", tuple(_events(5)))
    assert check_log(turn, _events(5, end="incomplete"), RESTARTED) == []


def test_a_committed_event_missing_or_changed_after_the_restart_is_lost():
    turn = StoredTurn("r", "u", "in_progress", tuple(_events(5)))
    replay = _events(5, end="incomplete")
    changed = [dict(e) for e in replay]
    changed[2]["delta"] = "other"
    assert [f.kind for f in check_log(turn, changed, RESTARTED)] == ["lost"]
    assert "gap" in [f.kind for f in check_log(turn, replay[:3] + replay[4:], RESTARTED)]


def test_a_running_turn_not_settled_server_restart_is_a_wrong_end_state():
    turn = StoredTurn("r", "u", "in_progress", tuple(_events(5)))
    assert [f.kind for f in check_log(turn, _events(5), {"status": "in_progress"})] == ["end_state"]
    completed = _events(5, end="completed")
    assert [f.kind for f in check_log(turn, completed, {"status": "completed"})] == ["end_state"]


def test_a_settled_turn_that_changes_after_the_restart_is_a_wrong_end_state():
    events = _events(5, end="completed")
    turn = StoredTurn("r", "u", "completed", tuple(events))
    assert check_log(turn, events, {"status": "completed"}) == []
    assert [f.kind for f in check_log(turn, events + _events(7)[6:], {"status": "completed"})] == ["end_state"]


def test_received_events_must_be_gapless_and_in_the_replay():
    replay = _events(6)
    assert check_received("r", replay[:4], replay) == []
    assert [f.kind for f in check_received("r", [replay[0], replay[2]], replay)] == ["gap"]
    unknown = [*replay, {"type": "response.output_text.delta", "sequence_number": 6, "delta": "x"}]
    assert [f.kind for f in check_received("r", unknown, replay)] == ["lost"]


def test_a_resume_must_give_exactly_the_rest():
    replay = _events(6)
    assert check_resume("r", 2, replay[3:], replay, "Last-Event-ID") == []
    assert [f.kind for f in check_resume("r", 2, replay[4:], replay, "Last-Event-ID")] == ["resume"]
    assert check_resume("r", 5, [], replay, "starting_after") == []
