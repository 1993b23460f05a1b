"""Lab results: a laboratory's analysis of a sample of an exhibit.

The accepted result of an exhibit is where its purity comes from: accepting one (adding it with
`accepted=yes`, or `accept`) sets the seizure's `purity_percent`, `lab_confirmed` and `lab_ref`
and un-accepts the exhibit's other results, all in the same unit of work, so the seizure's
new values travel in bundles with the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Attachment, LabResult, Substance
from caseapp.domain.records import LabResultRecord
from caseapp.domain.validation import Errors
from caseapp.errors import NotFoundError, ValidationError
from caseapp.services.custody import labelled, resolve_exhibit
from caseapp.services.records import RecordService

FIELD_ALIASES = {"lab": "laboratory", "purity": "purity_percent",
                 "uncertainty": "uncertainty_percent", "date": "analysed_on",
                 "report": "report_ref", "sample": "sample_id"}


class LabResultService(RecordService[LabResultRecord]):
    kind = "lab_result"
    key_field = "sample_id"
    case_scoped = True
    text_fields = ("sample_id", "laboratory", "method", "report_ref", "notes")
    default_sort = "analysed_on"

    def add_result(self, case: str, exhibit: str, raw: Mapping[str, Any]) -> LabResultRecord:
        """Record a lab result on an exhibit (named by exhibit ref or uid) of the case."""
        values = {FIELD_ALIASES.get(k, k): v for k, v in raw.items()}
        return self.add({**values, "exhibit": exhibit}, case=case)

    def accept(self, key: str, *, case: str | None = None) -> LabResultRecord:
        """Make this the exhibit's accepted result (the seizure's purity follows it)."""
        return self.edit(key, {"accepted": True}, case=case)

    def prepare(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
                existing: Mapping[str, Any] | None, case_uid: str | None) -> dict[str, Any]:
        try:
            return super().prepare(uow, raw, existing=existing, case_uid=case_uid)
        except ValidationError as exc:
            raise labelled(exc, self.kind, "lab result") from None

    def check_unique(self, session: Any, values: Mapping[str, Any], uid: str | None) -> None:
        """Sample ids need not be unique: a sample may be analysed twice."""

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        resolve_exhibit(uow, self, values, case_uid, errors)
        if values.get("substance"):
            try:
                values["substance"] = self.ws.substances.resolve_in(uow.session,
                                                                    values["substance"])
            except NotFoundError as exc:
                errors["substance"] = exc.message
        if values.get("attachment"):
            found = uow.session.execute(select(Attachment.uid).where(
                Attachment.case_uid == case_uid,
                (Attachment.uid == values["attachment"])
                | (Attachment.filename == values["attachment"]))).scalars().all()
            if len(found) != 1:
                errors["attachment"] = (f"No single attachment {values['attachment']!r} in the "
                                        "case; attach the report file first.")
            else:
                values["attachment"] = found[0]
        for name, label in (("purity_percent", "Purity"), ("uncertainty_percent",
                                                            "Uncertainty")):
            value = values.get(name)
            if value is not None and not 0 <= value <= 100:
                errors[name] = f"{label} must be between 0 and 100 % (got {value})."

    def after_write(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any],
                    case_uid: str | None) -> None:
        if not values.get("accepted"):
            return
        t = self.table
        others = uow.session.execute(select(t.c.uid).where(
            t.c.exhibit == values["exhibit"], t.c.accepted.is_(True), t.c.uid != uid)).scalars()
        for other in list(others):
            uow.update(self.kind, other, {"accepted": False})
        changes: dict[str, Any] = {"lab_confirmed": True,
                                   "lab_ref": values.get("report_ref") or values["sample_id"]}
        if values.get("purity_percent") is not None:
            changes["purity_percent"] = values["purity_percent"]
        uow.flush_rows()
        self.ws.seizures.edit_in(uow, values["exhibit"], changes)

    # --- reading -------------------------------------------------------------------------
    def case_results(self, case_uid: str) -> tuple[LabResultRecord, ...]:
        t = LabResult.__table__
        with self.ws.db.read() as s:
            rows = s.execute(select(t).where(t.c.case_uid == case_uid, t.c.deleted_at.is_(None))
                             .order_by(t.c.created_at, t.c.id)).mappings().all()
        return tuple(self.to_record(r) for r in rows)

    def substance_names(self, uids: set[str]) -> dict[str, str]:
        with self.ws.db.read() as s:
            return {str(u): str(n) for u, n in s.execute(
                select(Substance.uid, Substance.name).where(Substance.uid.in_(uids)))}

    # --- CSV import: a result repeats when its exhibit, sample and laboratory do -----------
    @staticmethod
    def import_key(values: Mapping[str, Any]) -> str:
        return "|".join(str(values.get(k, "")).strip().lower()
                        for k in ("exhibit", "sample_id", "laboratory"))

    def existing_in(self, uow: UnitOfWork, values: Mapping[str, Any],
                    case_uid: str) -> str | None:
        probe = self.prepare(uow, values, existing=None, case_uid=case_uid)
        t = self.table
        found = uow.session.execute(select(t.c.uid).where(
            t.c.case_uid == case_uid, t.c.exhibit == probe["exhibit"],
            t.c.sample_id == probe["sample_id"],
            t.c.laboratory.is_(probe["laboratory"]) if probe["laboratory"] is None
            else t.c.laboratory == probe["laboratory"])).scalar()
        return str(found) if found else None

