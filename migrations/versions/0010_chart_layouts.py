"""Chart layouts: the saved arrangement of each case's link chart (local, not synced).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chart_layouts",
        sa.Column("case_uid", sa.String(length=36), nullable=False),
        sa.Column("layout", sa.String(length=20), nullable=False),
        sa.Column("positions", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.String(length=40), nullable=False),
        sa.Column("saved_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_uid"], ["cases.uid"], ondelete="CASCADE",
                                name=op.f("fk_chart_layouts_case_uid_cases")),
        sa.PrimaryKeyConstraint("case_uid", name=op.f("pk_chart_layouts")),
    )


def downgrade() -> None:
    op.drop_table("chart_layouts")
