"""Links: typed, graded edges of the precursor network (data-model.md, Link)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caseapp.db.changelog import UnitOfWork
from caseapp.domain.kinds import NODE_SERVICES
from caseapp.domain.records import LinkRecord
from caseapp.domain.validation import Errors
from caseapp.errors import NotFoundError, ValidationError
from caseapp.services.parties import ensure_party
from caseapp.services.records import RecordService


class LinkService(RecordService[LinkRecord]):
    kind = "link"
    case_scoped = True
    text_fields = ("relation", "evidence")
    default_sort = "id"

    def resolve_node(self, uow: UnitOfWork, node_kind: str, key: str,
                     case_uid: str | None) -> str:
        service: RecordService[Any] = getattr(self.ws, NODE_SERVICES[node_kind])
        return service.resolve_ref_in(uow, key, case_uid)

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        existing_case = case_uid
        for side in ("subject", "object"):
            kind = values.get(f"{side}_kind")
            if values.get(side) and kind in NODE_SERVICES:
                try:
                    values[side] = self.resolve_node(uow, kind, values[side], existing_case)
                except (NotFoundError, ValidationError) as exc:
                    errors[side] = exc.message
            elif values.get(side) and not kind:
                errors[f"{side}_kind"] = f"Say what kind of record the {side} is."

    def after_write(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any],
                    case_uid: str | None) -> None:
        for side in ("subject", "object"):
            kind = values.get(f"{side}_kind")
            if kind in ("company", "person"):
                ensure_party(uow, values.get("case_uid"), kind, values.get(side))
