"""The sandbox tools against the emulator's Spaces (which run the shipped template server): create once per session
and reuse, work in it, money charged once with the artifact, the 402 and approval paths, sleep and deletion."""

from __future__ import annotations

import json

import httpx
import pytest

from agent.budget import estimate_tool_call
from agent.llm import ToolCall
from agent.tools.base import ToolFailure
from agent.tools.jobs.hardware import HardwareCatalog
from agent.tools.repos.collection import SessionCollections
from agent.tools.sandbox import sandbox_tools
from tests.conftest import ALICE, BOB
from tests.sandbox.context import Session, sandbox_context


@pytest.fixture
def tools() -> dict:
    return {t.name: t for t in sandbox_tools(SessionCollections(), HardwareCatalog())}


async def call(tools: dict, ctx, name: str, **arguments) -> str:
    tool = tools[name]
    return await tool.run(tool.parse(json.dumps(arguments)), ctx)


def sandbox_ids(session: Session) -> list[str]:
    return [a["repo_id"] for a in session.artifacts if a["type"] == "space" and a.get("sandbox")]


async def test_create_work_and_reuse_in_a_later_turn(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        created = await call(tools, ctx, "sandbox_create", packages=["numpy>=1.26"])
        [sandbox] = recorder.of_type("space")
        assert sandbox.sandbox is True and sandbox.repo_id.startswith("alice/ml-intern-sandbox-")
        assert f"Sandbox running: {sandbox.repo_id}" in created and "free hardware" in created
        # The build's stages streamed to the caller as they happened, each once and in order. Stages are polled:
        # on a loaded machine a poll may land after the short APP_STARTING stage, so it may be missing.
        stages = [line.rsplit(": ", 1)[1] for line in recorder.logs]
        assert stages[0] == "BUILDING" and stages[-1] == "RUNNING"
        assert stages in (["BUILDING", "APP_STARTING", "RUNNING"], ["BUILDING", "RUNNING"])
        assert recorder.of_type("collection")  # the sandbox joined the session collection
        files = emulator.state.compute.repo_files[("space", sandbox.repo_id)]
        assert files["user-requirements.txt"] == b"numpy>=1.26\n" and b"create_app_from_env" in files["server.py"]
        assert emulator.state.catalog.get("spaces", sandbox.repo_id)["private"] is True

        await call(tools, ctx, "sandbox_write", path="hello.py",
                   content="answer = 6 * 7\nprint('hello', answer)\nopen('answer.txt', 'w').write(str(answer))\n")
        recorder.logs.clear()
        ran = await call(tools, ctx, "sandbox_exec", command="python3 hello.py")
        assert ran.startswith("exit code: 0") and "hello 42" in ran
        assert recorder.logs == ["hello 42"]  # streamed while it ran
        assert await call(tools, ctx, "sandbox_read", path="answer.txt") == "42"
        await call(tools, ctx, "sandbox_edit", path="hello.py", old_text="6 * 7", new_text="6 * 8")
        assert "hello 48" in await call(tools, ctx, "sandbox_exec", command="python3 hello.py")
    assert session.charges == []  # cpu-basic is free

    async with sandbox_context(emulator, session) as (ctx, recorder):
        reused = await call(tools, ctx, "sandbox_create")
        assert reused.startswith(f"Reusing this session's sandbox: {sandbox.repo_id}")
        assert recorder.of_type("space") == []  # nothing new was created
        assert await call(tools, ctx, "sandbox_read", path="answer.txt") == "48"
    assert sandbox_ids(session) == [sandbox.repo_id]


async def test_exec_output_keeps_head_and_tail_within_4_kb(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        await call(tools, ctx, "sandbox_create")
        recorder.logs.clear()
        out = await call(tools, ctx, "sandbox_exec", command="seq 1 5000; echo Traceback: boom >&2; exit 1")
    assert len(out.encode()) <= 4096
    assert out.startswith("exit code: 1") and "\n1\n2\n3\n" in out and out.endswith("Traceback: boom\n")
    assert "bytes omitted" in out
    assert len(recorder.logs) == 1001 and recorder.logs[:2] == ["1", "2"]  # streamed, bounded
    assert recorder.logs[-1].startswith("…[more than 1000 lines")


async def test_timeouts_errors_and_no_sandbox(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, _):
        with pytest.raises(ToolFailure, match="no sandbox yet: call sandbox_create"):
            await call(tools, ctx, "sandbox_exec", command="ls")
        await call(tools, ctx, "sandbox_create")
        slow = await call(tools, ctx, "sandbox_exec", command="echo begun; sleep 20", timeout_seconds=1)
        assert slow.startswith("timed out after 1 s: the command was killed") and "begun" in slow
        await call(tools, ctx, "sandbox_write", path="f.py", content="x = 1\nx = 1\n")
        with pytest.raises(ToolFailure, match="appears 2 times"):
            await call(tools, ctx, "sandbox_edit", path="f.py", old_text="x = 1", new_text="x = 2")
        with pytest.raises(ToolFailure, match="was not found"):
            await call(tools, ctx, "sandbox_edit", path="f.py", old_text="y", new_text="x = 2")
        with pytest.raises(ToolFailure, match="outside the workspace"):
            await call(tools, ctx, "sandbox_read", path="../../etc/passwd")
        with pytest.raises(ToolFailure, match="no file"):
            await call(tools, ctx, "sandbox_read", path="missing.txt")


async def test_paid_sandbox_is_charged_once_with_its_artifact(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        tool = tools["sandbox_create"]
        arguments = json.dumps({"hardware": "t4-small"})
        costly, estimate = await estimate_tool_call(tool, ToolCall(id="c1", name=tool.name, arguments=arguments), ctx)
        # T4 small at 0.40 USD/h, for an hour of use and the 30 min idle before it sleeps.
        assert costly and estimate == pytest.approx(0.6, rel=1e-4)
        created = await call(tools, ctx, "sandbox_create", hardware="t4-small")
        assert "charged: 0.6000 USD" in created
        [sandbox] = recorder.of_type("space")
        runtime = emulator.state.spaces.runs[sandbox.repo_id].runtime()
        assert runtime["hardware"] == {"current": "t4-small", "requested": "t4-small"}
        assert runtime["gcTimeout"] == 1800
    async with sandbox_context(emulator, session) as (ctx, _):
        await call(tools, ctx, "sandbox_create", hardware="t4-small")  # running: reused, not charged
    assert [usd for usd, _ in session.charges] == [pytest.approx(0.6, rel=1e-4)]
    assert session.charges[0][1]["tool"] == "sandbox_create"

    # Asleep, it restarts on a fresh disk, and a new billing period is charged.
    emulator.state.spaces.runs[sandbox.repo_id].sleeping = True
    async with sandbox_context(emulator, session) as (ctx, _):
        woken = await call(tools, ctx, "sandbox_create", hardware="t4-small")
    assert "It was SLEEPING and restarted" in woken and len(session.charges) == 2


async def test_unknown_hardware_cannot_be_estimated(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, _):
        tool = tools["sandbox_create"]
        call_ = ToolCall(id="c1", name=tool.name, arguments=json.dumps({"hardware": "h200-galaxy"}))
        assert await estimate_tool_call(tool, call_, ctx) == (True, None)  # → the budget gate asks for approval
        free = ToolCall(id="c2", name=tool.name, arguments="{}")
        assert await estimate_tool_call(tool, free, ctx) == (True, 0.0)


async def test_402_without_credits_creates_and_charges_nothing(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session, token=BOB) as (ctx, recorder):
        with pytest.raises(ToolFailure, match="billing: .*no credits"):
            await call(tools, ctx, "sandbox_create", hardware="t4-small")
        with pytest.raises(ToolFailure, match="billing"):
            await call(tools, ctx, "sandbox_create")  # a Docker Space needs billing even on cpu-basic
    assert recorder.artifacts == [] and session.charges == []
    assert not [rid for rid in emulator.state.spaces.runs if rid.startswith("bob/")]


async def test_a_failed_build_is_reported_then_rebuilt_with_fixed_packages(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        with pytest.raises(ToolFailure, match=r"failed to start \(BUILD_ERROR\).*call sandbox_create again"):
            await call(tools, ctx, "sandbox_create", hardware="t4-small", packages=["emulator-build-error"])
        # The Space exists (and was charged with its artifact); the next create rebuilds it with the new packages.
        [space_id] = [a.repo_id for a in recorder.of_type("space")]
        fixed = await call(tools, ctx, "sandbox_create", hardware="t4-small", packages=["numpy"])
        assert "It was BUILD_ERROR: rebuilt from the template with numpy." in fixed
        assert emulator.state.compute.repo_files[("space", space_id)]["user-requirements.txt"] == b"numpy\n"
        assert emulator.state.spaces.runs[space_id].stage() == "RUNNING"
    assert len(session.charges) == 1


async def test_a_space_left_without_its_app_by_a_crash_is_completed(emulator, tools):
    """A crash after the Space was created (and recorded) but before the template was uploaded."""
    from agent.tools.sandbox import space

    session = Session()
    async with sandbox_context(emulator, session) as (ctx, _):
        space_id = f"alice/{space.sandbox_name(session.id)}"
        await space.create_space(ctx, space_id, "cpu-basic", None)
        session.artifacts.append(space.sandbox_artifact(ctx, space_id).public())
        done = await call(tools, ctx, "sandbox_create")
    assert "It was NO_APP_FILE: rebuilt from the template." in done
    assert emulator.state.spaces.runs[space_id].stage() == "RUNNING"


async def test_delete_then_a_new_sandbox(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        await call(tools, ctx, "sandbox_create")
        [space_id] = [a.repo_id for a in recorder.of_type("space")]
        assert (await call(tools, ctx, "sandbox_delete")) == f"Deleted the sandbox {space_id}."
        assert emulator.state.catalog.get("spaces", space_id) is None
        with pytest.raises(ToolFailure, match="may have been deleted"):
            await call(tools, ctx, "sandbox_exec", command="ls")
        assert "already deleted" in await call(tools, ctx, "sandbox_delete")
        again = await call(tools, ctx, "sandbox_create")
        assert again.startswith(f"Sandbox running: {space_id}")
        assert emulator.state.spaces.runs[space_id].stage() == "RUNNING"


async def test_a_recorded_sandbox_of_another_namespace_is_never_used(emulator, tools):
    session = Session(artifacts=[{"type": "space", "repo_id": "bob/ml-intern-sandbox-x", "sandbox": True,
                                  "url": "http://example.invalid"}])
    async with sandbox_context(emulator, session) as (ctx, _):
        with pytest.raises(ToolFailure, match="permission: you can only act in your own namespace"):
            await call(tools, ctx, "sandbox_exec", command="ls")


async def test_the_token_reaches_only_this_sandboxs_host(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, _):
        await call(tools, ctx, "sandbox_create")
        emulator.state.clear_requests()
        await call(tools, ctx, "sandbox_exec", command="true")
    [sent] = emulator.state.recorded("/spaces-host/")
    assert sent["path"].startswith("/spaces-host/alice-ml-intern-sandbox-") and sent["path"].endswith("/exec")
    assert sent["headers"]["authorization"] == "Bearer alice"
    # Without the caller's token the Space's host does not even admit the sandbox exists (a private Space).
    reply = httpx.post(emulator.url + sent["path"], json={"command": "true"})
    assert reply.status_code == 404
    reply = httpx.post(emulator.url + sent["path"], json={"command": "true"},
                       headers={"authorization": f"Bearer {BOB}"})
    assert reply.status_code == 404
    assert ALICE not in json.dumps(emulator.state.recorded())


async def test_parallel_creates_in_one_batch_make_one_sandbox_charged_once(emulator, tools):
    import asyncio

    session = Session()
    async with sandbox_context(emulator, session) as (ctx, recorder):
        outputs = await asyncio.gather(*(call(tools, ctx, "sandbox_create", hardware="t4-small") for _ in range(3)))
    assert sum(out.startswith("Sandbox running") for out in outputs) == 1
    assert sum(out.startswith("Reusing") for out in outputs) == 2
    assert len(recorder.of_type("space")) == 1 and len(session.charges) == 1
    assert tools["sandbox_create"]._locks == {}  # nothing kept per session once the calls are done


async def test_a_large_file_is_read_from_its_start_with_a_note(emulator, tools):
    session = Session()
    async with sandbox_context(emulator, session) as (ctx, _):
        await call(tools, ctx, "sandbox_create")
        await call(tools, ctx, "sandbox_exec", command="python3 -c \"print('y' * 300_000)\" > big.txt")
        out = await call(tools, ctx, "sandbox_read", path="big.txt")
    assert out.startswith("y" * 1000) and out.endswith("for other parts]")
    assert "the file has 300001 bytes" in out and len(out) < 70_000


async def test_a_sandbox_cannot_make_the_server_buffer_without_bound(emulator):
    """A (broken or hostile) sandbox streaming one endless line, or a huge reply: refused, bounded memory."""
    from agent.tools.sandbox.client import SandboxClient

    async def endless():
        for _ in range(64):  # 4 MB, no newline
            yield b"x" * 65_536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    async with sandbox_context(emulator, Session()) as (ctx, _):
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as mock:
            ctx.http = ctx.http.__class__(mock, ctx.http._auth)
            client = SandboxClient(ctx, "alice/box")
            with pytest.raises(ToolFailure, match="longer than"):
                await client.exec("true", 10, None, ctx.log)
            with pytest.raises(ToolFailure, match="more than"):
                await client.call("GET", "list")
