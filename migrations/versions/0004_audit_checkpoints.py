"""Signed audit checkpoints, and the audit heads seen in other sites' bundles.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("changesets", sa.Text(), nullable=False),
        sa.Column("changeset_seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "peer_heads",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "site_id", "audit_seq", name=op.f("pk_peer_heads")),
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_checkpoints_no_{verb.lower()} BEFORE {verb} ON "
            "audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit checkpoints are "
            "append-only'); END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_delete")
    op.drop_table("peer_heads")
    op.drop_table("audit_checkpoints")
