"""Which response and session a log line is about, for JSON logs (``ML_INTERN_LOG_FORMAT=json``).

The turn runner sets them for the duration of a turn; tasks it starts inherit them (contextvars)."""

from __future__ import annotations

import logging
from contextvars import ContextVar

response_id: ContextVar[str | None] = ContextVar("ml_intern_response_id", default=None)
session_id: ContextVar[str | None] = ContextVar("ml_intern_session_id", default=None)


class TurnContextFilter(logging.Filter):
    """Adds ``response_id`` and ``session_id`` to every record (None outside a turn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.response_id = response_id.get()
        record.session_id = session_id.get()
        return True


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(TurnContextFilter())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(response_id)s "
                                           "%(session_id)s", rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
