"""Search across every record kind: cases, companies, persons, shipments, seizures,
substances and notes. Hits come grouped by kind, best first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, or_, select, type_coerce

from caseapp.db.models import Case, Company, Note, Person, Seizure, Shipment, Substance
from caseapp.domain.substances import is_cas_like

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


@dataclass(frozen=True)
class SearchHit:
    kind: str
    uid: str
    title: str
    detail: str
    case_uid: str | None


# kind -> (model, title column, detail columns, searched columns)
SEARCHED: dict[str, tuple[Any, str, tuple[str, ...], tuple[str, ...]]] = {
    "case": (Case, "ref", ("title",), ("ref", "title", "summary", "lead_investigator")),
    "company": (Company, "name", ("name_original", "country"),
                ("name", "name_original", "aliases", "registration_no", "phones", "emails",
                 "website", "address", "notes")),
    "person": (Person, "full_name", ("nationality",),
               ("full_name", "aliases", "phones", "emails", "notes")),
    "shipment": (Shipment, "ref", ("tracking_no", "declared_description"),
                 ("ref", "tracking_no", "declared_description", "notes")),
    "seizure": (Seizure, "exhibit_ref", ("place", "seized_on"),
                ("exhibit_ref", "place", "lab_ref", "concealment", "notes")),
    "substance": (Substance, "name", ("cas",), ("name", "synonyms", "cas", "hs_code")),
    "note": (Note, "body", ("author",), ("body",)),
}


class SearchService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def search(self, text: str, *, limit_per_kind: int = 50) -> list[SearchHit]:
        """Records whose text fields contain every word of `text` (case-insensitive)."""
        words = [w for w in text.split() if w]
        if not words:
            return []
        hits: list[SearchHit] = []
        with self.ws.db.read() as s:
            if is_cas_like(text):
                hits += self._substance_by_cas(s, text)
            for kind, (model, title, details, columns) in SEARCHED.items():
                table = model.__table__
                clauses = [or_(*(type_coerce(table.c[c], Text).ilike(f"%{w}%") for c in columns)) for w in words]
                query = select(table).where(table.c.deleted_at.is_(None), *clauses)
                for row in s.execute(query.limit(limit_per_kind)).mappings():
                    hit = SearchHit(kind, row["uid"], str(row[title])[:120],
                                    " · ".join(str(row[d]) for d in details if row[d]),
                                    row.get("case_uid"))
                    if hit not in hits:
                        hits.append(hit)
        return hits

    def _substance_by_cas(self, s: Any, text: str) -> list[SearchHit]:
        try:
            uid = self.ws.substances.resolve_in(s, text)
        except Exception:  # noqa: BLE001 - an unknown CAS is simply no hit
            return []
        rec = self.ws.substances.get_in(s, uid)
        return [SearchHit("substance", uid, rec.name, rec.cas or "", None)]  # type: ignore[attr-defined]
