"""Recovering turns whose owner is gone: each becomes ``incomplete`` / ``server_restart`` (or ``cancelled`` when
the caller had asked to cancel it), with its terminal event, in a few set-based transactions.

A transaction and a projection rebuild per row took 93 s for 10,000 open responses; the settled snapshot is
computed here on the stored JSON with plain dict operations, and rows are moved and their events inserted in
bulk (``Store.settle_stale``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent import events as ev

# Rows settled per transaction: bounded so one transaction never holds the database for long.
RECOVERY_CHUNK = 2_000


@dataclass
class StaleTurn:
    """A running response whose owner is gone, as read for recovery."""

    response_id: str
    last_sequence: int
    snapshot: dict[str, Any]
    cancel_requested: bool


@dataclass
class Settlement:
    """What recovery writes for one stale turn: its terminal event and its new projection."""

    response_id: str
    expected_last_sequence: int
    status: str
    snapshot: dict[str, Any]
    event: dict[str, Any]


def settled_snapshot(snapshot: dict[str, Any], status: str, *, reason: str | None) -> dict[str, Any]:
    """``events.with_status`` on the stored (public) JSON: the response moved to a settled ``status``, items cut
    off by the stop marked incomplete."""
    settled = dict(snapshot)
    settled["status"] = status
    settled["output"] = [{**item, "status": "incomplete"} if item.get("status") == "in_progress" else item
                         for item in snapshot.get("output") or []]
    settled["error"] = None
    settled["incomplete_details"] = {"reason": reason} if reason else None
    # Recovery settles as incomplete or cancelled: the spec sets completed_at only on a completed response.
    settled["completed_at"] = None
    if status != "incomplete":
        settled["pending_approval"] = None
    return settled


def settlement(turn: StaleTurn) -> Settlement:
    if turn.cancel_requested:  # the caller asked to cancel it before its owner died: honour that
        status, event_type, reason = "cancelled", ev.CANCELLED, None
    else:
        status, event_type, reason = "incomplete", ev.INCOMPLETE, "server_restart"
    snapshot = settled_snapshot(turn.snapshot, status, reason=reason)
    event = ev.WireEvent({"type": event_type, "response": snapshot, "sequence_number": turn.last_sequence + 1})
    return Settlement(response_id=turn.response_id, expected_last_sequence=turn.last_sequence, status=status,
                      snapshot=snapshot, event=event)
