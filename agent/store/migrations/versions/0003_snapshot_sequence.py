"""The sequence number the stored response object reflects.

While text streams, the writer commits deltas every few tens of milliseconds but rewrites the whole response
object at most every ``snapshot_interval_ms``: ``snapshot_sequence`` says which event the stored object is up to
(NULL: ``last_sequence``, as written before this revision).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("responses", sa.Column("snapshot_sequence", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("snapshot_sequence")
