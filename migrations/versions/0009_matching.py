"""Matching: the seen-before index and the sanctions lists.

`decisions` holds analysts' decisions on duplicate pairs and screening hits (a synced record
kind); `match_keys` holds the normalised identifiers of live companies, persons and shipments
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
down_revision = "0008"
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
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("deleted_at", sa.String(length=40), nullable=True),
        sa.Column("case_uid", sa.String(length=36), sa.ForeignKey("cases.uid"), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("a_uid", sa.String(length=80), nullable=False),
        sa.Column("b_uid", sa.String(length=80), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("subject_kind IN ('company', 'person', 'sanction')",
                           name="subject_kind"),
        sa.CheckConstraint("verdict IN ('same', 'different', 'unsure')", name="verdict"),
    )
    op.create_index("ix_decisions_case_uid", "decisions", ["case_uid"])
    op.create_index("ix_decisions_a_uid", "decisions", ["a_uid"])
    op.create_index("ix_decisions_b_uid", "decisions", ["b_uid"])
    bind = op.get_bind()
    _decisions_from_the_log(bind)
    # Fill the index from the records already stored.
    from caseapp.db import match_index
    match_index.rebuild(bind)


def _decisions_from_the_log(bind: sa.Connection) -> None:
    """Rows for decision ops already in the change log (a database taken down to an older
    revision keeps its ops; the table is their merge, as `caseapp verify` checks)."""
    from sqlalchemy.orm import Session

    from caseapp.db.models import table_of
    from caseapp.services.bundle_apply import build_row, load_ops

    uids = [r[0] for r in bind.exec_driver_sql(
        "SELECT DISTINCT uid FROM ops WHERE kind = 'decision' ORDER BY uid")]
    if not uids:
        return
    session = Session(bind=bind)
    try:
        loaded = load_ops(session, "decision", uids)
        rows = [{**build_row("decision", loaded[uid]), "uid": uid} for uid in uids]
    finally:
        session.close()
    bind.execute(sa.insert(table_of("decision")), rows)


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("sanction_entries")
    op.drop_table("sanction_lists")
    op.drop_table("match_keys")
