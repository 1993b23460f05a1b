"""Companies and persons: shared between cases, tied to a case by a party record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import select

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Party
from caseapp.domain.records import CompanyRecord, PersonRecord, Record
from caseapp.services.records import RecordService
from caseapp.sync.ids import reference_uid


def ensure_party(uow: UnitOfWork, case_uid: str | None, party_kind: str,
                 party_uid: str | None) -> None:
    """Record that a company or person takes part in a case (once; restores a deleted one)."""
    if not case_uid or not party_uid:
        return
    memo = ("party", case_uid, party_uid)
    if memo in uow.memo:  # already made sure of in this unit (a shipper of many shipments)
        return
    # A uid fixed by (case, party) lets two sites that add the same party concurrently
    # make the same record, which the merge rule joins (bundles, sync.md).
    uid = reference_uid("party", f"{case_uid}:{party_uid}")
    if not uow.is_pending("party", uid):  # pending: made in this unit, live
        row = uow.session.execute(select(Party.uid, Party.deleted_at).where(
            Party.case_uid == case_uid, Party.party_uid == party_uid)).first()
        if row is None:
            uow.create("party", {"case_uid": case_uid, "party_kind": party_kind,
                                 "party_uid": party_uid}, uid=uid)
        elif row[1] is not None:
            uow.set_deleted("party", row[0], False)
    uow.memo[memo] = True


P = TypeVar("P", bound=Record)


class _PartyService(RecordService[P]):
    def case_clause(self, case_uid: str) -> Any:
        members = select(Party.party_uid).where(Party.case_uid == case_uid,
                                                Party.deleted_at.is_(None))
        return self.table.c.uid.in_(members)

    def after_write(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any],
                    case_uid: str | None) -> None:
        ensure_party(uow, case_uid, self.kind, uid)

    def add_to_case(self, key: str, case: str) -> None:
        """Make an existing company or person a party to a case."""
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case)
            ensure_party(uow, case_uid, self.kind, self.resolve_in(uow.session, key))


class CompanyService(_PartyService[CompanyRecord]):
    kind = "company"
    key_field = "name"
    text_fields = ("name", "name_original", "aliases", "registration_no", "city", "phones",
                   "emails", "website")
    default_sort = "name"

    def resolve_in(self, session: Any, key: str, case_uid: str | None = None) -> str:
        """A company by uid, name, original-script name or alias (unique match)."""
        from caseapp.db.models import Company
        from caseapp.errors import NotFoundError
        try:
            return super().resolve_in(session, key, case_uid)
        except NotFoundError:
            folded = key.strip().lower()
            rows = session.execute(select(Company.uid, Company.name, Company.aliases).where(
                Company.deleted_at.is_(None))).all()
            hits = [r for r in rows if folded in (a.lower() for a in r[2])]
            hits += session.execute(select(Company.uid, Company.name, Company.aliases).where(
                Company.name_original == key.strip())).all()
            uids = list(dict.fromkeys(r[0] for r in hits))
            if len(uids) == 1:
                return str(uids[0])
            raise


class PersonService(_PartyService[PersonRecord]):
    kind = "person"
    key_field = "full_name"
    text_fields = ("full_name", "aliases", "emails", "phones", "role_note")
    default_sort = "full_name"
