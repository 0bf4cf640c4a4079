"""The agent loop: streamed model call → tool calls (concurrently) → results back → until an answer or a bound."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from openai import AsyncOpenAI

from agent import events as ev
from agent.budget import BudgetGate
from agent.context import compact
from agent.costs import TokenPrice
from agent.llm import Completion, LlmError, ToolCall, stream_completion
from agent.models import TOOL_OUTPUT_LIMIT_BYTES, McpCallItem, MessageItem, OutputText
from agent.redact import StreamRedactor, redact_text
from agent.settings import Settings
from agent.tools.base import MAX_TOOL_OUTPUT_CHARS, Tool, ToolContext, ToolFailure, truncate
from agent.writer import TurnWriter

# The same call with the same result this many times gets a warning appended; twice that ends the turn.
REPEAT_WARN = 3


class TurnFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TurnCancelled(Exception):
    pass


@dataclass
class Resume:
    """The caller's decision on a paused batch: the tool calls waiting (empty for a paused model call)."""

    approve: bool
    tool_calls: list[ToolCall]
    feedback: str | None = None


def truncate_bytes(text: str, limit: int = TOOL_OUTPUT_LIMIT_BYTES) -> str:
    """Cut to ``limit`` UTF-8 bytes with a marker (output[] items are bounded; the full text streams as tool_log)."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    marker = f"\n…[truncated to {limit} bytes; full output streamed as response.tool_log]"
    return raw[: limit - len(marker.encode())].decode(errors="ignore") + marker


@dataclass
class AgentLoop:
    settings: Settings
    model: str
    tools: list[Tool]
    llm: AsyncOpenAI
    writer: TurnWriter
    make_context: Callable[[str, int], ToolContext]   # (item_id, output_index) → a context for one tool call
    cancelled: asyncio.Event
    price: TokenPrice  # the model's token price for this turn (router catalog, read when the turn starts)
    secrets: tuple[str, ...] = ()
    temperature: float | None = None
    top_p: float | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    gate: BudgetGate | None = None
    _repeats: Counter = field(default_factory=Counter)

    async def run(self, messages: list[dict[str, Any]], resume: Resume | None = None) -> None:
        """Run until a final answer. Raises ApprovalRequired to pause, TurnFailed, TurnCancelled."""
        by_name = {tool.name: tool for tool in self.tools}
        schemas = [tool.schema() for tool in self.tools]
        if resume is not None:
            await self._resume(resume, messages, by_name)
        for _iteration in range(self.settings.max_iterations):
            self._check_cancel()
            if self.gate is not None:
                self.gate.check_model_call(messages)
            completion = await self._call_model(compact(messages), schemas)
            assistant = completion.assistant_message()
            messages.append(assistant)
            self.writer.add_transcript(assistant)
            if not completion.tool_calls:
                await self.writer.flush()
                return
            await self._gated_tools(completion.tool_calls, messages, by_name)
        raise TurnFailed("max_iterations_exceeded",
                         f"The agent reached its bound of {self.settings.max_iterations} model calls without a final "
                         "answer. Continue with a new request chained by previous_response_id.")

    async def _resume(self, resume: Resume, messages: list[dict[str, Any]], by_name: dict[str, Tool]) -> None:
        if not resume.tool_calls:
            if not resume.approve:
                raise TurnFailed("approval_denied", "Spending beyond the budget was denied"
                                 + (f": {resume.feedback}" if resume.feedback else "."))
            return  # the next model call is gated again with the (possibly raised) cap
        if resume.approve:
            if self.gate is not None:
                self.gate.approved_calls.update(call.id for call in resume.tool_calls)
            await self._gated_tools(resume.tool_calls, messages, by_name)
            return
        denial = "The user denied this action." + (f" Their feedback: {resume.feedback}" if resume.feedback else "")
        for call in resume.tool_calls:
            message = {"role": "tool", "tool_call_id": call.id, "content": denial}
            messages.append(message)
            self.writer.add_transcript(message)
        await self.writer.flush()

    async def _gated_tools(self, calls: list[ToolCall], messages: list[dict[str, Any]],
                           by_name: dict[str, Tool]) -> None:
        reservations: dict[str, float] = {}
        if self.gate is not None:
            await self.writer.flush()  # the assistant message with its calls is durable before a pause
            reservations = await self.gate.check_tool_calls(
                calls, by_name, lambda call: self.make_context("", len(self.writer.state.output)))
        results = await self._run_tools(calls, by_name, reservations)
        for call, output in zip(calls, results):
            message = {"role": "tool", "tool_call_id": call.id, "content": output}
            messages.append(message)
            self.writer.add_transcript(message)
        await self.writer.flush()

    def _check_cancel(self) -> None:
        if self.cancelled.is_set():
            raise TurnCancelled()

    async def _until_cancelled(self, work: Awaitable[Any]) -> Any:
        """Run ``work`` unless the turn is cancelled first (then the work is abandoned)."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(self.cancelled.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task in done:
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise TurnCancelled()

    # ------------------------------------------------------------------ model

    async def _call_model(self, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]) -> Completion:
        attempt = 0
        while True:
            attempt += 1
            stream = _MessageStream(self.writer, self.secrets)
            try:
                completion = await self._until_cancelled(stream_completion(
                    self.llm, model=self.model, messages=messages, tools=schemas, on_text=stream.text,
                    temperature=self.temperature, top_p=self.top_p))
            except LlmError as exc:
                await stream.finish("incomplete")
                retryable = exc.transient and attempt < self.settings.llm_max_attempts
                await self.writer.emit(f"{ev.LLM_CALL}", model=self.model, attempt=attempt, status="error",
                                       error_code=exc.code, will_retry=retryable)
                if not retryable:
                    raise TurnFailed(exc.code, str(exc)) from None
                delay = exc.retry_after if exc.retry_after is not None else (
                    self.settings.llm_retry_base_delay * 2 ** (attempt - 1))
                await self._until_cancelled(self.sleep(min(delay, 60.0)))
                continue
            except TurnCancelled:
                await stream.finish("incomplete")
                raise
            await stream.finish("completed")
            cost = self.price.cost_usd(completion.input_tokens, completion.output_tokens)
            self.writer.charge(ev.LLM_CALL, cost, model=self.model, attempt=attempt, status="ok",
                               input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
                               cached_tokens=completion.cached_tokens, price_source=self.price.source,
                               duration_ms=completion.duration_ms, tool_calls=len(completion.tool_calls),
                               finish_reason=completion.finish_reason)
            return completion

    # ------------------------------------------------------------------ tools

    async def _run_tools(self, calls: list[ToolCall], by_name: dict[str, Tool],
                         reservations: dict[str, float]) -> list[str]:
        items = []
        for call in calls:
            item = McpCallItem(id=f"mcp_{secrets.token_hex(12)}", name=call.name, arguments=call.arguments)
            index = len(self.writer.state.output)
            await self.writer.emit(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
            items.append((item, index))
        # Independent calls run concurrently; each reports its own item as it finishes.
        return await self._until_cancelled(asyncio.gather(
            *(self._run_one(call, item, index, by_name, reservations.get(call.id))
              for call, (item, index) in zip(calls, items))))

    async def _run_one(self, call: ToolCall, item: McpCallItem, index: int, by_name: dict[str, Tool],
                       reservation: float | None) -> str:
        tool = by_name.get(call.name)
        failed = False
        try:
            if tool is None:
                raise ToolFailure(f"Unknown tool '{call.name}'. Available tools: {', '.join(sorted(by_name))}.")
            args = tool.parse(call.arguments)
            # Long waits (a job followed for an hour) declare their own bound; everything else gets the default.
            bound = getattr(tool, "timeout_seconds", None)
            limit = bound(args) if callable(bound) else self.settings.tool_timeout_seconds
            output = await asyncio.wait_for(tool.run(args, self.make_context(item.id, index)), limit)
        except ToolFailure as exc:
            output, failed = f"Error: {exc}", True
        except asyncio.TimeoutError:
            output, failed = f"Error: {call.name} did not finish within its time limit.", True
        except Exception as exc:  # a tool bug must not kill the turn; the model reads a generic error
            output, failed = f"Error: {call.name} failed unexpectedly ({type(exc).__name__}).", True
        finally:
            if reservation is not None and self.gate is not None:
                # A failed action (bad arguments, billing refusal) spent nothing: release its reservation.
                # Tools that charge their own spend as it happens (a sub-agent's model calls) only held a bound.
                if failed or getattr(tool, "charges_actual", False):
                    self.gate.release(reservation)
                else:
                    self.gate.settle(call, reservation)
        output = redact_text(truncate(output, MAX_TOOL_OUTPUT_CHARS), self.secrets)
        output = self._guard_repetition(call, output)
        if len(output.encode()) > TOOL_OUTPUT_LIMIT_BYTES:
            await self.writer.emit(ev.TOOL_LOG, item_id=item.id, output_index=index, text=output)
        done = item.model_copy(update={
            "output": None if failed else truncate_bytes(output),
            "error": truncate_bytes(output) if failed else None,
            "status": "failed" if failed else "completed"})
        await self.writer.emit(ev.ITEM_DONE, output_index=index, item=done.model_dump())
        return output

    def _guard_repetition(self, call: ToolCall, output: str) -> str:
        try:
            canonical = json.dumps(json.loads(call.arguments or "{}"), sort_keys=True)
        except json.JSONDecodeError:
            canonical = call.arguments
        key = (call.name, canonical, hashlib.sha256(output.encode()).hexdigest())
        self._repeats[key] += 1
        seen = self._repeats[key]
        if seen >= 2 * REPEAT_WARN:
            raise TurnFailed("repetition_detected",
                             f"The agent repeated {call.name} with the same arguments and result {seen} times.")
        if seen >= REPEAT_WARN:
            return (output + f"\n\n[note: this is call {seen} of {call.name} with identical arguments and the same "
                    "result. Do not repeat it: use the result you have, try something different, or answer.]")
        return output


class _MessageStream:
    """Turns streamed text into a message output item with the standard event sequence."""

    def __init__(self, writer: TurnWriter, secrets: tuple[str, ...] = ()) -> None:
        self.writer = writer
        self.item: MessageItem | None = None
        self.index = -1
        self.text_so_far = ""
        # Deltas are redacted before they leave, even a token split across chunks (see StreamRedactor).
        self.redactor = StreamRedactor(secrets)

    async def text(self, delta: str) -> None:
        if self.item is None:
            self.item = MessageItem(id=f"msg_{secrets.token_hex(12)}")
            self.index = len(self.writer.state.output)
            await self.writer.emit(ev.ITEM_ADDED, output_index=self.index, item=self.item.model_dump())
            await self.writer.emit(ev.PART_ADDED, item_id=self.item.id, output_index=self.index, content_index=0,
                                   part=OutputText().model_dump())
        await self._send(self.redactor.feed(delta))

    async def _send(self, safe: str) -> None:
        if safe:
            self.text_so_far += safe
            await self.writer.emit(ev.TEXT_DELTA, item_id=self.item.id, output_index=self.index, content_index=0,
                                   delta=safe, logprobs=[])

    async def finish(self, status: str) -> None:
        if self.item is None:
            return
        await self._send(self.redactor.flush())
        part = OutputText(text=self.text_so_far)
        await self.writer.emit(ev.TEXT_DONE, item_id=self.item.id, output_index=self.index, content_index=0,
                               text=self.text_so_far, logprobs=[])
        await self.writer.emit(ev.PART_DONE, item_id=self.item.id, output_index=self.index, content_index=0,
                               part=part.model_dump())
        done = self.item.model_copy(update={"status": status, "content": [part]})
        await self.writer.emit(ev.ITEM_DONE, output_index=self.index, item=done.model_dump())
        self.item = None
