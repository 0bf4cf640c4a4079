"""Alembic environment: migrations run on a synchronous connection handed in by ``agent.store.migrate``."""

from alembic import context

from agent.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from sqlmodel import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through agent.store.migrate.upgrade()")
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
