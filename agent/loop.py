"""The agent loop: streamed model call → tool calls (concurrently) → results back → until an answer or a bound."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agent import answer_format
from agent import events as ev
from agent.budget import BudgetGate
from agent.context import compact
from agent.costs import TokenPrice
from agent.failures import RunFailure
from agent.item_streams import MessageStream, ReasoningStream
from agent.llm import (
    CallOptions,
    Completion,
    LlmError,
    ModelClient,
    ToolCall,
    stream_completion,
)
from agent.metrics import Metrics
from agent.models import (
    MCP_INVALID_PARAMS,
    TOOL_OUTPUT_LIMIT_BYTES,
    McpCallItem,
    McpProtocolError,
    McpToolExecutionError,
)
from agent.reasoning import policy_for
from agent.redact import redact_text
from agent.settings import Settings
from agent.turn_options import TurnOptions
from agent.tools.base import (
    MAX_TOOL_OUTPUT_CHARS,
    Tool,
    ToolContext,
    ToolFailure,
    truncate,
)
from agent.writer import TurnWriter

# The same call with the same result this many times gets a warning appended; twice that ends the turn.
REPEAT_WARN = 3
# The smallest output budget a retry after the reasoning trap asks for.
MIN_RETRY_OUTPUT_TOKENS = 8_192


class TurnFailed(Exception):
    """The turn fails: ``code`` is the precise reason (a ``RunFailure`` or an ``llm.ModelErrorCode``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message


class TurnCancelled(Exception):
    pass


class OutputBudgetSpent(Exception):
    """The response generated the ``max_output_tokens`` the caller allowed: it ends ``incomplete``
    (``max_output_tokens``), as the spec's responses do; the session goes on with a chained request."""


@dataclass
class Resume:
    """The caller's decision on a paused batch: the tool calls waiting (empty for a paused model call)."""

    approve: bool
    tool_calls: list[ToolCall]
    feedback: str | None = None


# The share of a cut tool output kept from its start; the rest comes from its end, where a log's outcome (the
# error, the final metrics) is.
TRUNCATED_HEAD_SHARE = 1 / 3


def truncate_bytes(text: str, limit: int = TOOL_OUTPUT_LIMIT_BYTES) -> str:
    """Cut to at most ``limit`` UTF-8 bytes, keeping the head and the tail with a marker between (output[] items
    are bounded; the full text streams as response.tool_log)."""
    raw = text.encode()
    if len(raw) <= limit:
        return text

    def marker(omitted: int) -> str:
        return f"\n…[{omitted} bytes omitted; the full output streamed as response.tool_log]…\n"

    keep = limit - len(marker(len(raw)).encode())  # sized for the most digits the count can have
    head_bytes = int(keep * TRUNCATED_HEAD_SHARE)
    # Cut on character boundaries: a split UTF-8 sequence is dropped, never shown as a replacement character.
    head = raw[:head_bytes].decode(errors="ignore")
    tail = raw[len(raw) - (keep - head_bytes):].decode(errors="ignore")
    return head + marker(len(raw) - len(head.encode()) - len(tail.encode())) + tail


@dataclass
class AgentLoop:
    settings: Settings
    model: str
    tools: list[Tool]
    llm: ModelClient
    writer: TurnWriter
    make_context: Callable[[str, int], ToolContext]   # (item_id, output_index) → a context for one tool call
    cancelled: asyncio.Event
    price: TokenPrice  # the model's token price for this turn (router catalog, read when the turn starts)
    secrets: tuple[str, ...] = ()
    # The request's generation parameters: temperature, top_p, reasoning (effort, shown or not), the output-token
    # budget, the answer's format, context compaction, concurrent tool calls.
    options: TurnOptions = field(default_factory=TurnOptions)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    gate: BudgetGate | None = None
    metrics: Metrics | None = None
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
            completion = await self._call_model(compact(messages) if self.options.compact_context else messages,
                                                schemas)
            assistant = completion.assistant_message()
            messages.append(assistant)
            self.writer.add_transcript(assistant)
            if not completion.tool_calls:
                return  # committed with the status that settles the turn, in one transaction
            await self._gated_tools(completion.tool_calls, messages, by_name)
        raise TurnFailed(RunFailure.MAX_ITERATIONS,
                         f"The agent reached its bound of {self.settings.max_iterations} model calls without a final "
                         "answer. Continue with a new request chained by previous_response_id.")

    async def _resume(self, resume: Resume, messages: list[dict[str, Any]], by_name: dict[str, Tool]) -> None:
        if not resume.tool_calls:
            if not resume.approve:
                raise TurnFailed(RunFailure.APPROVAL_DENIED, "Spending beyond the budget was denied"
                                 + (f": {resume.feedback}" if resume.feedback else "."))
            return  # the next model call is gated again with the (possibly raised) cap
        if resume.approve:
            if self.gate is not None:
                self.gate.approved_calls.update(call.id for call in resume.tool_calls)
            await self._gated_tools(resume.tool_calls, messages, by_name)
            return
        denial = "The user denied this action." + (f" Their feedback: {resume.feedback}" if resume.feedback else "")
        for call in resume.tool_calls:
            # Shown in output[] as a failed call whose error is what the agent read: never run, but asked for.
            item = McpCallItem(id=f"mcp_{secrets.token_hex(12)}", name=call.name, arguments=call.arguments)
            index = self.writer.next_output_index()
            await self.writer.emit(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
            denied = item.model_copy(update={"status": "failed", "error": McpToolExecutionError.of(denial)})
            await self.writer.emit(ev.ITEM_DONE, output_index=index, item=denied.model_dump())
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

    def _output_left(self) -> int | None:
        """What the caller's output-token budget (``max_output_tokens``) still allows this response, or None."""
        budget = self.options.max_output_tokens
        if budget is None:
            return None
        usage = self.writer.state.usage
        return budget - (usage.output_tokens if usage is not None else 0)

    async def _call_model(self, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]) -> Completion:
        policy = policy_for(self.model, self.settings.reasoning_replay)
        reasoning = self.options.reasoning
        visible = reasoning is None or reasoning.content == "full"
        max_tokens = self.settings.llm_max_output_tokens
        attempt = errors = budget_retries = format_retries = 0
        while True:
            attempt += 1
            # Every call, retries included, fits in what the caller's budget has left (the reasoning-budget retry
            # below may raise max_tokens, never beyond it). A budget above what the server would ask for anyway
            # (its own max_tokens, or the ceiling) is not sent: providers refuse a max_tokens beyond the model's.
            left = self._output_left()
            if left is not None and left <= 0:
                raise OutputBudgetSpent()
            binding = left is not None and left < (max_tokens or self.settings.llm_max_output_tokens_ceiling)
            sent = left if binding else max_tokens
            stream = MessageStream(self.writer, self.secrets)
            thought = ReasoningStream(self.writer, self.secrets, visible=visible)
            options = CallOptions(temperature=self.options.temperature, top_p=self.options.top_p,
                                  max_tokens=sent, reasoning_effort=reasoning.effort if reasoning else None)
            on_text, on_reasoning = self._timed_first_delta(stream.text, thought.text)
            try:
                completion = await self._until_cancelled(stream_completion(
                    self.llm, model=self.model, messages=messages, tools=schemas, on_text=on_text,
                    on_reasoning=on_reasoning, policy=policy, options=options))
            except LlmError as exc:
                # A failed attempt's text, shown as it streamed, is void: its items leave the response (the
                # history never had it: only a completed call's message is added).
                await thought.discard()
                await stream.discard()
                errors += 1
                retryable = exc.transient and errors < self.settings.llm_max_attempts
                await self.writer.emit(f"{ev.LLM_CALL}", model=self.model, attempt=attempt, status="error",
                                       error_code=exc.code, will_retry=retryable)
                if not retryable:
                    raise TurnFailed(exc.code, str(exc)) from None
                delay = exc.retry_after if exc.retry_after is not None else (
                    self.settings.llm_retry_base_delay * 2 ** (errors - 1))
                await self._until_cancelled(self.sleep(min(delay, 60.0)))
                continue
            except TurnCancelled:
                await thought.finish("incomplete")
                await stream.finish("incomplete")
                raise
            trapped = completion.thought_without_answer
            # Stopped by the caller's budget: the response is done, with what the call produced so far.
            cut = binding and completion.finish_reason == "length"
            rejected = None
            if not (trapped or cut or completion.tool_calls):
                rejected = answer_format.problem(self.options.text, completion.text)
            await thought.finish("incomplete" if trapped else "completed")
            if rejected is not None:
                await stream.discard()  # not the answer: its text leaves the response, as a failed attempt's
            else:
                await stream.finish("incomplete" if cut else "completed")
            next_budget = self._larger_budget(max_tokens, completion) if trapped and not cut else None
            retry = next_budget is not None and budget_retries < self.settings.llm_reasoning_retries
            if rejected is not None:
                retry = format_retries < answer_format.FORMAT_RETRIES
            cost = self.price.cost_usd(completion.input_tokens, completion.output_tokens)
            self.writer.charge(ev.LLM_CALL, cost, model=self.model, attempt=attempt, status="ok",
                               input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
                               reasoning_tokens=completion.reasoning_tokens, cached_tokens=completion.cached_tokens,
                               price_source=self.price.source, duration_ms=completion.duration_ms,
                               tool_calls=len(completion.tool_calls), finish_reason=completion.finish_reason,
                               **({"max_tokens": sent} if sent is not None else {}),
                               **({"will_retry": retry} if (trapped and not cut) or rejected is not None else {}),
                               **({"answer_format_error": rejected} if rejected is not None else {}))
            if cut:
                raise OutputBudgetSpent()
            if rejected is not None:
                if not retry:
                    raise TurnFailed(RunFailure.ANSWER_FORMAT,
                                     f"The final answer did not match the requested text.format after "
                                     f"{format_retries + 1} attempts: {rejected}.")
                format_retries += 1
                # This call's answer and the reason it was refused, for the next call only: the history keeps
                # just the answer that passes.
                messages = [*messages, completion.assistant_message(),
                            {"role": "user", "content": answer_format.correction(rejected)}]
                continue
            if not trapped:
                return completion
            if not retry:
                raise TurnFailed(RunFailure.REASONING_BUDGET,
                                 f"The model spent its whole output budget ({completion.output_tokens} tokens) on "
                                 "reasoning and gave no answer, "
                                 f"{budget_retries + 1} time(s). Ask a narrower question, lower reasoning.effort, or "
                                 "raise ML_INTERN_LLM_MAX_OUTPUT_TOKENS_CEILING.")
            budget_retries += 1
            max_tokens = next_budget

    def _timed_first_delta(self, *callbacks: Callable[[str], None]):
        """``callbacks`` wrapped so that the first delta of either records the time to first delta."""
        if self.metrics is None:
            return callbacks
        started, seen = time.perf_counter(), [False]
        histogram = self.metrics.first_delta.labels(self.metrics.model_label(self.model))

        def timed(callback: Callable[[str], None]) -> Callable[[str], None]:
            def call(delta: str) -> None:
                if not seen[0]:
                    seen[0] = True
                    histogram.observe(time.perf_counter() - started)
                callback(delta)
            return call

        return tuple(timed(callback) for callback in callbacks)

    def _larger_budget(self, sent: int | None, completion: Completion) -> int | None:
        """The output budget for a retry after the reasoning trap, or None when the ceiling is reached. When no
        budget was sent, the provider's default is what the trapped call used."""
        used = sent or completion.output_tokens
        proposed = min(self.settings.llm_max_output_tokens_ceiling, max(2 * used, MIN_RETRY_OUTPUT_TOKENS))
        return proposed if proposed > used else None

    # ------------------------------------------------------------------ tools

    async def _run_tools(self, calls: list[ToolCall], by_name: dict[str, Tool],
                         reservations: dict[str, float]) -> list[str]:
        if not self.options.parallel_tool_calls:
            # The caller asked for no parallel tool calls: each call is added, run and done before the next.
            return [await self._until_cancelled(self._start_and_run(call, by_name, reservations.get(call.id)))
                    for call in calls]
        items = [await self._add_item(call) for call in calls]
        # Independent calls run concurrently; each reports its own item as it finishes.
        return await self._until_cancelled(asyncio.gather(
            *(self._run_one(call, item, index, by_name, reservations.get(call.id))
              for call, (item, index) in zip(calls, items))))

    async def _add_item(self, call: ToolCall) -> tuple[McpCallItem, int]:
        item = McpCallItem(id=f"mcp_{secrets.token_hex(12)}", name=call.name, arguments=call.arguments)
        index = self.writer.next_output_index()
        await self.writer.emit(ev.ITEM_ADDED, output_index=index, item=item.model_dump())
        return item, index

    async def _start_and_run(self, call: ToolCall, by_name: dict[str, Tool], reservation: float | None) -> str:
        item, index = await self._add_item(call)
        return await self._run_one(call, item, index, by_name, reservation)

    async def _run_one(self, call: ToolCall, item: McpCallItem, index: int, by_name: dict[str, Tool],
                       reservation: float | None) -> str:
        tool = by_name.get(call.name)
        failed = False
        started = time.perf_counter()
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
        if self.metrics is not None:
            self.metrics.observe_tool(call.name, tool is not None, time.perf_counter() - started, failed)
        output = redact_text(truncate(output, MAX_TOOL_OUTPUT_CHARS), self.secrets)
        output = self._guard_repetition(call, output)
        if len(output.encode()) > TOOL_OUTPUT_LIMIT_BYTES:
            await self.writer.emit(ev.TOOL_LOG, item_id=item.id, output_index=index, text=output)
        shown = truncate_bytes(output)
        error: McpProtocolError | McpToolExecutionError | None = None
        if failed:
            # An unknown tool never reached one (what an MCP server answers as a protocol error); any other
            # failure is the tool's result.
            error = (McpProtocolError(code=MCP_INVALID_PARAMS, message=shown) if tool is None
                     else McpToolExecutionError.of(shown))
        done = item.model_copy(update={"output": None if failed else shown, "error": error,
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
            raise TurnFailed(RunFailure.REPETITION,
                             f"The agent repeated {call.name} with the same arguments and result {seen} times.")
        if seen >= REPEAT_WARN:
            return (output + f"\n\n[note: this is call {seen} of {call.name} with identical arguments and the same "
                    "result. Do not repeat it: use the result you have, try something different, or answer.]")
        return output
