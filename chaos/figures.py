"""The figures of a chaos run: counted per backend, printed as one table and written as JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

from chaos.checks import Finding

# Findings kept verbatim in the report (the counts are always complete).
MAX_LISTED = 50


class KillLoopFigures(BaseModel):
    """The kill -9 loop on one backend."""

    backend: str
    skipped: str | None = None            # why it did not run (PostgreSQL absent outside CI)
    trials: int = 0
    turns: int = 0                        # responses created during the trials
    in_flight_at_kill: int = 0            # of them, queued or in_progress when the server died
    events_checked: int = 0               # events received by clients, compared with the replay
    events_replayed: int = 0              # events of the replays checked for gaps and against the kill-time log
    resumes_checked: int = 0              # streams resumed after the restart from a client's last event
    chains_checked: int = 0               # turns chained on a recovered response after the restart
    lost: int = 0
    gaps: int = 0
    http_5xx: int = 0
    wrong_end_states: int = 0
    resume_mismatches: int = 0
    chain_failures: int = 0
    client_problems: int = 0              # a refused request, a frame the contract does not allow, a hang
    failures: list[str] = Field(default_factory=list)

    def add(self, findings: list[Finding]) -> None:
        field_of = {"lost": "lost", "gap": "gaps", "end_state": "wrong_end_states", "resume": "resume_mismatches",
                    "chain": "chain_failures", "http_5xx": "http_5xx", "client": "client_problems"}
        for finding in findings:
            setattr(self, field_of[finding.kind], getattr(self, field_of[finding.kind]) + 1)
            if len(self.failures) < MAX_LISTED:
                self.failures.append(f"trial {self.trials}: {finding}")

    @property
    def failed(self) -> int:
        return (self.lost + self.gaps + self.http_5xx + self.wrong_end_states + self.resume_mismatches
                + self.chain_failures + self.client_problems)


class PgRestartFigures(BaseModel):
    """A PostgreSQL server restart under a running replica."""

    skipped: str | None = None
    restart_command: str | None = None
    turns_in_flight: int = 0              # streaming when PostgreSQL stopped
    streams_cut: int = 0                  # client streams that ended without the end event (then resumed)
    end_states: dict[str, int] = Field(default_factory=dict)   # "status/code" of those turns once settled
    events_checked: int = 0
    lost: int = 0
    gaps: int = 0
    http_5xx: int = 0
    wrong_end_states: int = 0
    readyz_not_ready_seen: bool = False
    readyz_ready_again: bool = False
    new_turns_after: int = 0
    new_turn_failures: int = 0
    cluster_restored: bool = True
    failures: list[str] = Field(default_factory=list)

    def add(self, findings: list[Finding]) -> None:
        field_of = {"lost": "lost", "gap": "gaps", "end_state": "wrong_end_states", "http_5xx": "http_5xx",
                    "chain": "new_turn_failures", "client": "wrong_end_states", "resume": "lost"}
        for finding in findings:
            setattr(self, field_of[finding.kind], getattr(self, field_of[finding.kind]) + 1)
            if len(self.failures) < MAX_LISTED:
                self.failures.append(str(finding))

    @property
    def failed(self) -> int:
        if self.skipped:
            return 0
        return (self.lost + self.gaps + self.http_5xx + self.wrong_end_states + self.new_turn_failures
                + (not self.readyz_not_ready_seen) + (not self.readyz_ready_again) + (not self.cluster_restored))


class ChaosReport(BaseModel):
    seed: int
    clients_per_trial: int
    kill_loops: list[KillLoopFigures]
    pg_restart: PgRestartFigures | None = None
    wall_s: float = 0.0
    error: str | None = None              # the run itself broke (a process would not start, ...)

    @property
    def failed(self) -> bool:
        return bool(self.error) or any(loop.failed for loop in self.kill_loops) or bool(
            self.pg_restart and self.pg_restart.failed)

    def table(self) -> str:
        rows = [("", *(loop.backend for loop in self.kill_loops))]
        for name in ("trials", "turns", "in_flight_at_kill", "events_checked", "events_replayed", "resumes_checked",
                     "chains_checked", "lost", "gaps", "http_5xx", "wrong_end_states", "resume_mismatches",
                     "chain_failures", "client_problems"):
            rows.append((name, *(("skipped" if loop.skipped else str(getattr(loop, name)))
                                 for loop in self.kill_loops)))
        width = max(len(r[0]) for r in rows)
        lines = [f"{r[0]:<{width}}  " + "  ".join(f"{c:>10}" for c in r[1:]) for r in rows]
        for loop in self.kill_loops:
            if loop.skipped:
                lines.append(f"{loop.backend}: skipped — {loop.skipped}")
        if self.pg_restart is not None:
            pg = self.pg_restart
            if pg.skipped:
                lines.append(f"PostgreSQL restart: skipped — {pg.skipped}")
            else:
                lines.append(f"PostgreSQL restart ({pg.restart_command}): {pg.turns_in_flight} turns in flight, "
                             f"ended {pg.end_states}, {pg.streams_cut} streams cut and resumed; events checked {pg.events_checked}, lost {pg.lost}, "
                             f"gaps {pg.gaps}, 5xx {pg.http_5xx}, wrong end states {pg.wrong_end_states}; "
                             f"/readyz not ready seen {pg.readyz_not_ready_seen}, ready again "
                             f"{pg.readyz_ready_again}; new turns after {pg.new_turns_after} "
                             f"(failed {pg.new_turn_failures}); cluster restored {pg.cluster_restored}")
        for loop in self.kill_loops:
            lines.extend(f"  FAIL {loop.backend} {f}" for f in loop.failures)
        if self.pg_restart is not None:
            lines.extend(f"  FAIL pg-restart {f}" for f in self.pg_restart.failures)
        if self.error:
            lines.append(f"ERROR {self.error}")
        lines.append(f"seed {self.seed}, {self.clients_per_trial} clients per trial, {self.wall_s:.0f} s: "
                     + ("FAILED" if self.failed else "passed"))
        return "\n".join(lines)
