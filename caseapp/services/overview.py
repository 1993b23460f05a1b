"""Key figures of one case for the window's Overview tab (aggregated in SQL: a case may hold
a million seizures)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from caseapp.domain.figures import CaseFigures, compute_figures
from caseapp.domain.records import CaseRecord, CompanyRecord, SeizureRecord, SubstanceRecord
from caseapp.domain.validation import country_name
from caseapp.services.records import ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


@dataclass(frozen=True)
class CaseOverview:
    """What the Overview tab shows: counts, per-substance totals, countries, conflicts."""

    case: CaseRecord
    seizures: int
    shipments: int
    persons: int
    links: int
    notes: int
    companies_by_country: tuple[tuple[str, int], ...]   # ("China (CN)", 3), most first
    figures: CaseFigures
    open_conflicts: int


class OverviewService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def overview(self, case_uid: str) -> CaseOverview:
        """Figures of the case `case_uid`; reads every live seizure of the case once."""
        ws = self.ws
        q = ListQuery(case_uid=case_uid)
        case = ws.cases.get(case_uid)
        seizures, counts = self._seizure_groups(case_uid)
        uids = {s.substance for s in seizures}
        subs = {}
        for uid in uids:
            rec = ws.substances.get(uid)
            if isinstance(rec, SubstanceRecord):
                subs[uid] = rec
        companies = [c for c in ws.companies.list_all(q) if isinstance(c, CompanyRecord)]
        countries = Counter(
            f"{country_name(c.country)} ({c.country})" if c.country else "Unknown"
            for c in companies)
        figures = compute_figures(seizures, subs, ws.cases.yield_factors)
        for fig in figures.substances:
            fig.seizures = counts.get(fig.substance_uid, 0)
            fig.exhibits = []
        return CaseOverview(
            case=case,  # type: ignore[arg-type]
            seizures=sum(counts.values()), shipments=ws.shipments.count(q),
            persons=ws.persons.count(q), links=ws.links.count(q), notes=ws.notes.count(q),
            companies_by_country=tuple(countries.most_common()),
            figures=figures,
            open_conflicts=self._open_conflicts(case_uid))

    def _seizure_groups(self, case_uid: str) -> tuple[list[SeizureRecord], dict[str, int]]:
        """Seizures summed in SQL per (substance, unit, density, tablet weight, purity).

        Net and pure kg are linear in the net quantity within such a group, so the figures
        of the groups equal the figures of the rows; a million-row case reads a few hundred
        groups instead of a million records.
        """
        t = self.ws.seizures.table
        keys = (t.c.substance, t.c.unit, t.c.density_kg_per_l, t.c.tablet_weight_mg,
                t.c.purity_percent)
        query = (select(*keys, func.sum(t.c.net_quantity), func.count())
                 .where(t.c.case_uid == case_uid, t.c.deleted_at.is_(None)).group_by(*keys))
        out: list[SeizureRecord] = []
        counts: dict[str, int] = {}
        with self.ws.db.read() as s:
            for i, row in enumerate(s.execute(query)):
                sub, unit, density, tablet, purity, total, n = row
                counts[sub] = counts.get(sub, 0) + int(n)
                out.append(SeizureRecord(
                    uid=f"group-{i}", case_uid=case_uid, exhibit_ref=f"group-{i:06d}",
                    seized_on=dt.date.today(), substance=sub, unit=unit,
                    net_quantity=Decimal(str(round(float(total), 9))),
                    density_kg_per_l=density, tablet_weight_mg=tablet, purity_percent=purity))
        return out, counts

    def _open_conflicts(self, case_uid: str) -> int:
        try:
            from caseapp.services.conflicts import ConflictService
        except ImportError:  # conflicts arrive with the bundle feature
            return 0
        return len(ConflictService(self.ws).list_open(case_uid))
