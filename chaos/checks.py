"""The comparisons of a trial, as pure functions: what the database held at the kill, what each client
received, and what the restarted server replays. Each returns findings; an empty list is a pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chaos.database import StoredTurn

Kind = Literal["lost", "gap", "end_state", "resume", "chain", "http_5xx", "client"]


@dataclass(frozen=True)
class Finding:
    kind: Kind
    response_id: str | None
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.response_id or '-'}: {self.detail}"


def sequence_gaps(events: list[dict[str, Any]], first: int = 0) -> str | None:
    """Why ``events`` are not numbered ``first, first + 1, ...`` (None when they are)."""
    for index, event in enumerate(events):
        expected = first + index
        if event["sequence_number"] != expected:
            return f"sequence number {event['sequence_number']} where {expected} was due"
    return None


def check_log(at_kill: StoredTurn, replay: list[dict[str, Any]], after: dict[str, Any]) -> list[Finding]:
    """The replay after the restart keeps every event committed before the kill, unchanged and gapless; a turn
    running at the kill gains exactly one event, ``response.incomplete`` / ``server_restart``; a settled one
    gains none and keeps its status."""
    rid = at_kill.response_id
    findings: list[Finding] = []
    gap = sequence_gaps(replay)
    if gap:
        findings.append(Finding("gap", rid, f"replay: {gap}"))
    for index, event in enumerate(at_kill.events):
        if index >= len(replay) or replay[index] != event:
            findings.append(Finding("lost", rid, f"event {index} ({event['type']}) committed before the kill "
                                                 f"is {'missing' if index >= len(replay) else 'changed'} in the replay"))
    added = replay[len(at_kill.events):]
    if at_kill.running:
        end = added[0] if len(added) == 1 else None
        ok = (end is not None and end["type"] == "response.incomplete"
              and end["response"]["status"] == "incomplete"
              and end["response"]["incomplete_details"] == {"reason": "server_restart"}
              and after.get("status") == "incomplete"
              and after.get("incomplete_details") == {"reason": "server_restart"})
        if not ok:
            findings.append(Finding("end_state", rid, (
                f"running ({at_kill.status}) at the kill; after the restart: status {after.get('status')!r}, "
                f"incomplete_details {after.get('incomplete_details')!r}, events added {[e['type'] for e in added]}")))
    elif added or after.get("status") != at_kill.status:
        findings.append(Finding("end_state", rid, (
            f"settled ({at_kill.status}) at the kill; after the restart: status {after.get('status')!r}, "
            f"events added {[e['type'] for e in added]}")))
    return findings


def check_received(response_id: str, received: list[dict[str, Any]], replay: list[dict[str, Any]]) -> list[Finding]:
    """What a client received (from sequence 0, across its reconnections) is gapless and is in the replay,
    identical."""
    findings: list[Finding] = []
    gap = sequence_gaps(received)
    if gap:
        findings.append(Finding("gap", response_id, f"received: {gap}"))
    for event in received:
        seq = event["sequence_number"]
        if not 0 <= seq < len(replay) or replay[seq] != event:
            findings.append(Finding("lost", response_id, (
                f"received event {seq} ({event['type']}) is {'absent from' if not 0 <= seq < len(replay) else 'different in'} "
                "the replay")))
    return findings


def check_resume(response_id: str, after: int, resumed: list[dict[str, Any]], replay: list[dict[str, Any]],
                 how: str) -> list[Finding]:
    """A stream resumed after sequence ``after`` gives exactly the rest of the replay."""
    if resumed == replay[after + 1:]:
        return []
    got = [e["sequence_number"] for e in resumed]
    return [Finding("resume", response_id, f"resumed ({how}) after {after}: got sequence numbers {got[:5]}…"
                                           f"{got[-3:]} ({len(got)}), expected {len(replay) - after - 1} events")]


def check_chain(recovered_id: str, session_id: str, chained: dict[str, Any]) -> list[Finding]:
    """A turn chained on a recovered response completes in the same session."""
    if (chained.get("status") == "completed" and chained.get("previous_response_id") == recovered_id
            and chained.get("session_id") == session_id):
        return []
    return [Finding("chain", recovered_id, (
        f"chained turn {chained.get('id')}: status {chained.get('status')!r}, error {chained.get('error')!r}, "
        f"previous_response_id {chained.get('previous_response_id')!r}"))]
