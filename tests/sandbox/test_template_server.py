"""The shipped sandbox server itself (loaded from the package's template files), against the emulator's whoami: it
takes only the Space owner's token, keeps file access inside its workspace, and bounds commands in time and output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.conftest import ALICE, BOB
from tests.sandbox.context import template_module

SERVER = template_module()


def client(emulator, workspace: Path, token: str | None = ALICE, owner: str = "alice",
           **config) -> httpx.AsyncClient:
    app = SERVER.create_app(SERVER.SandboxConfig(workspace=workspace, owner=owner, hub_url=emulator.url, **config))
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=headers,
                             timeout=30)


def frames(reply: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in reply.text.splitlines() if line.strip()]


async def test_only_the_owners_token_is_accepted(emulator, tmp_path: Path):
    (tmp_path / "a.txt").write_text("secret")
    for token, status in ((None, 401), ("hf_not_a_token", 401), (BOB, 403)):
        async with client(emulator, tmp_path, token) as sandbox:
            for method, route, body in (("GET", "/files?path=a.txt", None), ("POST", "/exec", {"command": "id"}),
                                        ("PUT", "/files", {"path": "b.txt", "content": "x"}),
                                        ("GET", "/list", None)):
                reply = await sandbox.request(method, route, json=body)
                assert reply.status_code == status, (token, route, reply.text)
                assert "secret" not in reply.text
    assert not (tmp_path / "b.txt").exists()
    async with client(emulator, tmp_path) as sandbox:
        assert (await sandbox.get("/files", params={"path": "a.txt"})).json()["content"] == "secret"
    # A member of the owning organization is let in (alice is in acme); the health check needs no token.
    async with client(emulator, tmp_path, owner="acme") as sandbox:
        assert (await sandbox.get("/list")).status_code == 200
    async with client(emulator, tmp_path, token=None) as sandbox:
        assert (await sandbox.get("/health")).status_code == 200


async def test_paths_cannot_leave_the_workspace(emulator, tmp_path: Path):
    workspace = tmp_path / "ws"
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    async with client(emulator, workspace) as sandbox:
        (workspace / "link").symlink_to(outside)
        for path in ("../outside.txt", str(outside), "/etc/passwd", "link", "sub/../../outside.txt"):
            read = await sandbox.get("/files", params={"path": path})
            assert read.status_code == 403 and "outside the workspace" in read.json()["error"], (path, read.text)
            wrote = await sandbox.put("/files", json={"path": path, "content": "overwritten"})
            assert wrote.status_code == 403, path
            edit = await sandbox.post("/edit", json={"path": path, "old_text": "not", "new_text": "x"})
            assert edit.status_code == 403, path
        assert (await sandbox.post("/exec", json={"command": "pwd", "workdir": ".."})).status_code == 403
        assert (await sandbox.get("/list", params={"path": "/"})).status_code == 403
        assert (await sandbox.post("/upload", json={"url": f"{emulator.url}/api/models",
                                                    "path": "../x.json"})).status_code == 403
        # Inside: nested folders are created; an absolute path within the workspace is the same file.
        assert (await sandbox.put("/files", json={"path": "a/b/c.txt", "content": "ok"})).status_code == 200
        same = await sandbox.get("/files", params={"path": str(workspace / "a/b/c.txt")})
        assert same.json()["content"] == "ok"
    assert outside.read_text() == "not yours"


async def test_commands_are_killed_at_their_timeout_with_their_children(emulator, tmp_path: Path):
    async with client(emulator, tmp_path) as sandbox:
        reply = await sandbox.post("/exec", json={
            "command": "echo started; (sleep 30; touch late.txt) & sleep 30", "timeout_seconds": 1})
    *output, final = frames(reply)
    assert "".join(f["text"] for f in output) == "started\n"
    assert final["timed_out"] is True and final["exit_code"] is None and final["seconds"] < 10
    assert not (tmp_path / "late.txt").exists()
    async with client(emulator, tmp_path) as sandbox:
        bad = await sandbox.post("/exec", json={"command": "true", "timeout_seconds": 99_999})
        assert bad.status_code == 400


async def test_output_is_bounded_and_the_command_still_finishes(emulator, tmp_path: Path):
    async with client(emulator, tmp_path, max_output_bytes=10_000) as sandbox:
        reply = await sandbox.post("/exec", json={
            "command": "python3 -c \"import sys; sys.stdout.write('x' * 200_000); sys.stderr.write('oops')\"; "
                       "echo done > finished.txt; exit 3"})
    *output, final = frames(reply)
    assert sum(len(f["text"]) for f in output) == 10_000
    assert final == {**final, "exit_code": 3, "timed_out": False, "output_truncated": True}
    assert (tmp_path / "finished.txt").read_text() == "done\n"


async def test_exec_streams_both_streams_and_the_exit_code(emulator, tmp_path: Path):
    async with client(emulator, tmp_path) as sandbox:
        reply = await sandbox.post("/exec", json={"command": "echo out; echo err >&2; exit 7"})
    *output, final = frames(reply)
    assert sorted((f["stream"], f["text"]) for f in output) == [("stderr", "err\n"), ("stdout", "out\n")]
    assert final["exit_code"] == 7
    # Nothing of the caller's reaches the command's environment.
    async with client(emulator, tmp_path) as sandbox:
        env = frames(await sandbox.post("/exec", json={"command": "env"}))
    assert ALICE not in json.dumps(env) and os.environ.get("HF_TOKEN") is None


async def test_edit_replaces_one_exact_occurrence_or_says_why_not(emulator, tmp_path: Path):
    (tmp_path / "f.py").write_text("a = 1\nb = 1\n")
    async with client(emulator, tmp_path) as sandbox:
        ambiguous = await sandbox.post("/edit", json={"path": "f.py", "old_text": "= 1", "new_text": "= 2"})
        assert ambiguous.status_code == 409 and "appears 2 times" in ambiguous.json()["error"]
        absent = await sandbox.post("/edit", json={"path": "f.py", "old_text": "c = 1", "new_text": "x"})
        assert absent.status_code == 422 and "not found" in absent.json()["error"]
        missing = await sandbox.post("/edit", json={"path": "g.py", "old_text": "a", "new_text": "x"})
        assert missing.status_code == 404
        assert (await sandbox.post("/edit", json={"path": "f.py", "old_text": "b = 1",
                                                  "new_text": "b = 2"})).status_code == 200
    assert (tmp_path / "f.py").read_text() == "a = 1\nb = 2\n"


async def test_upload_fetches_a_url_without_the_callers_token(emulator, tmp_path: Path):
    emulator.state.clear_requests()
    async with client(emulator, tmp_path) as sandbox:
        done = await sandbox.post("/upload", json={"url": f"{emulator.url}/api/models?search=Qwen3-0.6B",
                                                   "path": "data/models.json"})
        assert done.status_code == 200, done.text
        listed = (await sandbox.get("/list", params={"path": "data"})).json()["entries"]
    assert listed == [{"name": "models.json", "type": "file", "size": done.json()["size"]}]
    assert "Qwen" in (tmp_path / "data/models.json").read_text()
    fetched = [r for r in emulator.state.recorded("/api/models") if "Qwen3-0.6B" in json.dumps(r["query"])]
    assert fetched and all("authorization" not in r["headers"] for r in fetched)
