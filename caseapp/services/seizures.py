"""Seizures: what was seized, where, how much and how pure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, or_, select, type_coerce

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import table_of
from caseapp.domain.records import SeizureRecord
from caseapp.domain.validation import Errors
from caseapp.errors import NotFoundError, ValidationError
from caseapp.services.records import RecordService


class SeizureService(RecordService[SeizureRecord]):
    kind = "seizure"
    key_field = "exhibit_ref"
    case_scoped = True
    text_fields = ("exhibit_ref", "place", "agency", "lab_ref", "concealment", "notes")
    default_sort = "seized_on"

    def text_clauses(self, pattern: str) -> list[Any]:
        """A filter for `NPP` also finds seizures of the substance of that name, synonym,
        abbreviation or CAS number."""
        subs = table_of("substance")
        named = select(subs.c.uid).where(or_(*(
            type_coerce(subs.c[n], Text).ilike(pattern) for n in ("name", "synonyms", "cas"))))
        return [*super().text_clauses(pattern), self.table.c.substance.in_(named)]

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        substance = values.get("substance")
        if substance:
            memo = ("substance", substance)  # a file names a few substances many times
            try:
                if memo not in uow.memo:
                    if uow.has_pending("substance"):  # the catalogue index reads the table
                        uow.flush_rows()
                    uow.memo[memo] = self.ws.substances.resolve_in(uow.session, substance)
                values["substance"] = uow.memo[memo]
            except NotFoundError as exc:
                errors["substance"] = exc.message
        if values.get("shipment"):
            try:
                values["shipment"] = self.ws.shipments.resolve_ref_in(uow, values["shipment"],
                                                                      case_uid)
            except (NotFoundError, ValidationError) as exc:
                errors["shipment"] = exc.message
