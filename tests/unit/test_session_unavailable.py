"""A session runtime that fails to start is 503 ``session_unavailable`` (retry), never a 500, and leaves nothing
waiting: a new turn is not stored, a paused one stays paused with its cap unchanged, and a turn whose task could
not start after it was stored is settled ``failed``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from agent import events as ev
from agent.errors import Unavailable
from agent.identity import Identity
from agent.models import CreateResponseRequest, IncompleteDetails
from agent.service import AgentService
from agent.settings import Settings
from agent.writer import TurnWriter
from responses_api.errors import service_error_response
from tests.unit.conftest import new_response

CALLER = Identity(user_id="u1", username="alice", token=SecretStr("hf_unit_token"), token_role="write", orgs=(),
                  can_infer=True, can_write_repos=True, can_run_jobs=True)


@pytest.fixture
async def service(tmp_path) -> AsyncIterator[AgentService]:
    started = await AgentService.start(Settings(database_url=f"sqlite:///{tmp_path / 'svc.db'}"))
    try:
        yield started
    finally:
        await started.close()


def broken_runtimes(service: AgentService, monkeypatch: pytest.MonkeyPatch) -> None:
    async def acquire(session_id: str, identity: Identity):
        raise RuntimeError("the runtime could not be built")

    monkeypatch.setattr(service.runtimes, "acquire", acquire)


async def test_a_runtime_that_cannot_start_refuses_the_turn_with_nothing_stored(service, monkeypatch):
    broken_runtimes(service, monkeypatch)
    with pytest.raises(Unavailable) as raised:
        await service.submit(CALLER, CreateResponseRequest(input="hello", background=True))
    assert raised.value.code == "session_unavailable" and raised.value.status == 503
    assert service_error_response(raised.value).status_code == 503
    assert await service.recent_responses(CALLER) == []
    assert len(service.runtimes) == 0


async def test_approving_when_the_runtime_cannot_start_changes_nothing(service, monkeypatch):
    row = await new_response(service.store, owner=CALLER.user_id)
    writer = TurnWriter(service.store, service.bus, row, flush_ms=0)
    await writer.set_status("in_progress")
    await writer.emit(ev.APPROVAL_REQUIRED, actions=[{"kind": "model_call", "estimated_cost_usd": 0.01}],
                      budget={"max_cost_usd": 5.0}, tool_calls=[])
    await writer.set_status("incomplete", incomplete=IncompleteDetails(reason="approval_required"))
    await writer.close()
    broken_runtimes(service, monkeypatch)
    with pytest.raises(Unavailable) as raised:
        await service.approve(CALLER, row.id, approve=True, new_max_cost_usd=9.0)
    assert raised.value.code == "session_unavailable"
    paused = await service.get(CALLER, row.id)
    assert paused.status == "incomplete" and paused.pending_approval is not None
    session = await service.store.get_session(row.session_id)
    assert session is not None and session.max_cost_usd == 5.0


async def test_a_turn_that_fails_to_start_after_it_was_stored_is_settled_failed(service, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the turn could not be scheduled")

    monkeypatch.setattr(service.runner, "run", refuse)
    with pytest.raises(Unavailable) as raised:
        await service.submit(CALLER, CreateResponseRequest(input="hello", background=True))
    assert raised.value.code == "session_unavailable"
    [stored] = await service.recent_responses(CALLER)
    response = await service.get(CALLER, stored.id)
    assert response.status == "failed" and response.error is not None
    assert (response.error.code, response.error.type) == ("server_error", "runtime_error")
    # The session is free: nothing counts as live.
    assert await service.store.live_sessions(CALLER.user_id) == 0
