"""Initial schema: sessions, responses, events, artifacts, transcript.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("owner_id", sa.String(64), nullable=False, index=True),
        sa.Column("owner_name", sa.String(96), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("max_cost_usd", sa.Float, nullable=False),
        sa.Column("spent_usd", sa.Float, nullable=False, server_default="0"),
        sa.Column("head_response_id", sa.String(40)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("session_id", sa.String(40), sa.ForeignKey("sessions.id"), nullable=False, index=True),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("previous_response_id", sa.String(40)),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("owner_replica", sa.String(64)),
        sa.Column("lease_expires_at", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("owner_id", "idempotency_key", name="uq_responses_owner_idempotency"),
    )
    op.create_index("ix_responses_owner_status", "responses", ["owner_id", "status"])
    op.create_index("ix_responses_status_lease", "responses", ["status", "lease_expires_at"])
    op.create_table(
        "events",
        sa.Column("response_id", sa.String(40), sa.ForeignKey("responses.id"), primary_key=True),
        sa.Column("sequence_number", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "artifacts",
        sa.Column("response_id", sa.String(40), sa.ForeignKey("responses.id"), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("session_id", sa.String(40), nullable=False, index=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "transcript",
        sa.Column("response_id", sa.String(40), sa.ForeignKey("responses.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("message", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("transcript", "artifacts", "events", "responses", "sessions"):
        op.drop_table(table)
