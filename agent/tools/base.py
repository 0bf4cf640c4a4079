"""The tool interface: a typed argument schema, bounded text output, errors the model can act on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from agent.costs import TokenPrice
from agent.hf_hosts import CallerHttp
from agent.identity import Identity
from agent.json_limits import JsonRefused, loads_bounded
from agent.models import Artifact
from agent.settings import Settings

# What a tool may return to the model, at most (chars). Tools truncate with an explicit marker before this.
MAX_TOOL_OUTPUT_CHARS = 16_000

Args = TypeVar("Args", bound=BaseModel)


class ToolFailure(Exception):
    """A failure the model should read and act on (bad repo id, 404, missing permission...)."""


@dataclass
class ModelAccess:
    """The turn's model, lent to tools that think (the research sub-agent). ``charge(usd, **details)`` records
    one model call's spend as a ``response.llm_call`` event."""

    llm: Any  # agent.llm.ModelClient: the router bound to the caller's token
    model: str
    price: TokenPrice
    charge: Callable[..., None]


@dataclass
class ToolContext:
    """What a running tool may use. Every client here acts as the caller and talks only to Hugging Face hosts."""

    identity: Identity
    settings: Settings
    session_id: str
    response_id: str
    http: CallerHttp  # the process's Hub client carrying the caller's token (HF hosts only)
    # Streams a line of tool output to the caller as ``response.tool_log`` (not stored in output[] beyond 4 KB).
    log: Callable[[str], Awaitable[None]]
    # Records an artifact the moment it exists (committed before the tool goes on).
    record_artifact: Callable[[Artifact], Awaitable[None]]
    # The turn's model, for tools that run a sub-agent; None where no model call may be made.
    model: ModelAccess | None = None
    # Charges an action's cost now (``charge(usd, tool=name)``), committed with the next durable event — the
    # artifact the action created. Tools that use it declare ``charges_actual = True``. None: not charged.
    charge: Callable[..., None] | None = None
    # Every artifact of the session so far, earlier turns included (the store's, then this turn's). None: unknown.
    session_artifacts: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None
    # Publishes the agent's plan (a list of {title, status}) on the response. None: plans are not shown.
    update_plan: Callable[[list[dict[str, str]]], Awaitable[None]] | None = None

    def hf_api(self):
        """A ``huggingface_hub.HfApi`` bound to the configured Hub and the caller's token (sync: use in a thread)."""
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.settings.hub_url, token=self.identity.secret(),
                     library_name="ml-intern-api", library_version="0.1")


@dataclass
class ToolResult:
    output: str
    is_error: bool = False


class Tool(ABC, Generic[Args]):
    """One tool. Subclasses set ``name``, ``description``, ``Arguments`` and implement ``run``."""

    name: ClassVar[str]
    description: ClassVar[str]
    Arguments: ClassVar[type[BaseModel]]

    @abstractmethod
    async def run(self, args: Args, ctx: ToolContext) -> str:
        """Return the text the model reads; raise ``ToolFailure`` for errors it should act on."""

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-calling schema, built once per tool instance (tools live as long as the process;
        rebuilding it on every model call cost 16% of the loop at 100 streams). Callers must not modify it."""
        cached = self.__dict__.get("_schema")
        if cached is None:
            params = self.Arguments.model_json_schema()
            params.pop("title", None)
            cached = self.__dict__["_schema"] = {
                "type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": params}}
        return cached

    def parse(self, raw_arguments: str) -> Args:
        """Parse the model's JSON arguments; raises ``ToolFailure`` with a message the model can fix."""
        try:
            data = loads_bounded((raw_arguments or "{}").encode())
        except JsonRefused as exc:  # invalid JSON, or nesting / numbers no real arguments need
            raise ToolFailure(f"Arguments are not valid JSON ({exc}). "
                              f"Send a JSON object matching the {self.name} schema.") from None
        if not isinstance(data, dict):
            raise ToolFailure(f"Arguments must be a JSON object matching the {self.name} schema.")
        try:
            return self.Arguments.model_validate(data)  # type: ignore[return-value]
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors())
            raise ToolFailure(f"Invalid arguments for {self.name}: {problems}") from None


def truncate(text: str, limit: int = MAX_TOOL_OUTPUT_CHARS, hint: str = "") -> str:
    """Cut ``text`` to ``limit`` chars with an explicit marker saying how much was dropped and how to get more."""
    if len(text) <= limit:
        return text
    dropped = len(text) - limit
    marker = f"\n…[truncated: {dropped} more characters{'; ' + hint if hint else ''}]"
    return text[: max(0, limit - len(marker))] + marker
