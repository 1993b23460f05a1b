"""Notes on a case or on one of its records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caseapp.db.changelog import UnitOfWork
from caseapp.domain.records import NoteRecord
from caseapp.services.records import RecordService


class NoteService(RecordService[NoteRecord]):
    kind = "note"
    case_scoped = True
    text_fields = ("body", "author")
    default_sort = "created_at"

    def prepare(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
                existing: Mapping[str, Any] | None, case_uid: str | None) -> dict[str, Any]:
        if existing is None and not raw.get("author"):
            raw = {**raw, "author": self.ws.identity.actor}
        return super().prepare(uow, raw, existing=existing, case_uid=case_uid)
