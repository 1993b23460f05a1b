"""Printed reports by the SHA-256 of their bytes, and the signed team list.

`report_printings`: one row per printed (or approved) report file, keyed by the SHA-256 of its
exact bytes, which its audit entry also carries; `records` holds the value hash of every record
the report was made from, so verify-report can name the records that changed since.
`team_versions`: every signed version of the team list (services/team.py).

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_printings",
        sa.Column("file_sha256", sa.String(length=64), primary_key=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("case_uid", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=71), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
    )
    op.create_index("ix_report_printings_audit_seq", "report_printings", ["audit_seq"])
    op.create_table(
        "team_versions",
        sa.Column("team_id", sa.String(length=36), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.String(length=40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("team_versions")
    op.drop_index("ix_report_printings_audit_seq", table_name="report_printings")
    op.drop_table("report_printings")
