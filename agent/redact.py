"""Remove token-shaped strings before anything is stored, streamed or logged."""

from __future__ import annotations

import re
from typing import Any

# User access tokens (hf_ + 30+ chars, so identifiers like hf_transfer survive), legacy org tokens, bearer headers.
_TOKEN = re.compile(r"\b(?:hf_[A-Za-z0-9]{30,}|api_org_[A-Za-z0-9]{30,})\b")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.=]{8,}")
REDACTED = "[REDACTED]"


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace token-shaped strings, bearer credentials and the given literal secrets."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, _TOKEN.sub(REDACTED, text))


def redact(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value
