"""The SDK's ``MCPServer`` adjusted to what this server is: it advertises only what it backs, lists its tools
compactly, and words argument errors like every other tool error.

- Capabilities: tools and resources. The SDK registers prompt handlers and a ``subscriptions/listen`` stream by
  default, which made ``server/discover`` advertise prompts and ``listChanged`` / ``subscribe`` that nothing
  here backs (no prompts exist; the tool list never changes; resources are not subscribable).
- ``tools/list``: schemas without pydantic's per-field ``title`` and ``default: null``, ``X | None`` as
  ``"type": [X, "null"]``, ``additionalProperties: false`` on inputs; a tool whose result is another tool's
  result type publishes a one-line schema pointing there instead of repeating it (the snapshot schema is ~5 KB).
- Arguments outside the input schema: ``unknown_parameter: <field>: ...``, ``missing_required_parameter:
  <field>: ...`` or ``invalid_value: <field>: <reason>``, never pydantic's multi-line text and documentation URL.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp_types import PaginatedRequestParams, ReadResourceRequestParams
from mcp_types import Tool as MCPTool
from pydantic import ValidationError

# Handlers MCPServer registers for features this server does not have (their presence is what the SDK
# advertises). ``subscriptions/listen`` is left out by ``MCPServer(subscriptions=False)``.
UNBACKED_METHODS = ("prompts/list", "prompts/get")
MAX_REPORTED_ERRORS = 5


class MLInternMCP(MCPServer):
    def __init__(self, *args: Any, shared_output_schemas: dict[str, str] | None = None, **kwargs: Any) -> None:
        """``shared_output_schemas``: tool name → the tool whose output schema (the same result type) it refers
        to."""
        super().__init__(*args, subscriptions=False, **kwargs)
        self._shared_output_schemas = dict(shared_output_schemas or {})
        for method in UNBACKED_METHODS:
            # MCPServer has no public way to drop a handler; the capabilities test pins the outcome.
            self._lowlevel_server._request_handlers.pop(method, None)

    def serve_resources(self, resources: Any) -> None:
        """Answer ``resources/*`` with ``resources`` (list / templates / read handlers that see the request, so
        the list is the caller's own) instead of MCPServer's static resource manager."""
        low = self._lowlevel_server
        low.add_request_handler("resources/list", PaginatedRequestParams, resources.list)
        low.add_request_handler("resources/templates/list", PaginatedRequestParams, resources.templates)
        low.add_request_handler("resources/read", ReadResourceRequestParams, resources.read)

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        slim = []
        for tool in tools:
            output = tool.output_schema
            if output is not None:
                shared = self._shared_output_schemas.get(tool.name)
                output = ({"type": "object", "description": f"{output.get('title', 'The result')}: the same "
                                                              f"object as {shared}'s result (see its outputSchema)."}
                          if shared else compact_schema(output))
            slim.append(tool.model_copy(update={"input_schema": closed(compact_schema(tool.input_schema)),
                                                "output_schema": output}))
        return slim

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        listed = {tool.name: tool for tool in await super().list_tools()}
        tool = listed.get(name)
        if tool is not None:
            known = set((tool.input_schema or {}).get("properties") or {})
            unknown = sorted(set(arguments) - known)
            if unknown:
                raise ToolError(f"Error executing tool {name}: unknown_parameter: {unknown[0]}: not a parameter "
                                f"of {name} (its parameters: {', '.join(sorted(known))}).")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            # Only the arguments' validation raises a plain ToolError caused by a ValidationError; a result that
            # fails conversion is an UnexpectedToolError (a crash, worded by the SDK).
            if isinstance(exc.__cause__, ValidationError) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(f"Error executing tool {name}: {argument_error(exc.__cause__)}") from exc.__cause__
            raise


def argument_error(exc: ValidationError) -> str:
    """``<code>: <field>: <reason>[; <field>: <reason>...]`` with the ``/v1`` codes (the first error's)."""
    errors = exc.errors(include_url=False)[:MAX_REPORTED_ERRORS]
    parts = []
    for error in errors:
        field = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
        reason = "this parameter is required" if error["type"] == "missing" else \
            str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{field}: {reason}")
    code = {"missing": "missing_required_parameter", "extra_forbidden": "unknown_parameter"}.get(
        errors[0]["type"] if errors else "", "invalid_value")
    return f"{code}: " + "; ".join(parts)


def compact_schema(schema: Any) -> Any:
    """The same JSON Schema without what pydantic adds for display: ``title``, ``default: null``, and
    ``anyOf: [X, {"type": "null"}]`` for a simple ``X`` written as ``"type": [X, "null"]``."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or (key == "default" and value is None):
            continue
        if key in ("properties", "$defs", "patternProperties"):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}  # keys are names, not keywords
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not", "prefixItems"):
            out[key] = compact_schema(value)
        else:
            out[key] = value
    alternatives = out.get("anyOf")
    if isinstance(alternatives, list) and len(alternatives) == 2 and {"type": "null"} in alternatives:
        other = next(alt for alt in alternatives if alt != {"type": "null"})
        # Only a plain typed schema folds (an enum or a $ref would need null added elsewhere); keys the outer
        # schema already has (a description) win.
        if isinstance(other.get("type"), str) and "enum" not in other and "const" not in other \
                and not (set(other) & (set(out) - {"anyOf"})):
            del out["anyOf"]
            out.update(other)
            out["type"] = [other["type"], "null"]
    return out


def closed(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema that says what ``call_tool`` enforces: no arguments besides the listed ones."""
    return {**schema, "additionalProperties": False} if schema.get("type") == "object" else schema
