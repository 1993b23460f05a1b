"""The generic record service: parse, resolve, validate, write through the change log, read.

Kind services (cases, seizures, …) subclass `RecordService` and add their own reference
resolution and rules. Public methods are units of work and return frozen records; the `*_in`
methods run inside a caller's unit of work (imports, demo data, bundles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy import Select, Text, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Case, table_of
from caseapp.domain.records import META_FIELDS, Record, make_record, spec_map
from caseapp.domain.validation import Errors, validate
from caseapp.errors import CaseRequired, ConflictError, NotFoundError, ValidationError
from caseapp.services.listing import ListQuery as ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

SYSTEM_FIELDS = ("deleted_at",)
R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Page(Generic[R]):
    records: tuple[R, ...]
    total: int  # -1 when the query said with_total=False


def looks_like_uid(key: str) -> bool:
    return len(key) == 36 and key.count("-") == 4


class RecordService(Generic[R]):
    """Add, edit, delete, restore, show and list one kind of record (`R`, its record class:
    `RecordService[SeizureRecord]` returns `SeizureRecord`s, so callers need no casts)."""

    kind = ""
    key_field = ""          # the readable key (ref, exhibit_ref, name, full_name)
    case_scoped = False     # records belong to exactly one case (case_uid)
    text_fields: tuple[str, ...] = ()   # searched by ListQuery.text
    default_sort = "id"

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.table = table_of(self.kind)

    # --- reading -------------------------------------------------------------------------
    def get(self, uid: str) -> R:
        with self.ws.db.read() as s:
            return self.get_in(s, uid)

    def get_in(self, session: Session, uid: str) -> R:
        row = session.execute(select(self.table).where(self.table.c.uid == uid)).mappings().first()
        if row is None:
            raise NotFoundError(f"No {self.kind} with uid {uid}.")
        return self.to_record(row)

    def find(self, key: str, *, case: str | None = None) -> R:
        """A record by uid or readable key (within `case` for case-scoped kinds)."""
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case) if case else None
            return self.get_in(s, self.resolve_in(s, key, case_uid))

    def resolve_in(self, session: Session, key: str, case_uid: str | None = None) -> str:
        """The uid a user's key names; NotFoundError naming matches when it is ambiguous."""
        key = str(key).strip()
        if looks_like_uid(key):
            found = session.execute(select(self.table.c.uid).where(self.table.c.uid == key))
            if found.first():
                return key
        if not self.key_field:
            raise NotFoundError(f"No {self.kind} with uid {key!r}.")
        column = self.table.c[self.key_field]
        query = select(self.table.c.uid, column).where(func.lower(column) == key.lower())
        if self.case_scoped and case_uid is not None:
            query = query.where(self.table.c.case_uid == case_uid)
        rows = session.execute(query.order_by(self.table.c.deleted_at.is_not(None))).all()
        if self.case_scoped and case_uid is None and len(rows) > 1:
            # One rule for every command: a readable key needs its case only when it is
            # used in more than one case.
            cases = session.execute(select(self.table.c.case_uid).where(
                self.table.c.uid.in_([r[0] for r in rows]))).scalars()
            if len(set(cases)) > 1:
                raise CaseRequired(self.kind, key)
        exact = [r for r in rows if r[1] == key] or rows
        if not exact:
            where = " in that case" if self.case_scoped and case_uid else ""
            raise NotFoundError(f"No {self.kind} {key!r}{where}.")
        if len(exact) > 1:
            raise NotFoundError(f"{len(exact)} {self.kind} records match {key!r}; use a uid: "
                                + ", ".join(r[0] for r in exact[:5]))
        return str(exact[0][0])

    def resolve_ref_in(self, uow: UnitOfWork, key: str, case_uid: str | None = None) -> str:
        """`resolve_in` for a reference inside a unit of work, cheap when repeated: a record
        made in this unit by its uid as is, a stored uid or a case-unique key looked up once
        per unit; only a name may need this unit's new rows written first."""
        if uow.is_pending(self.kind, key):
            return key
        memo = (self.kind, key, case_uid)
        found: str | None = uow.memo.get(memo)
        if found is None:
            if not looks_like_uid(key):
                uow.flush_rows()
            found = self.resolve_in(uow.session, key, case_uid)
            if found == key or self.case_scoped:  # a uid, or a key unique in its case
                uow.memo[memo] = found
        return found

    def to_record(self, row: Mapping[Any, Any]) -> R:
        values = {name: row[name] for name in spec_map(self.kind)}
        return cast(R, make_record(self.kind, row["uid"], values,
                                   {k: row[k] for k in META_FIELDS}))

    def list_page(self, q: ListQuery) -> Page[R]:
        """One page of records and the total count, filtered and sorted in SQL."""
        with self.ws.db.read() as s:
            where = self.where_clause(q)
            total = (s.execute(select(func.count()).select_from(self.table).where(where))
                     .scalar() if q.with_total else -1)
            query: Select[Any] = select(self.table).where(where)
            query = query.order_by(*self._order(q)).offset(q.offset).limit(q.limit)
            rows = s.execute(query).mappings().all()
        return Page(tuple(self.to_record(r) for r in rows), int(total or 0))

    def count(self, q: ListQuery) -> int:
        """How many records match `q` (its offset and limit ignored)."""
        with self.ws.db.read() as s:
            query = select(func.count()).select_from(self.table).where(self.where_clause(q))
            return int(s.execute(query).scalar() or 0)

    def list_all(self, q: ListQuery | None = None) -> list[R]:
        q = q or ListQuery()
        return list(self.list_page(ListQuery(**{**q.__dict__, "offset": 0,
                                                "limit": 10**9})).records)

    def where_clause(self, q: ListQuery) -> Any:
        clauses: list[Any] = []
        if not q.include_deleted:
            clauses.append(self.table.c.deleted_at.is_(None))
        if q.case_uid:
            clauses.append(self.case_clause(q.case_uid))
        if q.text:
            pattern = f"%{q.text.strip()}%"
            clauses.append(or_(*self.text_clauses(pattern)))
        for name, value in q.filters.items():
            if name not in spec_map(self.kind):
                raise ValidationError(f"Cannot filter {self.kind} records by {name!r}.")
            clauses.append(self.table.c[name] == value)
        return and_(True, *clauses)

    def text_clauses(self, pattern: str) -> list[Any]:
        """What a text filter (an ILIKE `pattern`) matches: the kind's text fields; kinds
        add the names of records they refer to (seizures: the substance's names)."""
        return [type_coerce(self.table.c[n], Text).ilike(pattern) for n in self.text_fields]

    def case_clause(self, case_uid: str) -> Any:
        return self.table.c.case_uid == case_uid

    def _order(self, q: ListQuery) -> list[Any]:
        name = q.sort or self.default_sort
        if name not in self.table.c or name in ("changes",):
            raise ValidationError(f"Cannot sort {self.kind} records by {name!r}.")
        column = self.table.c[name]
        tie = self.table.c.id
        return [column.desc(), tie.desc()] if q.descending else [column.asc(), tie.asc()]

    # --- writing -------------------------------------------------------------------------
    def add(self, raw: Mapping[str, Any], *, case: str | None = None) -> R:
        """Create a record from user values; returns it. Raises ValidationError/ConflictError."""
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case) if case else None
            uid = self.add_in(uow, raw, case_uid=case_uid)
        return self.get(uid)

    def edit(self, key: str, raw: Mapping[str, Any], *, case: str | None = None) -> R:
        """Change fields of a record; returns the record as it now is."""
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case) if case else None
            uid = self.resolve_in(uow.session, key, case_uid)
            self.edit_in(uow, uid, raw)
        return self.get(uid)

    def delete(self, key: str, *, case: str | None = None) -> R:
        """Soft-delete a record (it stays in the database and can be restored)."""
        return self._set_deleted(key, case, True)

    def restore(self, key: str, *, case: str | None = None) -> R:
        """Undo a soft delete."""
        return self._set_deleted(key, case, False)

    def _set_deleted(self, key: str, case: str | None, deleted: bool) -> R:
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case) if case else None
            uid = self.resolve_in(uow.session, key, case_uid)
            if not uow.set_deleted(self.kind, uid, deleted):
                state = "deleted" if deleted else "not deleted"
                raise ConflictError(f"That {self.kind} is already {state}.")
        return self.get(uid)

    def add_in(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
               case_uid: str | None = None, key_checked: bool = False) -> str:
        """Create inside a caller's unit of work; returns the new uid.

        `key_checked`: the caller has already made sure the readable key is free (a bulk
        import checks all its keys in one query), so the per-record query is skipped.
        """
        values = self.prepare(uow, raw, existing=None, case_uid=case_uid)
        if not key_checked:
            self.check_unique(uow.session, values, None)
        uid = uow.create(self.kind, values, case_uid=case_uid)
        self.after_write(uow, uid, values, case_uid)
        return uid

    def edit_in(self, uow: UnitOfWork, uid: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        existing = uow.row(self.kind, uid)
        case_uid = existing.get("case_uid")
        values = self.prepare(uow, raw, existing=existing, case_uid=case_uid)
        changes = {n: values[n] for n in raw if n in values}
        self.check_unique(uow.session, values, uid)
        diff = uow.update(self.kind, uid, changes)
        self.after_write(uow, uid, values, case_uid)
        return diff

    def prepare(self, uow: UnitOfWork, raw: Mapping[str, Any], *,
                existing: Mapping[str, Any] | None, case_uid: str | None) -> dict[str, Any]:
        """Parse, resolve references and validate; returns the record's complete values."""
        specs = spec_map(self.kind)
        errors: Errors = {}
        parsed: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in specs or name in SYSTEM_FIELDS or name == "case_uid":
                errors[name] = (f"{self.kind.capitalize()} records have no field {name!r}; "
                                f"fields: {', '.join(self.editable_fields())}.")
                continue
            try:
                parsed[name] = specs[name].parse(value)
            except ValidationError as exc:
                errors[name] = exc.message
        self.resolve_refs(uow, parsed, case_uid, errors)
        full = {n: existing[n] for n in specs} if existing else {}
        full.update(parsed)
        if self.case_scoped and existing is None:
            if not case_uid:
                raise ValidationError(f"A {self.kind} belongs to a case: name the case.")
            full["case_uid"] = case_uid
        for name, spec in specs.items():
            if spec.required and full.get(name) in (None, "", ()) and name not in errors:
                errors[name] = f"{spec.title} is required."
        for name, message in validate(self.kind, full).items():
            errors.setdefault(name, message)
        if errors:
            raise ValidationError(
                f"The {self.kind} was not saved: " + "; ".join(errors.values()),
                field=next(iter(errors)), field_errors=errors)
        return full

    def editable_fields(self) -> list[str]:
        return [n for n in spec_map(self.kind) if n not in SYSTEM_FIELDS and n != "case_uid"]

    def resolve_refs(self, uow: UnitOfWork, values: dict[str, Any], case_uid: str | None,
                     errors: Errors) -> None:
        """Turn readable keys in reference fields into uids (kind services override)."""

    def check_unique(self, session: Session, values: Mapping[str, Any],
                     uid: str | None) -> None:
        """Raise ConflictError when the readable key is taken (case-scoped kinds)."""
        if not self.case_scoped or not self.key_field:
            return
        key = values.get(self.key_field)
        query = select(self.table.c.uid).where(
            self.table.c.case_uid == values["case_uid"], self.table.c[self.key_field] == key)
        if uid:
            query = query.where(self.table.c.uid != uid)
        if session.execute(query).first():
            label = spec_map(self.kind)[self.key_field].title
            raise ConflictError(f"{label} {key!r} is already used in this case.")

    def after_write(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any],
                    case_uid: str | None) -> None:
        """Hook after a create or edit (e.g. record the parties a shipment names)."""


def case_uid_required(session: Session, key: str) -> str:
    row = session.execute(
        select(Case.uid).where(or_(Case.uid == key, func.lower(Case.ref) == key.lower()))
    ).first()
    if row is None:
        raise NotFoundError(f"No case {key!r}.", kind="case", key=key)
    return str(row[0])


def uids_of(records: Sequence[Record]) -> list[str]:
    return [r.uid for r in records]
