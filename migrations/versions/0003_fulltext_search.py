"""Full-text search: an FTS5 (trigram) table per record kind, kept in step by triggers.

The spec below is this revision's own snapshot of what is indexed (a released revision never
changes); caseapp/db/fts.py turns it into the table, the triggers and the initial fill.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

import sqlite3

from alembic import op

from caseapp.db import fts

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

S = fts.IndexSpec
SPECS: tuple[fts.IndexSpec, ...] = (
    S("case", "cases", "ref", ("title", "summary", "lead_investigator", "agency"), (),
      ("title",), "uid",
      ("ref", "title", "summary", "lead_investigator", "agency", "deleted_at")),
    S("substance", "substances", "name", ("synonyms", "cas", "hs_code", "family", "formula"),
      ("synonyms",), ("cas",), None,
      ("name", "synonyms", "cas", "hs_code", "family", "formula", "deleted_at")),
    S("company", "companies", "name",
      ("name_original", "aliases", "registration_no", "country", "city", "address", "phones",
       "emails", "website", "sanctions_note", "notes"),
      ("aliases", "phones", "emails"), ("name_original", "country"), None,
      ("name", "name_original", "aliases", "registration_no", "country", "city", "address",
       "phones", "emails", "website", "sanctions_note", "notes", "deleted_at")),
    S("person", "persons", "full_name",
      ("aliases", "nationality", "phones", "emails", "role_note", "notes"),
      ("aliases", "phones", "emails"), ("nationality",), None,
      ("full_name", "aliases", "nationality", "phones", "emails", "role_note", "notes",
       "deleted_at")),
    S("shipment", "shipments", "ref",
      ("tracking_no", "declared_description", "declared_hs_code", "notes"), (),
      ("tracking_no", "declared_description"), "case_uid",
      ("ref", "tracking_no", "declared_description", "declared_hs_code", "notes",
       "deleted_at")),
    S("seizure", "seizures", "exhibit_ref",
      ("place", "agency", "lab_ref", "concealment", "notes"), (), ("place", "seized_on"),
      "case_uid",
      ("exhibit_ref", "place", "agency", "lab_ref", "concealment", "notes", "seized_on",
       "deleted_at")),
    S("link", "links", "relation", ("evidence",), (), ("evidence",), "case_uid",
      ("relation", "evidence", "deleted_at")),
    S("note", "notes", "body", ("author",), (), ("author",), "case_uid",
      ("body", "author", "deleted_at")),
    S("attachment", "attachments", "filename", ("media_type", "sha256"), (),
      ("media_type",), "case_uid", ("filename", "media_type", "sha256", "deleted_at")),
)


def upgrade() -> None:
    if sqlite3.sqlite_version_info < (3, 34):
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer; "
                           "caseapp needs SQLite 3.34 or newer.")
    fts.install(op.get_bind(), SPECS)


def downgrade() -> None:
    bind = op.get_bind()
    fts.drop_triggers(bind, SPECS)
    fts.drop_tables(bind, SPECS)
