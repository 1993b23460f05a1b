"""Cases: create, edit, list, and show one with everything it holds and its key figures.

`CaseService.figures` is the one place a case's key figures are computed (an SQL aggregate
per seizure group); the Overview, `case show` and the report all read it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Case, Party, Seizure, Substance
from caseapp.domain.basis import FigureBasis, load_basis
from caseapp.domain.figures import CaseFigures, SeizureGroup, figures_from_groups
from caseapp.domain.quantities import YieldFactor
from caseapp.domain.records import (
    CaseRecord,
    LinkRecord,
    Record,
    SubstanceRecord,
)
from caseapp.errors import NotFoundError
from caseapp.paths import resources_dir
from caseapp.reports.data import CaseDetail
from caseapp.services import case_list
from caseapp.services.records import ListQuery, RecordService

DEFAULT_HANDLING = "LAW ENFORCEMENT SENSITIVE"

__all__ = ["DEFAULT_HANDLING", "CaseDetail", "CaseService", "records_by_uid"]


class CaseService(RecordService[CaseRecord]):
    kind = "case"
    key_field = "ref"
    text_fields = ("ref", "title", "lead_investigator", "agency", "summary")
    default_sort = case_list.DEFAULT_SORT  # one order with the driver's case list

    @cached_property
    def basis(self) -> FigureBasis:
        """The shipped assumptions of the figures (routes, salts, densities, yield factors)."""
        return load_basis(resources_dir())

    @property
    def yield_factors(self) -> Mapping[str, YieldFactor]:
        return self.basis.yield_factors

    def basis_of(self, case_uid: str) -> FigureBasis:
        """The assumptions of one case's figures: the shipped ones with its own route yield."""
        with self.ws.db.read() as s:
            value = s.execute(select(Case.route_yield).where(Case.uid == case_uid)).scalar()
        return self.basis.with_route_yield(None if value is None else Decimal(str(value)))

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
        results = ws.lab_results.case_results(case_uid)
        shipments = tuple(ws.shipments.list_all(ListQuery(**{**q.__dict__, "sort": "ref"})))
        companies, persons = tuple(ws.companies.list_all(q)), tuple(ws.persons.list_all(q))
        seen = ws.seen.for_case(case_uid, {
            "company": [r.uid for r in companies], "person": [r.uid for r in persons],
            "shipment": [r.uid for r in shipments]})
        return CaseDetail(
            case=case,
            seizures=tuple(seizures),
            shipments=shipments,
            companies=companies,
            persons=persons,
            links=tuple(ws.links.list_all(q)),
            notes=tuple(ws.notes.list_all(q)),
            substances=subs,
            figures=self.figures(case_uid),
            yield_factors=self.yield_factors,
            custody=ws.custody.case_events(case_uid),
            lab_results=results,
            attachments=tuple(ws.attachments.list_all(q)),
            custody_warnings=tuple(ws.custody.warnings(case_uid, tuple(seizures), results)),
            basis=self.basis_of(case_uid),
            seen_in=seen,
        )

    def figures(self, case_uid: str, *, sources: bool = True) -> CaseFigures:
        """Key figures of the live seizures of the case `case_uid`, summed in SQL.

        With `sources`, each figure lists the exhibit refs it comes from (what `case show`
        and the report cite); the Overview of a million-seizure case goes without.
        """
        groups = self.seizure_groups(case_uid, sources=sources)
        subs = self._substances({g.substance for g in groups})
        return figures_from_groups(groups, subs, self.basis_of(case_uid))

    def seizure_groups(self, case_uid: str, *, sources: bool = True) -> list[SeizureGroup]:
        """The case's live seizures summed per (substance, unit, density, tablet weight,
        purity): one row per group, however many seizures (`SeizureGroup`)."""
        t = Seizure.__table__
        keys = (t.c.substance, t.c.unit, t.c.density_kg_per_l, t.c.tablet_weight_mg,
                t.c.purity_percent)
        cols = [*keys, func.sum(t.c.net_quantity), func.count()]
        if sources:
            cols.append(func.json_group_array(t.c.exhibit_ref))
        query = (select(*cols).where(t.c.case_uid == case_uid, t.c.deleted_at.is_(None))
                 .group_by(*keys))
        out = []
        with self.ws.db.read() as s:
            for row in s.execute(query):
                # SQLite sums the stored floats; 9 decimals undo the float noise of the sum.
                total = Decimal(str(round(float(row[5]), 9)))
                exhibits = tuple(json.loads(row[7])) if sources else ()
                out.append(SeizureGroup(row[0], row[1], row[2], row[3], row[4], total,
                                        int(row[6]), exhibits))
        return out

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
