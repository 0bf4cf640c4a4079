"""Remove token-shaped strings before anything is stored, streamed or logged."""

from __future__ import annotations

import re
from typing import Any

import orjson

REDACTED = "[REDACTED]"
_CREDENTIAL_CHAR = r"[A-Za-z0-9_\-.=]"
# User access tokens (hf_ + 30+ letters or digits, so identifiers like hf_transfer survive) and legacy org tokens,
# wherever they stand: glued to a letter of any script they are still tokens (word boundaries let "令牌hf_…" through).
# Whatever is glued after a token by underscores goes with it ("hf_…_backup", or a second token right after it,
# whose "api" the first one's run would otherwise swallow, leaving "_org_…" readable).
_TOKEN_START = "(?:hf_|api_org_)"
_SHAPES = (rf"(?P<token>{_TOKEN_START}[A-Za-z0-9]{{30,}}(?:_[A-Za-z0-9]*)*)"
           rf"|(?P<bearer>(?i:bearer)\s+){_CREDENTIAL_CHAR}{{8,}}")
_SHAPE = re.compile(_SHAPES)
# A text end that more text could still make (or grow into) one of the shapes: a prefix of "hf_" / "api_org_" /
# "bearer", or a shape's start running to the end. The stream holds it back; everything before it is final.
_OPEN_END = (rf"(?:{_TOKEN_START}(?:[A-Za-z0-9]{{30,}}(?:_[A-Za-z0-9]*)*|[A-Za-z0-9]*)"
             r"|hf?|a(?:p(?:i(?:_(?:o(?:rg?)?)?)?)?)?"
             rf"|(?i:b(?:e(?:a(?:r(?:er?)?)?)?)?)|(?i:bearer)\s+{_CREDENTIAL_CHAR}*)\Z")
# Tried at each position in the order written: a shape that is still open wins over one already complete.
_SCAN = re.compile(f"(?P<open>{_OPEN_END})|{_SHAPES}")
# An open end longer than this is compacted (see _ShapeStage._compact); realistic ones never get there.
_COMPACT_OVER = 256
_BEARER_WORD = len("bearer")
_BEARER_GAP = re.compile(r"(?i:bearer)\s+\Z")


def _replacement(match: re.Match) -> str:
    bearer = match.group("bearer")
    return REDACTED if bearer is None else bearer + REDACTED


# Every match of _SHAPE contains one of these (lower-cased): text without any cannot change. Substring tests
# on the lower-cased text cost a few nanoseconds a byte, a regular expression several times more.
_MARKERS = ("hf_", "api_org_", "bearer")
_MARKERS_BYTES = tuple(marker.encode() for marker in _MARKERS)


def _marked(low: str) -> bool:
    return any(marker in low for marker in _MARKERS)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace the given literal secrets, then token-shaped strings and bearer credentials."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    if not _marked(text.lower()):
        return text
    return _SHAPE.sub(_replacement, text)


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
    low = encoded.lower()
    if any(marker in low for marker in _MARKERS_BYTES):
        return False
    for secret in secrets:
        if secret:
            raw = secret.encode()
            if orjson.dumps(secret)[1:-1] != raw or raw in encoded:
                return False
    return True


class _SecretStage:
    """``text.replace(secret, REDACTED)`` over a stream: holds back a tail that is a proper prefix of the secret."""

    __slots__ = ("_secret", "_held")

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._held = ""

    def feed(self, delta: str) -> str:
        text, secret = self._held + delta, self._secret
        out, pos = [], 0
        while (found := text.find(secret, pos)) >= 0:  # leftmost, non-overlapping: as str.replace
            out += (text[pos:found], REDACTED)
            pos = found + len(secret)
        # The first place after the last replacement where the text ends inside a possible occurrence.
        cut = text.find(secret[0], max(pos, len(text) - len(secret) + 1))
        while cut >= 0 and not secret.startswith(text[cut:]):
            cut = text.find(secret[0], cut + 1)
        if cut < 0:
            cut = len(text)
        out.append(text[pos:cut])
        self._held = text[cut:]
        return "".join(out)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held  # a proper prefix of the secret: it holds no occurrence


class _ShapeStage:
    """``_SHAPE.sub`` over a stream. Each call returns exactly the part of the batch result that no later text can
    change; the rest stays held. Scanning leftmost-first, as ``sub`` does, the first position whose match attempt
    reaches the end of the text so far is where the outcome still depends on what comes next."""

    __slots__ = ("_held", "_skip")

    def __init__(self) -> None:
        self._held = ""
        self._skip = 0  # characters at the start of the held text's output that were already sent

    def feed(self, delta: str) -> str:
        text = self._held + delta
        match = _SCAN.search(text)
        if match is None:  # the common case: nothing shaped, nothing open
            self._held = ""
            return self._after_skip(text)
        out, pos = [], 0
        while match is not None:
            start = match.start()
            out.append(text[pos:start])
            if match.lastgroup == "open":
                self._held = text[start:]
                # Output from the old held text's start exists only if its open end was resolved (start > 0).
                sent = self._after_skip("".join(out)) if start else ""
                if len(self._held) > _COMPACT_OVER:
                    sent += self._compact()
                return sent
            out.append(_replacement(match))
            pos = match.end()
            match = _SCAN.search(text, pos)
        out.append(text[pos:])
        self._held = ""
        return self._after_skip("".join(out))

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self._after_skip(_SHAPE.sub(_replacement, held))

    def _after_skip(self, out: str) -> str:
        """``out`` (output that starts where the held text started) without the part already sent."""
        if self._skip:
            out, self._skip = out[self._skip:], 0
        return out

    def _compact(self) -> str:
        """Shorten a long open end (a credential or a whitespace run that never ends) so that a stream costs linear
        time: what more text can still change is kept, the rest is decided. Returns text now safe to send."""
        held = self._held
        shape = _SHAPE.match(held)
        if shape is not None and shape.end() == len(held):
            # A complete shape still growing: more of the same characters cannot change its replacement.
            bearer = shape.group("bearer")
            if bearer is not None:
                self._held = held[:len(bearer) + 8]
            else:
                self._held = held[:(3 if held.startswith("hf_") else 8) + 30]
            return ""
        if _BEARER_GAP.match(held):
            # "bearer" then only whitespace: that part comes out verbatim whatever follows (a credential after it
            # is replaced, not the whitespace, and no shape can start inside "earer" or the whitespace). Send it
            # now; keep "bearer" and one whitespace character to match against, and skip their output later.
            sent = held[self._skip:-1]
            self._held, self._skip = held[:_BEARER_WORD] + held[-1], _BEARER_WORD
            return sent
        return ""


class StreamRedactor:
    """Redacts streamed text live, even when a token arrives split across deltas: each call returns the part of
    the text that is safe to send now, redacted exactly as ``redact_text`` redacts the whole text (the sent parts,
    joined, are ``redact_text(everything fed)``). Nothing that could still be the start of a secret, a token or a
    bearer credential is sent before the text after it shows what it is."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._stages: list[_SecretStage | _ShapeStage] = [_SecretStage(s) for s in secrets if s]
        self._stages.append(_ShapeStage())

    def feed(self, delta: str) -> str:
        for stage in self._stages:
            delta = stage.feed(delta)
        return delta

    def flush(self) -> str:
        text = ""
        for stage in self._stages:
            text = stage.feed(text) + stage.flush()
        return text
