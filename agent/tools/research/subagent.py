"""``research``: a bounded sub-agent for broad research. It works in its own context with the read-only research
tools and returns only its report, so a survey of many lookups costs the main conversation one tool result.

Bounded three ways: ``max_steps`` model calls, the per-step context size, and money — its worst case (every step
at the full context) is reserved by the budget gate before it starts; its real model calls are charged as they
happen (``response.llm_call`` events with ``subagent``), and the unused part of the reservation is released.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel, Field

from agent.context import compact
from agent.costs import TokenPrice
from agent.llm import LlmError, ToolCall, stream_completion
from agent.reasoning import policy_for
from agent.settings import Settings
from agent.tools.base import MAX_TOOL_OUTPUT_CHARS, ModelAccess, Tool, ToolContext, ToolFailure, truncate

# The sub-agent's context is kept under this many characters (~4 chars a token) by eliding older tool outputs.
CONTEXT_CHARS = 96_000
STEP_OUTPUT_TOKENS = 1_500
# A tool result inside the sub-agent: smaller than the main loop's, many fit in its context.
SUB_TOOL_OUTPUT_CHARS = 8_000
REPORT_CHARS = 6_000
# A step is one model call plus its tool calls (run concurrently).
STEP_SECONDS = 180.0

SYSTEM = """You are a research assistant working for an ML engineer on Hugging Face. Answer the task with the \
tools (Hub search and details, papers, docs, dataset inspection, hub_query). Verify ids and numbers with tools, \
never from memory. Finish with a concise report: findings with their numbers, each backed by the Hub URL a tool \
returned (repos, papers, docs pages); say what you could not verify. No preamble."""
LAST_STEP = "Your step budget is used up: write your report now from what you found, without calling tools."


class ResearchArgs(BaseModel):
    task: str = Field(..., min_length=10, max_length=4_000,
                      description="A self-contained research question: what to find, compare or check, and what the "
                                  "report must contain. The sub-agent does not see this conversation.")
    max_steps: int = Field(6, ge=1, le=12, description="Model calls the sub-agent may make (each may call tools).")


class ResearchAgent(Tool[ResearchArgs]):
    name = "research"
    description = ("Delegate a broad research task (surveys, comparisons needing many lookups) to a sub-agent with "
                   "the read-only research tools. It works in its own context and returns a report with Hub URLs. "
                   "For one or two lookups, call the tools directly instead.")
    Arguments = ResearchArgs
    # Its model calls are charged as they happen; the gate's reservation is only the worst-case bound.
    charges_actual = True

    def __init__(self, tools: list[Tool]) -> None:
        self.tools = {tool.name: tool for tool in tools}

    def timeout_seconds(self, args: ResearchArgs) -> float:
        return STEP_SECONDS * args.max_steps

    def worst_case_usd(self, args: ResearchArgs, price: TokenPrice) -> float:
        return round(args.max_steps * price.cost_usd(CONTEXT_CHARS // 4, STEP_OUTPUT_TOKENS), 6)

    def estimate_cost_usd(self, args: ResearchArgs, ctx: ToolContext) -> float | None:
        return 0.0 if ctx.model is None else self.worst_case_usd(args, ctx.model.price)

    async def run(self, args: ResearchArgs, ctx: ToolContext) -> str:
        access = ctx.model
        if access is None:
            raise ToolFailure("The research sub-agent is not available here; use the research tools directly.")
        schemas = [tool.schema() for tool in self.tools.values()]
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": args.task}]
        calls_made = 0
        for step in range(1, args.max_steps + 1):
            last = step == args.max_steps
            if last and step > 1:
                messages.append({"role": "user", "content": LAST_STEP})
            completion = await self._complete(access, compact(messages, CONTEXT_CHARS), [] if last else schemas,
                                              ctx.settings)
            access.charge(access.price.cost_usd(completion.input_tokens, completion.output_tokens),
                          model=access.model, subagent=self.name, step=step, status="ok",
                          input_tokens=completion.input_tokens, output_tokens=completion.output_tokens,
                          reasoning_tokens=completion.reasoning_tokens, cached_tokens=completion.cached_tokens, price_source=access.price.source,
                          duration_ms=completion.duration_ms, tool_calls=len(completion.tool_calls))
            if completion.thought_without_answer:
                raise ToolFailure("The research sub-agent's model spent its whole output budget reasoning and wrote "
                                  "nothing; ask a narrower question.")
            messages.append(completion.assistant_message())
            if not completion.tool_calls:
                report = completion.text.strip() or "(the sub-agent returned an empty report)"
                return truncate(f"Research report ({step} steps, {calls_made} tool calls):\n{report}",
                                limit=REPORT_CHARS, hint="ask a narrower question")
            await ctx.log(f"research step {step}: " + "; ".join(_summary(c) for c in completion.tool_calls))
            outputs = await asyncio.gather(*(self._call(call, ctx) for call in completion.tool_calls))
            calls_made += len(outputs)
            messages.extend({"role": "tool", "tool_call_id": call.id, "content": output}
                            for call, output in zip(completion.tool_calls, outputs))
        raise ToolFailure("The research sub-agent used its steps without writing a report; "
                          "ask a narrower question or raise max_steps.")

    async def _complete(self, access: ModelAccess, messages: list[dict[str, Any]], schemas: list[dict[str, Any]],
                        settings: Settings):
        try:
            # Its own context replays reasoning by the same per-model policy as the main loop.
            return await stream_completion(
                access.llm, model=access.model, messages=messages, tools=schemas, on_text=_ignore,
                policy=policy_for(access.model, settings.reasoning_replay))
        except LlmError as exc:
            raise ToolFailure(f"The research sub-agent's model call failed ({exc.code}): {exc}") from None

    async def _call(self, call: ToolCall, ctx: ToolContext) -> str:
        tool = self.tools.get(call.name)
        try:
            if tool is None:
                raise ToolFailure(f"Unknown tool '{call.name}'. Available: {', '.join(sorted(self.tools))}.")
            output = await asyncio.wait_for(tool.run(tool.parse(call.arguments), ctx),
                                            ctx.settings.tool_timeout_seconds)
        except ToolFailure as exc:
            output = f"Error: {exc}"
        except asyncio.TimeoutError:
            output = f"Error: {call.name} did not finish within its time limit."
        return truncate(output, limit=min(SUB_TOOL_OUTPUT_CHARS, MAX_TOOL_OUTPUT_CHARS))


def _ignore(_text: str) -> None:
    return None


def _summary(call: ToolCall) -> str:
    try:
        args = json.loads(call.arguments or "{}")
        shown = ", ".join(f"{k}={v!r}" for k, v in list(args.items())[:3]) if isinstance(args, dict) else ""
    except json.JSONDecodeError:
        shown = "…"
    return f"{call.name}({shown[:160]})"

