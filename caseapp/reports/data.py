"""A case as plain, frozen data (no session, no ORM, no Qt), and what a report adds to it.

`CaseDetail` is the one case-detail type: `case show` prints it, the report is rendered from it
(its records and figures are what the fingerprint covers); `ReportContext` holds the facts of
the moment of printing (time, who, audit head, open conflicts, audit entries), which it does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from caseapp.domain.basis import FigureBasis
from caseapp.domain.custody import CustodyWarning
from caseapp.domain.figures import CaseFigures
from caseapp.domain.quantities import YieldFactor
from caseapp.domain.records import (
    AttachmentRecord,
    CaseRecord,
    CompanyRecord,
    CustodyRecord,
    LabResultRecord,
    LinkRecord,
    NoteRecord,
    PersonRecord,
    SeizureRecord,
    ShipmentRecord,
    SubstanceRecord,
)


@dataclass(frozen=True)
class CaseDetail:
    """One case and everything it holds, as plain records, with its key figures and the
    yield factors they used: what `case show` prints and a report's numbers come from."""

    case: CaseRecord
    seizures: tuple[SeizureRecord, ...]
    shipments: tuple[ShipmentRecord, ...]
    companies: tuple[CompanyRecord, ...]
    persons: tuple[PersonRecord, ...]
    links: tuple[LinkRecord, ...]
    notes: tuple[NoteRecord, ...]
    substances: Mapping[str, SubstanceRecord]
    figures: CaseFigures
    yield_factors: Mapping[str, YieldFactor]
    # Exhibits (docs/custody.md): custody events in recording order, lab results, the case's
    # attachments, and the continuity and lab warnings.
    custody: tuple[CustodyRecord, ...] = ()
    lab_results: tuple[LabResultRecord, ...] = ()
    attachments: tuple[AttachmentRecord, ...] = ()
    custody_warnings: tuple[CustodyWarning, ...] = ()
    basis: FigureBasis = field(default_factory=FigureBasis)
    # uid -> other cases where the company, person or shipment is seen (services/seen.py)
    seen_in: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)

    def name_of(self, kind: str, uid: str | None) -> str:
        """A readable name for a record of the case; never its uid (a note has no name: "")."""
        if uid is None:
            return ""
        if kind == "substance":
            sub = self.substances.get(uid)
            return sub.name if sub else uid
        if kind == "link":
            for link in self.links:
                if link.uid == uid:
                    return (f"{self.name_of(link.subject_kind, link.subject)} "
                            f"{link.relation.replace('_', ' ')} "
                            f"{self.name_of(link.object_kind, link.object)}")
        if kind == "custody":
            for e in self.custody:
                if e.uid == uid:
                    return (f"{e.event.replace('_', ' ')} of "
                            f"{self.name_of('seizure', e.exhibit)} at {e.at}")
        if kind == "lab_result":
            for r in self.lab_results:
                if r.uid == uid:
                    return f"sample {r.sample_id} of {self.name_of('seizure', r.exhibit)}"
        pools = {"company": (self.companies, "name"), "person": (self.persons, "full_name"),
                 "attachment": (self.attachments, "filename"),
                 "shipment": (self.shipments, "ref"), "seizure": (self.seizures, "exhibit_ref"),
                 "case": ((self.case,), "ref")}
        records, attr = pools.get(kind, ((), ""))
        for rec in records:
            if rec.uid == uid:
                return str(getattr(rec, attr))
        return "" if not records else "(not in this report)"  # never a bare uid


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as the appendix prints it."""

    seq: int
    at: str
    actor: str
    action: str
    kind: str | None
    record: str
    fields: tuple[str, ...]
    detail: str | None


@dataclass(frozen=True)
class ReportContext:
    """Facts of the moment a report is printed; not part of the fingerprint."""

    generated_at: dt.datetime
    prepared_by: str
    audit_head_seq: int
    audit_head_hash: str
    open_conflicts: int
    audit_lines: tuple[AuditLine, ...]
    audit_total: int
    # "KEY_ID:SIGNATURE": the printing investigator's signature over the case, fingerprint
    # and audit head (services/reporting.py head_payload); empty when unsigned.
    head_signature: str = ""
    # `screen --json` for the case at the time of printing (services/screening.py), or None
    screening: Mapping[str, Any] | None = None
    # The case's saved link-chart layout (node id -> x, y; services/chart_layouts.py), if any
    chart_layout: Mapping[str, tuple[float, float]] | None = None


@dataclass(frozen=True)
class ReportResult:
    """A written report: where, how many pages, and the fingerprint printed on them."""

    path: str
    pages: int
    fingerprint: str
    # Where the sign-off block was drawn: (page index, x1, y1, x2, y2) in PDF points.
    sign_off_box: tuple[int, float, float, float, float] | None = None
    # SHA-256 of the exact bytes of the signed file (recorded in the printing's audit entry).
    sha256: str = ""
