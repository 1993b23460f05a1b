"""Chain of custody and lab results: two new record tables (no existing table is rebuilt).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _synced() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("deleted_at", sa.String(length=40), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "custody_events",
        sa.Column("case_uid", sa.String(length=36), nullable=False),
        sa.Column("exhibit", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("released_by", sa.Text(), nullable=True),
        sa.Column("received_by", sa.Text(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("seal_no", sa.Text(), nullable=True),
        sa.Column("seal_intact", sa.String(length=3), nullable=True),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("witness", sa.Text(), nullable=True),
        sa.Column("authority", sa.Text(), nullable=True),
        sa.Column("sample_id", sa.Text(), nullable=True),
        sa.Column("corrects", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_synced(),
        sa.CheckConstraint(
            "event IN ('received', 'sealed', 'transferred', 'sampled', 'sent_to_lab', "
            "'returned', 'resealed', 'destroyed')", name=op.f("ck_custody_events_event")),
        sa.CheckConstraint("seal_intact IS NULL OR seal_intact IN ('yes', 'no')",
                           name=op.f("ck_custody_events_seal_intact")),
        sa.ForeignKeyConstraint(["case_uid"], ["cases.uid"],
                                name=op.f("fk_custody_events_case_uid_cases")),
        sa.ForeignKeyConstraint(["exhibit"], ["seizures.uid"],
                                name=op.f("fk_custody_events_exhibit_seizures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_custody_events_uid")),
    )
    op.create_index(op.f("ix_custody_events_case_uid"), "custody_events", ["case_uid"])
    op.create_index(op.f("ix_custody_events_exhibit"), "custody_events", ["exhibit"])
    op.create_table(
        "lab_results",
        sa.Column("case_uid", sa.String(length=36), nullable=False),
        sa.Column("exhibit", sa.String(length=36), nullable=False),
        sa.Column("sample_id", sa.Text(), nullable=False),
        sa.Column("laboratory", sa.Text(), nullable=True),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("substance", sa.String(length=36), nullable=True),
        sa.Column("purity_percent", sa.Float(), nullable=True),
        sa.Column("uncertainty_percent", sa.Float(), nullable=True),
        sa.Column("analysed_on", sa.Date(), nullable=True),
        sa.Column("report_ref", sa.Text(), nullable=True),
        sa.Column("attachment", sa.String(length=36), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_synced(),
        sa.CheckConstraint(
            "purity_percent IS NULL OR (purity_percent >= 0 AND purity_percent <= 100)",
            name=op.f("ck_lab_results_purity")),
        sa.CheckConstraint("uncertainty_percent IS NULL OR uncertainty_percent >= 0",
                           name=op.f("ck_lab_results_uncertainty")),
        sa.ForeignKeyConstraint(["case_uid"], ["cases.uid"],
                                name=op.f("fk_lab_results_case_uid_cases")),
        sa.ForeignKeyConstraint(["exhibit"], ["seizures.uid"],
                                name=op.f("fk_lab_results_exhibit_seizures")),
        sa.ForeignKeyConstraint(["substance"], ["substances.uid"],
                                name=op.f("fk_lab_results_substance_substances")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_results")),
        sa.UniqueConstraint("uid", name=op.f("uq_lab_results_uid")),
    )
    op.create_index(op.f("ix_lab_results_case_uid"), "lab_results", ["case_uid"])
    op.create_index(op.f("ix_lab_results_exhibit"), "lab_results", ["exhibit"])


def downgrade() -> None:
    op.drop_table("lab_results")
    op.drop_table("custody_events")
