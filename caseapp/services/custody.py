"""Chain of custody: append-only events per exhibit, and the continuity warnings of a case.

An event is never edited or deleted: a correction is a new event whose `corrects` names the
event it replaces (docs/custody.md). Events are ordinary records written through the unit of
work, so they are signed ops and travel in case bundles.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import CustodyEvent
from caseapp.domain.custody import (
    CustodyWarning,
    continuity_warnings,
    current_holder,
    lab_warnings,
)
from caseapp.domain.records import CustodyRecord, LabResultRecord, SeizureRecord
from caseapp.domain.validation import Errors
from caseapp.errors import ConflictError, NotFoundError, ValidationError
from caseapp.services.records import RecordService

# How far ahead of this machine's clock an event may be dated (clocks differ a little).
FUTURE_SLACK = dt.timedelta(minutes=10)
FIELD_ALIASES = {"from": "released_by", "to": "received_by", "seal": "seal_no",
                 "time": "at", "date": "at"}
APPEND_ONLY = ("Custody events are append-only: record a correction (a new event with "
               "corrects=UID of the event it replaces) instead.")


def labelled(exc: ValidationError, kind: str, label: str) -> ValidationError:
    """The error with the kind's label in its sentence ("The custody event was not saved")."""
    return ValidationError(exc.message.replace(f"The {kind} was", f"The {label} was", 1),
                           field=exc.field, details=exc.details, field_errors=exc.field_errors)


def resolve_exhibit(uow: UnitOfWork, service: RecordService[Any], values: dict[str, Any],
                    case_uid: str | None, errors: Errors) -> None:
    """Turn the `exhibit` value (an exhibit ref or uid) into the seizure's uid."""
    if values.get("exhibit"):
        uow.flush_rows()
        try:
            values["exhibit"] = service.ws.seizures.resolve_in(uow.session, values["exhibit"],
                                                               case_uid)
        except (NotFoundError, ValidationError) as exc:
            errors["exhibit"] = exc.message


class CustodyService(RecordService[CustodyRecord]):
    kind = "custody"
    case_scoped = True
    text_fields = ("released_by", "received_by", "purpose", "location", "seal_no", "notes")
    default_sort = "at"

    # --- writing: append only ----------------------------------------------------------------
    def add_event(self, case: str, exhibit: str, event: str,
                  raw: Mapping[str, Any]) -> CustodyRecord:
        """Record one event on an exhibit (named by exhibit ref or uid) of the case."""
        values = {FIELD_ALIASES.get(k, k): v for k, v in raw.items()}
        return self.add({**values, "exhibit": exhibit, "event": event}, case=case)

    def edit_in(self, uow: UnitOfWork, uid: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        raise ConflictError(APPEND_ONLY)

    def _set_deleted(self, key: str, case: str | None, deleted: bool) -> CustodyRecord:
        raise ConflictError(APPEND_ONLY)

    def prepare(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
                existing: Mapping[str, Any] | None, case_uid: str | None) -> dict[str, Any]:
        if existing is None and not raw.get("at"):
            raw = {**raw, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        try:
            return super().prepare(uow, raw, existing=existing, case_uid=case_uid)
        except ValidationError as exc:
            raise labelled(exc, self.kind, "custody event") from None

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        resolve_exhibit(uow, self, values, case_uid, errors)
        at = values.get("at")
        if at:
            moment = dt.datetime.fromisoformat(at)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
                values["at"] = moment.isoformat()
            if moment > dt.datetime.now(dt.UTC) + FUTURE_SLACK:
                errors["at"] = f"Time: {at} is in the future."
        if values.get("event") == "destroyed" and not values.get("authority"):
            errors["authority"] = "A destruction needs the authority that ordered it (authority=…)."
        corrected = values.get("corrects")
        if corrected and "exhibit" not in errors:
            self._check_correction(uow, values, corrected, errors)

    def _check_correction(self, uow: UnitOfWork, values: dict[str, Any], corrected: str,
                          errors: Errors) -> None:
        t = self.table
        row = uow.session.execute(select(t.c.exhibit).where(t.c.uid == corrected)).first()
        if row is None:
            errors["corrects"] = f"No custody event {corrected!r} to correct."
        elif row[0] != values.get("exhibit"):
            errors["corrects"] = "The corrected event belongs to another exhibit."
        elif uow.session.execute(select(t.c.uid).where(t.c.corrects == corrected)).first():
            errors["corrects"] = ("That event is already corrected; correct the correction "
                                  "instead.")

    # --- reading -------------------------------------------------------------------------
    def chain(self, case: str, exhibit: str) -> tuple[SeizureRecord, list[CustodyRecord]]:
        """The exhibit and its events in recording order (corrections included)."""
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case)
            seizure = self.ws.seizures.get_in(s, self.ws.seizures.resolve_in(s, exhibit,
                                                                             case_uid))
            events = self.events_in(s, case_uid, seizure.uid)[seizure.uid]
        return seizure, events

    def holder(self, case: str, exhibit: str) -> str | None:
        """Who holds the exhibit now (what a Transfer proposes as "from")."""
        return current_holder(self.chain(case, exhibit)[1])

    def events_in(self, session: Session, case_uid: str,
                  exhibit_uid: str | None = None) -> dict[str, list[CustodyRecord]]:
        """Events of the case (or one exhibit) by exhibit uid, each in recording order."""
        t = CustodyEvent.__table__
        query = select(t).where(t.c.case_uid == case_uid)
        if exhibit_uid:
            query = query.where(t.c.exhibit == exhibit_uid)
        out: dict[str, list[CustodyRecord]] = defaultdict(list)
        for row in session.execute(query.order_by(t.c.created_at, t.c.id)).mappings():
            record = self.to_record(row)
            out[record.exhibit].append(record)
        return out

    def case_events(self, case_uid: str) -> tuple[CustodyRecord, ...]:
        with self.ws.db.read() as s:
            return tuple(e for events in self.events_in(s, case_uid).values() for e in events)

    def warnings(self, case_uid: str, seizures: tuple[SeizureRecord, ...] | None = None,
                 results: tuple[LabResultRecord, ...] | None = None) -> list[CustodyWarning]:
        """Continuity and lab warnings of every live exhibit of the case, exhibit by exhibit."""
        if results is None:
            results = self.ws.lab_results.case_results(case_uid)
        with self.ws.db.read() as s:
            events = self.events_in(s, case_uid)
            if seizures is None:   # only the exhibits with something recorded
                wanted = set(events) | {r.exhibit for r in results}
                t = self.ws.seizures.table
                seizures = tuple(self.ws.seizures.to_record(row) for row in s.execute(
                    select(t).where(t.c.case_uid == case_uid, t.c.deleted_at.is_(None),
                                    t.c.uid.in_(wanted)).order_by(t.c.exhibit_ref)).mappings())
        by_exhibit: dict[str, list[LabResultRecord]] = defaultdict(list)
        for r in results:
            by_exhibit[r.exhibit].append(r)
        names = self.ws.lab_results.substance_names(
            {r.substance for r in results if r.substance} | {s.substance for s in seizures})
        out: list[CustodyWarning] = []
        for seizure in seizures:
            if seizure.uid not in events and seizure.uid not in by_exhibit:
                continue   # nothing recorded, nothing to check (a big case has many such)
            out += continuity_warnings(seizure, events.get(seizure.uid, []))
            out += lab_warnings(seizure, by_exhibit.get(seizure.uid, []), names)
        return out

    # --- CSV import: an event repeats when its exhibit, event and time do ----------------
    @staticmethod
    def import_key(values: Mapping[str, Any]) -> str:
        return "|".join(str(values.get(k, "")).strip().lower() for k in ("exhibit", "event", "at"))

    def existing_in(self, uow: UnitOfWork, values: Mapping[str, Any],
                    case_uid: str) -> str | None:
        probe = self.prepare(uow, values, existing=None, case_uid=case_uid)
        t = self.table
        found = uow.session.execute(select(t.c.uid).where(
            t.c.case_uid == case_uid, t.c.exhibit == probe["exhibit"],
            t.c.event == probe["event"], t.c.at == probe["at"])).scalar()
        return str(found) if found else None
