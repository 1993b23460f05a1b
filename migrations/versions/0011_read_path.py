"""Read path: the live seizures of a case in date order, from one partial index.

The window reads the ordered ids of a case's seizures (`PagingService.ordered_ids`) and its
first page by date. With only `ix_seizures_case_date` SQLite walks that index and looks up
every row to test `deleted_at IS NULL`: 3–8 s for a million seizures. This index holds only
live rows, so the same query is answered from the index alone (`deleted_at`, always NULL in
it, is its last column so that SQLite 3.40 counts the index as covering the query).

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_seizures_live_case_date", "seizures",
                    ["case_uid", "seized_on", "id", "deleted_at"],
                    sqlite_where=sa.text("deleted_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_seizures_live_case_date", table_name="seizures")
