"""Cases: create, edit, list, and show one with everything it holds and its key figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Case, Party, Substance
from caseapp.domain.figures import CaseFigures, compute_figures
from caseapp.domain.quantities import YieldFactor, load_yield_factors
from caseapp.domain.records import (
    CaseRecord,
    CompanyRecord,
    LinkRecord,
    NoteRecord,
    PersonRecord,
    Record,
    SeizureRecord,
    ShipmentRecord,
    SubstanceRecord,
)
from caseapp.errors import NotFoundError
from caseapp.paths import resources_dir
from caseapp.services.records import ListQuery, RecordService

DEFAULT_HANDLING = "LAW ENFORCEMENT SENSITIVE"


@dataclass(frozen=True)
class CaseDetail:
    """One case and everything it holds, as plain records."""

    case: CaseRecord
    seizures: tuple[SeizureRecord, ...]
    shipments: tuple[ShipmentRecord, ...]
    companies: tuple[CompanyRecord, ...]
    persons: tuple[PersonRecord, ...]
    links: tuple[LinkRecord, ...]
    notes: tuple[NoteRecord, ...]
    substances: Mapping[str, SubstanceRecord]
    figures: CaseFigures

    def name_of(self, kind: str, uid: str | None) -> str:
        """A readable name for a record the case refers to."""
        if uid is None:
            return ""
        pools: dict[str, Any] = {
            "company": self.companies, "person": self.persons, "shipment": self.shipments,
            "seizure": self.seizures}
        if kind == "substance":
            sub = self.substances.get(uid)
            return sub.name if sub else uid
        for rec in pools.get(kind, ()):
            if rec.uid == uid:
                return str(getattr(rec, {"company": "name", "person": "full_name",
                                         "shipment": "ref", "seizure": "exhibit_ref"}[kind]))
        return uid


class CaseService(RecordService):
    kind = "case"
    key_field = "ref"
    text_fields = ("ref", "title", "lead_investigator", "agency", "summary")
    default_sort = "ref"

    @cached_property
    def yield_factors(self) -> dict[str, YieldFactor]:
        return load_yield_factors(resources_dir() / "reference")

    def case_uid_in(self, session: Session, key: str) -> str:
        """The uid of the case named by ref or uid; NotFoundError otherwise."""
        row = session.execute(select(Case.uid).where(
            or_(Case.uid == key, func.lower(Case.ref) == str(key).strip().lower()))).first()
        if row is None:
            raise NotFoundError(f"No case {key!r}.", kind="case", key=str(key))
        return str(row[0])

    def prepare(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
                existing: Mapping[str, Any] | None, case_uid: str | None) -> dict[str, Any]:
        if existing is None:
            today = dt.datetime.now(dt.UTC).date().isoformat()
            raw = {"status": "open", "opened_on": today, "handling": DEFAULT_HANDLING, **raw}
        return super().prepare(uow, raw, existing=existing, case_uid=case_uid)

    def check_unique(self, session: Session, values: Mapping[str, Any],
                     uid: str | None) -> None:
        from caseapp.errors import ConflictError
        query = select(Case.uid).where(func.lower(Case.ref) == values["ref"].lower())
        if uid:
            query = query.where(Case.uid != uid)
        if session.execute(query).first():
            raise ConflictError(f"Case reference {values['ref']!r} is already taken.")

    def show(self, key: str, *, include_deleted: bool = False) -> CaseDetail:
        """The case named by ref or uid with all its records and figures."""
        with self.ws.db.read() as s:
            case_uid = self.case_uid_in(s, key)
            case = self.get_in(s, case_uid)
        q = ListQuery(case_uid=case_uid, include_deleted=include_deleted)
        ws = self.ws
        seizures = ws.seizures.list_all(ListQuery(**{**q.__dict__, "sort": "exhibit_ref"}))
        subs = self._substances({r.substance for r in seizures} | self._linked_substances(q))
        live = [r for r in seizures if isinstance(r, SeizureRecord)]
        return CaseDetail(
            case=case,  # type: ignore[arg-type]
            seizures=tuple(live),
            shipments=tuple(ws.shipments.list_all(ListQuery(**{**q.__dict__, "sort": "ref"}))),
            companies=tuple(ws.companies.list_all(q)),
            persons=tuple(ws.persons.list_all(q)),
            links=tuple(ws.links.list_all(q)),
            notes=tuple(ws.notes.list_all(q)),
            substances=subs,
            figures=compute_figures(live, subs, self.yield_factors),
        )  # type: ignore[arg-type]

    def _linked_substances(self, q: ListQuery) -> set[str]:
        uids = set()
        for link in self.ws.links.list_all(q):
            assert isinstance(link, LinkRecord)
            for kind, uid in ((link.subject_kind, link.subject), (link.object_kind, link.object)):
                if kind == "substance":
                    uids.add(uid)
        return uids

    def _substances(self, uids: set[str]) -> dict[str, SubstanceRecord]:
        with self.ws.db.read() as s:
            rows = s.execute(select(Substance.__table__).where(Substance.uid.in_(uids)))
            out = {}
            for row in rows.mappings():
                rec = self.ws.substances.to_record(row)
                assert isinstance(rec, SubstanceRecord)
                out[rec.uid] = rec
            return out

    def party_count(self, case_uid: str) -> int:
        with self.ws.db.read() as s:
            return int(s.execute(select(func.count()).select_from(Party).where(
                Party.case_uid == case_uid, Party.deleted_at.is_(None))).scalar() or 0)


def records_by_uid(records: tuple[Record, ...]) -> dict[str, Record]:
    return {r.uid: r for r in records}
