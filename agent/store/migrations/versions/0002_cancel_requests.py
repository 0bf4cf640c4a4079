"""Cross-replica cancel: a cancel request recorded on the response for the replica that owns the turn.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: a plain ALTER TABLE ... ADD COLUMN on both SQLite and PostgreSQL (no table rebuild).
    op.add_column("responses", sa.Column("cancel_requested_at", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("cancel_requested_at")
