"""Database URL forms: users write plain ``sqlite:///`` or ``postgresql://`` URLs; drivers are chosen here."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url


def _with_driver(url: str, sqlite_driver: str, pg_driver: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=f"sqlite+{sqlite_driver}" if sqlite_driver else "sqlite").render_as_string(
            hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername=f"postgresql+{pg_driver}").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {backend!r} (use sqlite:/// or postgresql://)")


def async_url(url: str) -> str:
    return _with_driver(url, "aiosqlite", "psycopg")


def sync_url(url: str) -> str:
    return _with_driver(url, "", "psycopg")


def ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
