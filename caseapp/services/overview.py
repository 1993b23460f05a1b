"""Key figures of one case for the window's Overview tab."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        seizures = [r for r in ws.seizures.list_all(q) if isinstance(r, SeizureRecord)]
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
        return CaseOverview(
            case=case,  # type: ignore[arg-type]
            seizures=len(seizures), shipments=ws.shipments.count(q),
            persons=ws.persons.count(q), links=ws.links.count(q), notes=ws.notes.count(q),
            companies_by_country=tuple(countries.most_common()),
            figures=compute_figures(seizures, subs, ws.cases.yield_factors),
            open_conflicts=self._open_conflicts(case_uid))

    def _open_conflicts(self, case_uid: str) -> int:
        try:
            from caseapp.services.conflicts import ConflictService
        except ImportError:  # conflicts arrive with the bundle feature
            return 0
        return len(ConflictService(self.ws).list_open(case_uid))
