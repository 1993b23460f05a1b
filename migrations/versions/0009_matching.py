"""Matching: the seen-before index and the sanctions lists.

`match_keys` holds the normalised identifiers of live companies, persons and shipments
(caseapp/db/match_index.py keeps it in step and fills it here); `sanction_lists` and
`sanction_entries` hold the sanctions lists loaded from their published files (local
reference data, never synced).

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_match_keys_uid", "match_keys", ["uid"])
    op.create_index("ix_match_keys_value", "match_keys", ["value", "feature"])
    op.create_table(
        "sanction_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, unique=True),
        sa.Column("published", sa.String(length=40), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.String(length=40), nullable=False),
    )
    op.create_table(
        "sanction_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_id", sa.Integer(),
                  sa.ForeignKey("sanction_lists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("program", sa.Text(), nullable=True),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
    )
    op.create_index("ix_sanction_entries_list_id", "sanction_entries", ["list_id"])
    # Fill the index from the records already stored.
    from caseapp.db import match_index
    match_index.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("sanction_entries")
    op.drop_table("sanction_lists")
    op.drop_table("match_keys")
