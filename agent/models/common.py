"""Limits, statuses and ids shared by the request and response models."""

from __future__ import annotations

import secrets
from typing import Literal


MAX_MESSAGE_CHARS = 100_000
MAX_INSTRUCTIONS_CHARS = 20_000
MAX_INPUT_MESSAGES = 200
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY_CHARS = 64
MAX_METADATA_VALUE_CHARS = 512
DEFAULT_MAX_COST_USD = 5.0
DEFAULT_WAIT_TIMEOUT_SECONDS = 900.0
RESPONSE_ID_PATTERN = r"^resp_[0-9a-f]{32}$"
# The largest integer a client (or the model) may send: 2^53 - 1 survives any JSON client, and stays far inside the
# database's 64-bit integers (a starting_after of 2^63 overflowed SQLite and dropped the stream).
MAX_SAFE_INTEGER = 2**53 - 1
MAX_SEQUENCE_NUMBER = MAX_SAFE_INTEGER
TOOL_OUTPUT_LIMIT_BYTES = 4096

ResponseStatus = Literal["queued", "in_progress", "completed", "failed", "cancelled", "incomplete"]
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
# Statuses after which a stream ends: terminal ones and the resumable pause.
SETTLED_STATUSES = TERMINAL_STATUSES | {"incomplete"}
RUNNING_STATUSES = frozenset({"queued", "in_progress"})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"
