"""The conflicts index loses `resolved_at` and `resolution_op`: never written.

A conflict is open while its record's ops say so (services/conflicts.py `open_conflicts`); the
index is re-derived on import and on resolve (a settled conflict's row is deleted, not stamped),
and a plain local edit may settle one without passing here at all. Who settled it, when and
with which op is in the audit chain and the change log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch rebuild of `conflicts`: the table has no triggers and no view refers to it
    # (pitfalls #4), so nothing needs recreating after it.
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_column("resolution_op")
        batch_op.drop_column("resolved_at")


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("resolution_op", sa.String(length=64), nullable=True))
