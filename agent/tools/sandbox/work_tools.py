"""``sandbox_exec``, ``sandbox_read``, ``sandbox_write``, ``sandbox_edit``: working in the session's sandbox.

Paths are relative to the sandbox's workspace (the template server refuses any that leads out of it). A command's
output streams as ``response.tool_log`` while it runs; what the model reads is bounded by the 4 KB rule, head and
tail kept (the end of a traceback is what matters)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.models import TOOL_OUTPUT_LIMIT_BYTES
from agent.tools.base import Tool, ToolContext
from agent.tools.sandbox import space
from agent.tools.sandbox.client import SandboxClient

MAX_COMMAND_TIMEOUT = 1800
MAX_CONTENT_CHARS = 500_000
READ_BYTES = 64_000  # what sandbox_read fetches; the model reads at most MAX_TOOL_OUTPUT_CHARS of it
PATH_HELP = "Path relative to the workspace, e.g. train.py or data/sample.json."


def head_and_tail(text: str, limit: int) -> str:
    from agent.loop import truncate_bytes  # the loop's own 4 KB rule (imported late: the loop imports the tools)

    return truncate_bytes(text, limit)


class ExecArgs(BaseModel):
    command: str = Field(..., min_length=1, max_length=20_000, description="A bash command, e.g. python train.py.")
    timeout_seconds: int = Field(120, ge=1, le=MAX_COMMAND_TIMEOUT, description="Killed after this.")
    workdir: str | None = Field(None, max_length=1024, description="Working directory in the workspace.")


class SandboxExec(Tool[ExecArgs]):
    name = "sandbox_exec"
    description = ("Run a shell command in the sandbox (sandbox_create first). Output streams to the user; you get "
                   "the exit code and the output's head and tail.")
    Arguments = ExecArgs

    def timeout_seconds(self, args: ExecArgs) -> float:
        return args.timeout_seconds + 60

    async def run(self, args: ExecArgs, ctx: ToolContext) -> str:
        client = SandboxClient(ctx, await space.require_sandbox(ctx))
        result = await client.exec(args.command, args.timeout_seconds, args.workdir, ctx.log)
        if result.timed_out:
            status = f"timed out after {args.timeout_seconds} s: the command was killed"
        else:
            status = f"exit code: {result.exit_code} ({result.seconds:.1f} s)"
        if result.truncated:
            status += "; output cut by the sandbox (1 MB): redirect it to a file and read parts of it"
        header = status + "\n"
        return header + head_and_tail(result.output, TOOL_OUTPUT_LIMIT_BYTES - len(header.encode()))


class ReadArgs(BaseModel):
    path: str = Field(..., min_length=1, max_length=1024, description=PATH_HELP)


class SandboxRead(Tool[ReadArgs]):
    name = "sandbox_read"
    description = "Read a text file from the sandbox."
    Arguments = ReadArgs

    async def run(self, args: ReadArgs, ctx: ToolContext) -> str:
        found = await SandboxClient(ctx, await space.require_sandbox(ctx)).call(
            "GET", "files", params={"path": args.path, "max_bytes": str(READ_BYTES)})
        content = str(found.get("content", ""))
        if found.get("truncated"):
            content += (f"\n…[the file has {found.get('size')} bytes; this is the start. Use sandbox_exec "
                        "(e.g. sed -n '100,200p', tail, grep) for other parts]")
        return content


class WriteArgs(BaseModel):
    path: str = Field(..., min_length=1, max_length=1024, description=PATH_HELP)
    content: str = Field(..., max_length=MAX_CONTENT_CHARS, description="The whole file.")


class SandboxWrite(Tool[WriteArgs]):
    name = "sandbox_write"
    description = "Create or overwrite a text file in the sandbox (folders are created)."
    Arguments = WriteArgs

    async def run(self, args: WriteArgs, ctx: ToolContext) -> str:
        done = await SandboxClient(ctx, await space.require_sandbox(ctx)).call(
            "PUT", "files", body={"path": args.path, "content": args.content})
        return f"Wrote {done.get('path')} ({done.get('size')} bytes)."


class EditArgs(BaseModel):
    path: str = Field(..., min_length=1, max_length=1024, description=PATH_HELP)
    old_text: str = Field(..., min_length=1, max_length=MAX_CONTENT_CHARS,
                          description="Exact text to replace; must occur once.")
    new_text: str = Field(..., max_length=MAX_CONTENT_CHARS)


class SandboxEdit(Tool[EditArgs]):
    name = "sandbox_edit"
    description = "Replace one exact occurrence of old_text in a sandbox file."
    Arguments = EditArgs

    async def run(self, args: EditArgs, ctx: ToolContext) -> str:
        await SandboxClient(ctx, await space.require_sandbox(ctx)).call(
            "POST", "edit", body={"path": args.path, "old_text": args.old_text, "new_text": args.new_text})
        return f"Edited {args.path}: 1 replacement."
