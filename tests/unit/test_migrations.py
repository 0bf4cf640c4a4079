"""The Alembic migrations build exactly the schema the SQLModel tables declare, on SQLite and on PostgreSQL,
and step forward and back."""

from __future__ import annotations

import secrets

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from agent.store import migrate, tables  # noqa: F401  (registers the tables)
from agent.store.urls import sync_url


def _differences(url: str) -> list:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def _downgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def _response_columns(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return {c["name"] for c in inspect(engine).get_columns("responses")}
    finally:
        engine.dispose()


def _check(url: str) -> None:
    migrate.upgrade(url)
    assert _differences(url) == []
    _downgrade(url, "0001")
    assert "cancel_requested_at" not in _response_columns(url)
    migrate.upgrade(url)
    assert "cancel_requested_at" in _response_columns(url)
    assert _differences(url) == []


def test_migrations_match_the_models_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'schema.db'}")


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgres(postgres_url):
    import psycopg

    name = f"ml_intern_schema_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _check(f"{postgres_url.rsplit('/', 1)[0]}/{name}")
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
