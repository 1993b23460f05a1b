"""Shipments: waybills and postal items, their route and the companies that moved them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caseapp.db.changelog import UnitOfWork
from caseapp.domain.records import ShipmentRecord
from caseapp.domain.validation import Errors
from caseapp.errors import NotFoundError
from caseapp.services.parties import ensure_party
from caseapp.services.records import RecordService

COMPANY_FIELDS = ("shipper", "consignee", "carrier")


class ShipmentService(RecordService[ShipmentRecord]):
    kind = "shipment"
    key_field = "ref"
    case_scoped = True
    text_fields = ("ref", "tracking_no", "declared_description", "notes")
    default_sort = "shipped_on"

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        for name in COMPANY_FIELDS:
            if values.get(name):
                try:
                    values[name] = self.ws.companies.resolve_ref_in(uow, values[name])
                except NotFoundError as exc:
                    errors[name] = exc.message

    def after_write(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any],
                    case_uid: str | None) -> None:
        for name in COMPANY_FIELDS:
            ensure_party(uow, values.get("case_uid"), "company", values.get(name))
