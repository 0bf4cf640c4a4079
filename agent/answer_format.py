"""The final answer's format (the request's ``text``): what the agent is told, and the check its final answer must
pass. The server enforces it, whatever the model or provider: the format is stated in the system prompt, a final
answer that does not match is discarded and the model is told why and asked again (``FORMAT_RETRIES`` times),
then the turn fails with ``answer_format_invalid``.

What each format guarantees, as the spec's: ``json_object`` — a JSON object; ``json_schema`` with ``strict:
true`` — JSON valid against the schema; ``json_schema`` otherwise — JSON (the schema guides the model);
``text`` — nothing."""

from __future__ import annotations

import json
from typing import Any

from agent.models import TextFormatJsonObject, TextFormatJsonSchema, TextParam

# Further model calls after a final answer in the wrong format, before the turn fails.
FORMAT_RETRIES = 2
# A validation message quotes the offending value: bounded, it is read by the model and shown in errors.
MAX_REASON_CHARS = 500

_VERBOSITY = {
    "low": "Keep your final answer short: the essentials only.",
    "high": "Make your final answer thorough and detailed.",
}


def instructions(text: TextParam | None) -> str:
    """What the system prompt adds for ``text`` ("" for plain text at medium verbosity)."""
    if text is None:
        return ""
    lines = [_VERBOSITY[text.verbosity]] if text.verbosity in _VERBOSITY else []
    fmt = text.format
    if isinstance(fmt, TextFormatJsonObject):
        lines.append("Your final answer (the message you end with, when you call no more tools) must be a single "
                     "JSON object and nothing else: no prose, no Markdown, no code fences.")
    elif isinstance(fmt, TextFormatJsonSchema):
        about = f" ({fmt.description})" if fmt.description else ""
        lines.append(f"Your final answer (the message you end with, when you call no more tools) must be a single "
                     f"JSON value named {fmt.name}{about}, valid against this JSON Schema, and nothing else: no "
                     f"prose, no Markdown, no code fences.\nSchema: {json.dumps(fmt.schema_, ensure_ascii=False)}")
    return "\n".join(lines)


def problem(text: TextParam | None, answer: str) -> str | None:
    """Why ``answer`` does not fit the format, or None when it does (or there is no format to keep)."""
    if text is None:
        return None
    fmt = text.format
    if not isinstance(fmt, (TextFormatJsonObject, TextFormatJsonSchema)):
        return None
    try:
        value: Any = json.loads(answer)
    except ValueError as exc:
        return f"it is not valid JSON ({str(exc)[:MAX_REASON_CHARS]})"
    if isinstance(fmt, TextFormatJsonObject):
        return None if isinstance(value, dict) else "it is JSON, but not a JSON object"
    if not fmt.strict:
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(fmt.schema_).iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    return f"it does not match the schema at {where}: {error.message[:MAX_REASON_CHARS]}"


def correction(why: str) -> str:
    """The note that asks the model for its answer again."""
    return (f"Your final answer was rejected: {why}. Answer again with only the final answer in the required format "
            "(no prose, no Markdown, no code fences).")
