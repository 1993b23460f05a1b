"""Key figures of one case for the window's Overview tab (aggregated in SQL: a case may hold
a million seizures). The figures and the open conflicts come from the one definition of each
(`CaseService.figures`, `conflicts.open_conflicts`) that `case show` and the report use too."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from caseapp.domain.figures import CaseFigures
from caseapp.domain.records import CaseRecord
from caseapp.domain.validation import country_name
from caseapp.services.conflicts import ConflictService
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
        """Figures of the case `case_uid`, summed in SQL (`CaseService.figures`, without the
        exhibit lists), and its open conflicts (`conflicts.open_conflicts`)."""
        ws = self.ws
        q = ListQuery(case_uid=case_uid)
        case = ws.cases.get(case_uid)
        figures = ws.cases.figures(case_uid, sources=False)
        companies = ws.companies.list_all(q)
        countries = Counter(
            f"{country_name(c.country)} ({c.country})" if c.country else "Unknown"
            for c in companies)
        return CaseOverview(
            case=case,
            seizures=sum(f.seizures for f in figures.substances),
            shipments=ws.shipments.count(q),
            persons=ws.persons.count(q), links=ws.links.count(q), notes=ws.notes.count(q),
            companies_by_country=tuple(countries.most_common()),
            figures=figures,
            open_conflicts=ConflictService(ws).count_open(case_uid))
