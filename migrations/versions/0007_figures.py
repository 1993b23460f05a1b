"""Cases get `route_yield`: the overall route yield their theoretical-yield figures use.

Blank (NULL) means the route table's value (resources/figures/routes.csv). A case column, so it
travels in bundles with the case like any other field.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: `cases` has triggers and views may refer to it
    # (pitfalls #4); a nullable column without a default needs no rebuild.
    op.add_column("cases", sa.Column("route_yield", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("route_yield")
