"""Remove token-shaped strings before anything is stored, streamed or logged."""

from __future__ import annotations

import re
from typing import Any

import orjson

# User access tokens (hf_ + 30+ chars, so identifiers like hf_transfer survive), legacy org tokens, bearer headers.
_TOKEN = re.compile(r"\b(?:hf_[A-Za-z0-9]{30,}|api_org_[A-Za-z0-9]{30,})\b")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-\.=]{8,}")
REDACTED = "[REDACTED]"
# The end of a streamed text that could still grow into a token or a bearer credential (a word run, possibly
# after "Bearer "): held back until a later delta or the end of the message shows what it is.
_OPEN_TAIL = re.compile(r"(?i)(?:\bbearer\s*)?[A-Za-z0-9_\-.=]*$")
# A tail longer than any credential is released anyway (a token is preceded by a word boundary, so it cannot
# start inside a run this long).
MAX_HELD_CHARS = 256


# Every match of _TOKEN or _BEARER contains one of these: text without any cannot change (one C-level scan,
# where the two substitutions cost several).
_SCREEN = re.compile(r"(?i)hf_|api_org_|bearer")
_SCREEN_BYTES = re.compile(rb"(?i)hf_|api_org_|bearer")


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace token-shaped strings, bearer credentials and the given literal secrets."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    if _SCREEN.search(text) is None:
        return text
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, _TOKEN.sub(REDACTED, text))


def redact(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """``value`` with every string redacted. A value with nothing to redact comes back as it is (not a copy):
    events and messages are screened as one JSON text first, since walking them node by node was the larger
    part of emitting an event."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, (dict, list)) and _clean(value, secrets):
        return value
    return _walk(value, secrets)


def _walk(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: _walk(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, secrets) for v in value]
    return value


def _clean(value: dict | list, secrets: tuple[str, ...]) -> bool:
    """True when no string inside ``value`` holds a secret or a screen marker. JSON escapes change nothing
    here: a marker or a secret is looked for as a substring, and one that JSON would escape is not screened."""
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # not plain JSON data (non-str keys, objects): walk it
        return False
    if _SCREEN_BYTES.search(encoded) is not None:
        return False
    for secret in secrets:
        if secret:
            raw = secret.encode()
            if orjson.dumps(secret)[1:-1] != raw or raw in encoded:
                return False
    return True


class StreamRedactor:
    """Redacts streamed text live, even when a token arrives split across deltas: each call returns the part
    of the text that is safe to send now (redacted), holding back a tail that could still be a token's start."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._secrets = secrets
        self._held = ""

    def feed(self, delta: str) -> str:
        text = self._held + delta
        cut = _OPEN_TAIL.search(text).start()
        if len(text) - cut > MAX_HELD_CHARS:
            cut = len(text)
        self._held = text[cut:]
        return redact_text(text[:cut], self._secrets)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return redact_text(held, self._secrets)
