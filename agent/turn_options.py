"""What shapes a turn's model calls and its final answer: the create request's generation parameters, kept on the
response object, so that a turn resumed after a pause runs with the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.models import CreateResponseRequest, ReasoningParam, ResponseObject, TextParam


@dataclass(frozen=True)
class TurnOptions:
    temperature: float | None = None
    top_p: float | None = None
    reasoning: ReasoningParam | None = None
    # The response's output-token budget across all its model calls (None: no budget but the settings').
    max_output_tokens: int | None = None
    text: TextParam | None = None
    # Whether the agent compacts its context before it overflows ("truncation": "auto").
    compact_context: bool = True
    # Whether the tool calls of one model reply run concurrently.
    parallel_tool_calls: bool = True

    @classmethod
    def of_request(cls, request: CreateResponseRequest) -> "TurnOptions":
        return cls(temperature=request.temperature, top_p=request.top_p, reasoning=request.reasoning,
                   max_output_tokens=request.max_output_tokens, text=request.text,
                   compact_context=request.truncation != "disabled",
                   parallel_tool_calls=request.parallel_tool_calls)

    @classmethod
    def of_response(cls, snapshot: dict[str, Any]) -> "TurnOptions":
        """From a stored response object (a paused turn being resumed)."""
        response = ResponseObject.model_validate(snapshot)
        return cls(temperature=response.temperature, top_p=response.top_p, reasoning=response.reasoning,
                   max_output_tokens=response.max_output_tokens, text=response.text,
                   compact_context=response.truncation != "disabled",
                   parallel_tool_calls=response.parallel_tool_calls)
