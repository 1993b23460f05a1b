"""SQLAlchemy models: one table per record kind, plus the change log, audit chain and keys.

Column names are the field names of data-model.md; fields that point at another record hold
its `uid` (foreign keys to `uid`), so a change-log op and a row speak the same language.
The database enforces what it can: foreign keys, unique refs per case, enum checks, ranges.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from caseapp.db.base import Base, DecimalFloat, JSONText, StringList
from caseapp.domain import types as t


def _in(column: str, values: tuple[str, ...], nullable: bool = True) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    test = f"{column} IN ({quoted})"
    return f"{column} IS NULL OR {test}" if nullable else test


class SyncedMixin:
    """Columns every syncable record has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[str | None] = mapped_column(String(40))


class Case(SyncedMixin, Base):
    __tablename__ = "cases"
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    lead_investigator: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    handling: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    # The overall route yield the case's theoretical-yield figures use (None: the route table's).
    route_yield: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    __table_args__ = (CheckConstraint(_in("status", t.CASE_STATUSES, False), name="status"),)


class Substance(SyncedMixin, Base):
    __tablename__ = "substances"
    name: Mapped[str] = mapped_column(Text, index=True)
    synonyms: Mapped[tuple[str, ...]] = mapped_column(StringList)
    cas: Mapped[str | None] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    un_table: Mapped[str | None] = mapped_column(String(4))
    hs_code: Mapped[str | None] = mapped_column(String(20))
    family: Mapped[str | None] = mapped_column(Text)
    formula: Mapped[str | None] = mapped_column(Text)
    molar_mass: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(_in("kind", t.SUBSTANCE_KINDS, False), name="kind"),
        CheckConstraint(_in("un_table", t.UN_TABLES), name="un_table"),
        CheckConstraint("molar_mass IS NULL OR molar_mass > 0", name="molar_mass"),
    )


class Company(SyncedMixin, Base):
    __tablename__ = "companies"
    name: Mapped[str] = mapped_column(Text, index=True)
    name_original: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[tuple[str, ...]] = mapped_column(StringList)
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    registration_no: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[tuple[str, ...]] = mapped_column(StringList)
    website: Mapped[str | None] = mapped_column(Text)
    emails: Mapped[tuple[str, ...]] = mapped_column(StringList)
    phones: Mapped[tuple[str, ...]] = mapped_column(StringList)
    sanctioned: Mapped[bool] = mapped_column(Boolean)
    sanctions_note: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Person(SyncedMixin, Base):
    __tablename__ = "persons"
    full_name: Mapped[str] = mapped_column(Text, index=True)
    aliases: Mapped[tuple[str, ...]] = mapped_column(StringList)
    nationality: Mapped[str | None] = mapped_column(String(2))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    role_note: Mapped[str | None] = mapped_column(Text)
    emails: Mapped[tuple[str, ...]] = mapped_column(StringList)
    phones: Mapped[tuple[str, ...]] = mapped_column(StringList)
    notes: Mapped[str | None] = mapped_column(Text)


class Party(SyncedMixin, Base):
    """A company or person taking part in a case."""

    __tablename__ = "parties"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"))
    party_kind: Mapped[str] = mapped_column(String(10))
    party_uid: Mapped[str] = mapped_column(String(36))
    role_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("case_uid", "party_uid"),
        CheckConstraint(_in("party_kind", t.PARTY_KINDS, False), name="party_kind"),
        Index("ix_parties_party_uid", "party_uid"),
    )


class Shipment(SyncedMixin, Base):
    __tablename__ = "shipments"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"))
    ref: Mapped[str] = mapped_column(String(100))
    tracking_no: Mapped[str | None] = mapped_column(Text, index=True)
    mode: Mapped[str | None] = mapped_column(String(20))
    shipper: Mapped[str | None] = mapped_column(ForeignKey("companies.uid"), index=True)
    consignee: Mapped[str | None] = mapped_column(ForeignKey("companies.uid"), index=True)
    carrier: Mapped[str | None] = mapped_column(ForeignKey("companies.uid"), index=True)
    origin_country: Mapped[str | None] = mapped_column(String(2))
    transit_countries: Mapped[tuple[str, ...]] = mapped_column(StringList)
    destination_country: Mapped[str | None] = mapped_column(String(2))
    declared_description: Mapped[str | None] = mapped_column(Text)
    declared_hs_code: Mapped[str | None] = mapped_column(String(20))
    shipped_on: Mapped[dt.date | None] = mapped_column(Date)
    arrived_on: Mapped[dt.date | None] = mapped_column(Date)
    gross_weight_kg: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    status: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("case_uid", "ref"),
        CheckConstraint(_in("mode", t.SHIPMENT_MODES), name="mode"),
        CheckConstraint(_in("status", t.SHIPMENT_STATUSES), name="status"),
        CheckConstraint("gross_weight_kg IS NULL OR gross_weight_kg >= 0", name="gross_weight"),
    )


class Seizure(SyncedMixin, Base):
    __tablename__ = "seizures"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"))
    exhibit_ref: Mapped[str] = mapped_column(String(100))
    seized_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    longitude: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    agency: Mapped[str | None] = mapped_column(Text)
    substance: Mapped[str] = mapped_column(ForeignKey("substances.uid"), index=True)
    form: Mapped[str | None] = mapped_column(String(10))
    net_quantity: Mapped[Decimal] = mapped_column(DecimalFloat)
    unit: Mapped[str] = mapped_column(String(8))
    gross_quantity: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    density_kg_per_l: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    tablet_weight_mg: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    purity_percent: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    lab_confirmed: Mapped[bool] = mapped_column(Boolean)
    lab_ref: Mapped[str | None] = mapped_column(Text)
    shipment: Mapped[str | None] = mapped_column(ForeignKey("shipments.uid"), index=True)
    concealment: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("case_uid", "exhibit_ref"),
        Index("ix_seizures_case_date", "case_uid", "seized_on", "id"),
        Index("ix_seizures_seized_on", "seized_on", "id"),
        # Live rows only: a case's ordered ids come from the index alone (revision 0011).
        Index("ix_seizures_live_case_date", "case_uid", "seized_on", "id", "deleted_at",
              sqlite_where=text("deleted_at IS NULL")),
        CheckConstraint(_in("form", t.SEIZURE_FORMS), name="form"),
        CheckConstraint(_in("unit", t.UNITS, False), name="unit"),
        CheckConstraint("net_quantity >= 0", name="net_quantity"),
        CheckConstraint("gross_quantity IS NULL OR gross_quantity >= 0", name="gross_quantity"),
        CheckConstraint(
            "purity_percent IS NULL OR (purity_percent >= 0 AND purity_percent <= 100)",
            name="purity",
        ),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
    )


class Link(SyncedMixin, Base):
    __tablename__ = "links"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(36), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    object_kind: Mapped[str] = mapped_column(String(10))
    object: Mapped[str] = mapped_column(String(36), index=True)
    evidence: Mapped[str | None] = mapped_column(Text)
    source_reliability: Mapped[str | None] = mapped_column(String(1))
    info_credibility: Mapped[str | None] = mapped_column(String(1))
    first_seen: Mapped[dt.date | None] = mapped_column(Date)
    last_seen: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (
        CheckConstraint(_in("subject_kind", t.LINK_NODE_KINDS, False), name="subject_kind"),
        CheckConstraint(_in("object_kind", t.LINK_NODE_KINDS, False), name="object_kind"),
        CheckConstraint(_in("relation", tuple(t.RELATIONS), False), name="relation"),
        CheckConstraint(_in("source_reliability", t.SOURCE_RELIABILITY), name="reliability"),
        CheckConstraint(_in("info_credibility", t.INFO_CREDIBILITY), name="credibility"),
    )


class Note(SyncedMixin, Base):
    __tablename__ = "notes"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(12))
    target_uid: Mapped[str | None] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)


class Attachment(SyncedMixin, Base):
    __tablename__ = "attachments"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(12))
    target_uid: Mapped[str | None] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)


class CustodyEvent(SyncedMixin, Base):
    """One event in an exhibit's chain of custody (append-only: corrections are new rows)."""

    __tablename__ = "custody_events"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    exhibit: Mapped[str] = mapped_column(ForeignKey("seizures.uid"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    at: Mapped[str] = mapped_column(String(40))
    released_by: Mapped[str | None] = mapped_column(Text)
    received_by: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    seal_no: Mapped[str | None] = mapped_column(Text)
    seal_intact: Mapped[str | None] = mapped_column(String(3))
    condition: Mapped[str | None] = mapped_column(Text)
    witness: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(Text)
    sample_id: Mapped[str | None] = mapped_column(Text)
    corrects: Mapped[str | None] = mapped_column(String(36))
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(_in("event", t.CUSTODY_EVENTS, False), name="event"),
        CheckConstraint(_in("seal_intact", t.YES_NO), name="seal_intact"),
    )


class LabResult(SyncedMixin, Base):
    """A laboratory's analysis of a sample of an exhibit."""

    __tablename__ = "lab_results"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    exhibit: Mapped[str] = mapped_column(ForeignKey("seizures.uid"), index=True)
    sample_id: Mapped[str] = mapped_column(Text)
    laboratory: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(Text)
    substance: Mapped[str | None] = mapped_column(ForeignKey("substances.uid"))
    purity_percent: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    uncertainty_percent: Mapped[Decimal | None] = mapped_column(DecimalFloat)
    analysed_on: Mapped[dt.date | None] = mapped_column(Date)
    report_ref: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(36))
    accepted: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(
            "purity_percent IS NULL OR (purity_percent >= 0 AND purity_percent <= 100)",
            name="purity"),
        CheckConstraint("uncertainty_percent IS NULL OR uncertainty_percent >= 0",
                        name="uncertainty"),
    )


class Decision(SyncedMixin, Base):
    """An analyst's decision on a duplicate pair or a screening hit (services/dedup.py)."""

    __tablename__ = "decisions"
    case_uid: Mapped[str] = mapped_column(ForeignKey("cases.uid"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    a_uid: Mapped[str] = mapped_column(String(80), index=True)
    b_uid: Mapped[str] = mapped_column(String(80), index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(_in("subject_kind", ("company", "person", "sanction"), False),
                        name="subject_kind"),
        CheckConstraint(_in("verdict", ("same", "different", "unsure"), False),
                        name="verdict"),
    )


class Blob(Base):
    """Attachment content, stored once per hash."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Changeset(Base):
    """The ops of one transaction, signed once by their author over the sorted op ids."""

    __tablename__ = "changesets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    author_key: Mapped[str] = mapped_column(String(32))
    author_name: Mapped[str | None] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[str] = mapped_column(String(40))


class Op(Base):
    """One edit of one record: the change log (sync.md)."""

    __tablename__ = "ops"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    op_id: Mapped[str] = mapped_column(String(64), unique=True)
    changeset_id: Mapped[str] = mapped_column(ForeignKey("changesets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    uid: Mapped[str] = mapped_column(String(36))
    case_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    fields: Mapped[dict[str, object]] = mapped_column(JSONText)
    prev: Mapped[dict[str, list[str]]] = mapped_column(JSONText)
    hlc: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(32))
    author_key: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_ops_kind_uid", "kind", "uid"),)


class AuditEntry(Base):
    """Append-only, hash-chained record of every change, import, export and report."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(12))
    record_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    case_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    changes: Mapped[dict[str, object] | None] = mapped_column(JSONText)
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TrustedKey(Base):
    """Investigator keys whose bundles this database accepts."""

    __tablename__ = "trusted_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[str] = mapped_column(String(40))


class Meta(Base):
    """Installation facts: site id, clock, catalogue version."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


MODEL_BY_KIND: dict[str, type[SyncedMixin]] = {
    "case": Case,
    "substance": Substance,
    "company": Company,
    "person": Person,
    "party": Party,
    "shipment": Shipment,
    "seizure": Seizure,
    "link": Link,
    "note": Note,
    "attachment": Attachment,
    "custody": CustodyEvent,
    "lab_result": LabResult,
    "decision": Decision,
}


def core_table(model: Any) -> Table:
    """The Core `Table` of a mapped class (for bulk statements without ORM bookkeeping)."""
    return cast(Table, model.__table__)


def table_of(kind: str) -> Table:
    """The Core `Table` of a record kind."""
    return core_table(MODEL_BY_KIND[kind])


class Conflict(Base):
    """Index: a field (or a record's delete) whose heads held different values when the record
    was last re-derived (on import and on resolve). Whether it is still open is decided from the
    ops (`services/conflicts.py: open_conflicts`): a local edit naming every head settles it
    while its row stays until the next re-derivation. Who settled it, when, with which op, is in
    the audit chain and the change log."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    uid: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(40))
    case_uid: Mapped[str | None] = mapped_column(String(36), index=True)
    heads: Mapped[list[str]] = mapped_column(JSONText)
    opened_at: Mapped[str] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("kind", "uid", "field"),)


class QuarantinedOp(Base):
    """An op from a bundle held back (clock too far ahead, untrusted author): shown, not applied."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    op_id: Mapped[str] = mapped_column(String(64), unique=True)
    bundle_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[dict[str, object]] = mapped_column(JSONText)
    changeset: Mapped[dict[str, object]] = mapped_column(JSONText)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(String(40))


class BundleImport(Base):
    """Bundles this database has imported (by id), with the summary shown at the time."""

    __tablename__ = "bundle_imports"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    imported_at: Mapped[str] = mapped_column(String(40))
    exporter_key: Mapped[str] = mapped_column(String(32))
    case_uid: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[dict[str, object]] = mapped_column(JSONText)


class ChangesetOpList(Base):
    """The complete signed op-id list of a changeset this database holds only part of.

    A bundle carries only the ops of its case (and quarantine holds some back), yet the
    author's signature covers every op id of the changeset: keeping the list lets `verify`
    and a later re-export check the signature.
    """

    __tablename__ = "changeset_op_lists"
    changeset_id: Mapped[str] = mapped_column(ForeignKey("changesets.id"), primary_key=True)
    op_ids: Mapped[list[str]] = mapped_column(JSONText)


class AuditCheckpoint(Base):
    """A signed statement of the audit chain's head, written by every unit of work.

    Signed by the investigator's key over (n, prev, site, key, audit seq and hash, the
    changesets the unit wrote, the highest changeset seq, time): rewriting or erasing entries
    below it breaks either a hash or a signature (db/checkpoints.py).
    """

    __tablename__ = "audit_checkpoints"
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(32))
    public_key: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))
    changesets: Mapped[list[str]] = mapped_column(JSONText)
    changeset_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(128))


class PeerHead(Base):
    """Audit heads other sites' bundles stated (signed in their manifests): a later bundle
    whose history does not extend what was seen is refused."""

    __tablename__ = "peer_heads"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    audit_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_hash: Mapped[str] = mapped_column(String(64))
    bundle_id: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[str] = mapped_column(String(40))


class ReportPrinting(Base):
    """A printed report: the SHA-256 of its exact bytes (also in its audit entry) and the
    value hash of every record it was made from, so verify-report can name what changed."""

    __tablename__ = "report_printings"
    file_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    audit_seq: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(20))          # "report" or "approve"
    case_uid: Mapped[str] = mapped_column(String(36))
    fingerprint: Mapped[str] = mapped_column(String(71))
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(32))
    records: Mapped[dict[str, object]] = mapped_column(JSONText)


class TeamVersion(Base):
    """One signed version of the team list (services/team.py); the highest version rules."""

    __tablename__ = "team_versions"
    team_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)       # the canonical JSON that was signed
    signed_by: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[str] = mapped_column(String(40))


class MatchKey(Base):
    """Index: the normalised identifiers of live companies, persons and shipments (seen
    before, blocking). Kept in step by the write paths in the same transaction
    (db/match_index.py); derived, never synced."""

    __tablename__ = "match_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    uid: Mapped[str] = mapped_column(String(36), index=True)
    feature: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_match_keys_value", "value", "feature"),)


class SanctionList(Base):
    """A sanctions list loaded from its published files (local reference data, not synced)."""

    __tablename__ = "sanction_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    published: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    entries: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[str] = mapped_column(String(40))


class SanctionEntry(Base):
    """One entry of a sanctions list: its names, country and identifier keys for matching."""

    __tablename__ = "sanction_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("sanction_lists.id", ondelete="CASCADE"),
                                         index=True)
    entry_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(Text)
    program: Mapped[str | None] = mapped_column(Text)
    names: Mapped[list[str]] = mapped_column(JSONText)
    country: Mapped[str | None] = mapped_column(String(2))
    keys: Mapped[list[list[str]]] = mapped_column(JSONText)
    remarks: Mapped[str | None] = mapped_column(Text)


class ChartLayout(Base):
    """The saved layout of a case's link chart: node positions, pins, the layout used.

    Local view state of this database (like a window's geometry, but the report's network
    page draws from it too); not synced: each analyst arranges their own chart."""

    __tablename__ = "chart_layouts"
    case_uid: Mapped[str] = mapped_column(String(36), ForeignKey("cases.uid", ondelete="CASCADE"),
                                          primary_key=True)
    layout: Mapped[str] = mapped_column(String(20))
    positions: Mapped[dict[str, list[float]]] = mapped_column(JSONText)
    pinned: Mapped[list[str]] = mapped_column(JSONText)
    saved_at: Mapped[str] = mapped_column(String(40))
    saved_by: Mapped[str] = mapped_column(Text)
