"""The companion routes: a response's input items, an account's responses newest first, and deletion.

``input_items`` keeps each request's ``input`` as the spec's items (responses created before this revision list
none); ``ix_responses_owner_created`` serves GET /v1/responses; ``ix_responses_previous`` tells DELETE whether
another response continues from the one deleted.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "input_items",
        sa.Column("response_id", sa.String(40), sa.ForeignKey("responses.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("response_id", "id", name="uq_input_items_response_item"),
    )
    op.create_index("ix_responses_owner_created", "responses", ["owner_id", "created_at"])
    op.create_index("ix_responses_previous", "responses", ["previous_response_id"])


def downgrade() -> None:
    op.drop_index("ix_responses_previous", table_name="responses")
    op.drop_index("ix_responses_owner_created", table_name="responses")
    op.drop_table("input_items")
