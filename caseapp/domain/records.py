"""Records: frozen dataclasses that services return and views display.

Every syncable field is declared with a spec helper from `fields.py`; `field_specs(kind)` reads
them back, so the dataclass is the single description of a record kind.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal
from functools import cache
from typing import Any

from caseapp.domain import fields as f
from caseapp.domain import types as t
from caseapp.domain.fields import FieldSpec


@dataclass(frozen=True, kw_only=True)
class Record:
    """Fields every syncable record has. `deleted_at` travels as an ordinary field."""

    uid: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    created_by: str | None = None
    deleted_at: str | None = f.datetime_(label="Deleted at")

    KIND = ""

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def values(self) -> dict[str, Any]:
        """Syncable field values by name."""
        return {s.name: getattr(self, s.name) for s in field_specs(self.KIND)}


@dataclass(frozen=True, kw_only=True)
class CaseRecord(Record):
    KIND = "case"
    ref: str = f.text(required=True, label="Reference")
    title: str = f.text(required=True)
    status: str = f.enum(*t.CASE_STATUSES, required=True)
    opened_on: Date | None = f.date(label="Opened on")
    closed_on: Date | None = f.date(label="Closed on")
    lead_investigator: str | None = f.text()
    agency: str | None = f.text()
    handling: str | None = f.text(label="Handling marking")
    summary: str | None = f.text()
    route_yield: Decimal | None = f.decimal(label="Route yield (0-1, blank: route table)")


@dataclass(frozen=True, kw_only=True)
class SubstanceRecord(Record):
    KIND = "substance"
    name: str = f.text(required=True)
    synonyms: tuple[str, ...] = f.listing()
    cas: str | None = f.text(label="CAS number")
    kind: str = f.enum(*t.SUBSTANCE_KINDS, required=True)
    un_table: str | None = f.enum(*t.UN_TABLES, label="UN table")
    hs_code: str | None = f.text(label="HS code")
    family: str | None = f.text()
    formula: str | None = f.text()
    molar_mass: Decimal | None = f.decimal(label="Molar mass (g/mol)")
    source: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class CompanyRecord(Record):
    KIND = "company"
    name: str = f.text(required=True)
    name_original: str | None = f.text(label="Original-script name")
    aliases: tuple[str, ...] = f.listing()
    country: str | None = f.text()
    address: str | None = f.text()
    city: str | None = f.text()
    registration_no: str | None = f.text(label="Registration no.")
    roles: tuple[str, ...] = f.listing()
    website: str | None = f.text()
    emails: tuple[str, ...] = f.listing()
    phones: tuple[str, ...] = f.listing()
    sanctioned: bool = f.boolean()
    sanctions_note: str | None = f.text()
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class PersonRecord(Record):
    KIND = "person"
    full_name: str = f.text(required=True)
    aliases: tuple[str, ...] = f.listing()
    nationality: str | None = f.text()
    date_of_birth: Date | None = f.date(label="Date of birth")
    role_note: str | None = f.text()
    emails: tuple[str, ...] = f.listing()
    phones: tuple[str, ...] = f.listing()
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class PartyRecord(Record):
    """A company or person taking part in a case (how shared records belong to cases)."""

    KIND = "party"
    case_uid: str = f.ref("case", required=True, label="Case")
    party_kind: str = f.kind_of(*t.PARTY_KINDS, required=True)
    party_uid: str = f.text(required=True)
    role_note: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class ShipmentRecord(Record):
    KIND = "shipment"
    case_uid: str = f.ref("case", required=True, label="Case")
    ref: str = f.text(required=True, label="Reference")
    tracking_no: str | None = f.text(label="Tracking no.")
    mode: str | None = f.enum(*t.SHIPMENT_MODES)
    shipper: str | None = f.ref("company")
    consignee: str | None = f.ref("company")
    carrier: str | None = f.ref("company")
    origin_country: str | None = f.text()
    transit_countries: tuple[str, ...] = f.listing()
    destination_country: str | None = f.text()
    declared_description: str | None = f.text()
    declared_hs_code: str | None = f.text(label="Declared HS code")
    shipped_on: Date | None = f.date()
    arrived_on: Date | None = f.date()
    gross_weight_kg: Decimal | None = f.decimal(label="Gross weight (kg)")
    status: str | None = f.enum(*t.SHIPMENT_STATUSES)
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class SeizureRecord(Record):
    KIND = "seizure"
    case_uid: str = f.ref("case", required=True, label="Case")
    exhibit_ref: str = f.text(required=True, label="Exhibit")
    seized_on: Date = f.date(required=True, label="Seized on")
    place: str | None = f.text()
    country: str | None = f.text()
    latitude: Decimal | None = f.decimal()
    longitude: Decimal | None = f.decimal()
    agency: str | None = f.text()
    substance: str = f.ref("substance", required=True)
    form: str | None = f.enum(*t.SEIZURE_FORMS)
    net_quantity: Decimal = f.decimal(required=True, label="Net quantity")
    unit: str = f.enum(*t.UNITS, required=True)
    gross_quantity: Decimal | None = f.decimal(label="Gross quantity")
    density_kg_per_l: Decimal | None = f.decimal(label="Density (kg/L)")
    tablet_weight_mg: Decimal | None = f.decimal(label="Tablet weight (mg)")
    purity_percent: Decimal | None = f.decimal(label="Purity %")
    lab_confirmed: bool = f.boolean()
    lab_ref: str | None = f.text(label="Lab ref")
    shipment: str | None = f.ref("shipment")
    concealment: str | None = f.text()
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class LinkRecord(Record):
    KIND = "link"
    case_uid: str = f.ref("case", required=True, label="Case")
    subject_kind: str = f.kind_of(*t.LINK_NODE_KINDS, required=True)
    subject: str = f.text(required=True)
    relation: str = f.enum(*t.RELATIONS, required=True)
    object_kind: str = f.kind_of(*t.LINK_NODE_KINDS, required=True)
    object: str = f.text(required=True)
    evidence: str | None = f.text()
    source_reliability: str | None = f.enum(*t.SOURCE_RELIABILITY)
    info_credibility: str | None = f.enum(*t.INFO_CREDIBILITY)
    first_seen: Date | None = f.date()
    last_seen: Date | None = f.date()


@dataclass(frozen=True, kw_only=True)
class NoteRecord(Record):
    KIND = "note"
    case_uid: str = f.ref("case", required=True, label="Case")
    target_kind: str | None = f.text()
    target_uid: str | None = f.text()
    body: str = f.text(required=True)
    author: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class AttachmentRecord(Record):
    KIND = "attachment"
    case_uid: str = f.ref("case", required=True, label="Case")
    target_kind: str | None = f.text()
    target_uid: str | None = f.text()
    filename: str = f.text(required=True)
    media_type: str | None = f.text()
    size: int = f.integer(required=True)
    sha256: str = f.text(required=True)


@dataclass(frozen=True, kw_only=True)
class CustodyRecord(Record):
    """One event in an exhibit's chain of custody. Append-only: a correction is a new event
    whose `corrects` names the event it replaces (docs/custody.md)."""

    KIND = "custody"
    case_uid: str = f.ref("case", required=True, label="Case")
    exhibit: str = f.ref("seizure", required=True, label="Exhibit")
    event: str = f.enum(*t.CUSTODY_EVENTS, required=True)
    at: str = f.datetime_(required=True, label="Time")
    released_by: str | None = f.text(label="From (released by)")
    received_by: str | None = f.text(label="To (received by)")
    purpose: str | None = f.text()
    location: str | None = f.text()
    seal_no: str | None = f.text(label="Seal no.")
    seal_intact: str | None = f.enum(*t.YES_NO, label="Seal intact")
    condition: str | None = f.text()
    witness: str | None = f.text()
    authority: str | None = f.text()
    sample_id: str | None = f.text(label="Sample id")
    corrects: str | None = f.ref("custody", label="Corrects event")
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class LabResultRecord(Record):
    """A laboratory's analysis of a sample of an exhibit; the accepted one sets the seizure's
    purity and `lab_confirmed`."""

    KIND = "lab_result"
    case_uid: str = f.ref("case", required=True, label="Case")
    exhibit: str = f.ref("seizure", required=True, label="Exhibit")
    sample_id: str = f.text(required=True, label="Sample id")
    laboratory: str | None = f.text()
    method: str | None = f.text()
    substance: str | None = f.ref("substance", label="Identified substance")
    purity_percent: Decimal | None = f.decimal(label="Purity %")
    uncertainty_percent: Decimal | None = f.decimal(label="Uncertainty ± %")
    analysed_on: Date | None = f.date(label="Analysed on")
    report_ref: str | None = f.text(label="Lab report ref")
    attachment: str | None = f.ref("attachment", label="Report file")
    accepted: bool = f.boolean()
    notes: str | None = f.text()


@dataclass(frozen=True, kw_only=True)
class DecisionRecord(Record):
    """An analyst's decision on a possible duplicate pair (two companies or two persons) or
    on a screening hit (a record and a sanctions-list entry, `b_uid` "LIST:ENTRY")."""

    KIND = "decision"
    case_uid: str = f.ref("case", required=True, label="Case")
    subject_kind: str = f.enum("company", "person", "sanction", required=True)
    a_uid: str = f.text(required=True)
    b_uid: str = f.text(required=True)
    verdict: str = f.enum("same", "different", "unsure", required=True)
    note: str | None = f.text()


RECORD_TYPES: dict[str, type[Record]] = {
    cls.KIND: cls
    for cls in (
        CaseRecord, SubstanceRecord, CompanyRecord, PersonRecord, PartyRecord,
        ShipmentRecord, SeizureRecord, LinkRecord, NoteRecord, AttachmentRecord,
        CustodyRecord, LabResultRecord,
        DecisionRecord,
    )
}

# Parents first: the order in which new rows of one transaction are inserted.
KIND_ORDER = tuple(RECORD_TYPES)
# Records that are evidence: sync never erases them.
EVIDENTIAL_KINDS = frozenset({"seizure", "note", "attachment", "custody", "lab_result"})
META_FIELDS = ("uid", "created_at", "updated_at", "created_by")


@cache
def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    """The syncable fields of a kind, in declaration order (`deleted_at` last)."""
    cls = RECORD_TYPES[kind]
    specs = [
        dataclasses.replace(fld.metadata["spec"], name=fld.name)
        for fld in dataclasses.fields(cls)
        if "spec" in fld.metadata
    ]
    specs.sort(key=lambda s: s.name == "deleted_at")
    return tuple(specs)


@cache
def spec_map(kind: str) -> dict[str, FieldSpec]:
    return {s.name: s for s in field_specs(kind)}


def make_record(kind: str, uid: str, values: dict[str, Any], meta: dict[str, Any]) -> Record:
    """Build a record from field values (already parsed) and meta columns."""
    cls = RECORD_TYPES[kind]
    return cls(uid=uid, **{k: meta.get(k) for k in META_FIELDS if k != "uid"}, **values)
