"""Open conflicts: list every competing value with author and time; resolve with a new op.

`open_conflicts` is the one definition of an open conflict: the report's cover warning, the
Overview's count, the conflicts dialog and `caseapp conflicts` all read it. The `conflicts`
table is only an index of the records that may be in conflict (re-derived on import and on
resolve); what is open is always derived from the record's ops, so a local edit naming all
heads settles a field everywhere without touching the index. Records renamed on import because
two sites used the same reference are open too, until someone confirms or changes the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from caseapp.db.models import Case, Changeset, Conflict, Op, TrustedKey, table_of
from caseapp.domain.kinds import LABEL_FIELDS, UNIQUE_KEYS
from caseapp.domain.records import RECORD_TYPES, spec_map
from caseapp.errors import CaseRequired, ConflictNotFound, ValidationError
from caseapp.services.bundle_apply import conflict_row, to_column
from caseapp.services.records import looks_like_uid
from caseapp.sync.merge import OpView, field_heads
from caseapp.sync.ops import DELETE_FIELD, MERGE_SITE, RECORD_FIELD, record_contests

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace



@dataclass(frozen=True)
class CompetingValue:
    """One head of a conflict: its value, who wrote it and when."""

    value: Any
    display: str
    author: str | None
    author_key: str | None
    hlc: str
    time: str | None
    op_id: str


@dataclass(frozen=True)
class ConflictRecord:
    kind: str
    uid: str
    field: str          # a field name, or "*" for a delete against concurrent edits
    label: str          # e.g. "seizure EX-07"
    case_uid: str | None
    reason: str
    values: tuple[CompetingValue, ...]


def _ops_with_meta(s: Session, kind: str, uid: str) -> tuple[list[OpView], dict[str, Any]]:
    # The name shown is the trust store's for the signing key (a changeset's own name is only
    # what its sender wrote); the stored name for a key no longer trusted.
    rows = s.execute(select(Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id, Op.author_key,
                            func.coalesce(TrustedKey.name, Changeset.author_name),
                            Changeset.received_at)
                     .join(Changeset, Changeset.id == Op.changeset_id)
                     .outerjoin(TrustedKey, TrustedKey.key_id == Changeset.author_key)
                     .where(Op.kind == kind, Op.uid == uid)).all()
    views = [OpView(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    return views, {r[0]: r for r in rows}


def _display(field: str, op: OpView) -> str:
    if field == RECORD_FIELD:
        if DELETE_FIELD in op.fields and op.fields[DELETE_FIELD] is not None:
            return "delete the record"
        return "keep the record, edited: " + ", ".join(
            f"{k} = {v!r}" for k, v in op.fields.items() if k != DELETE_FIELD)
    value = op.fields[field]
    if field == DELETE_FIELD:
        return "deleted" if value is not None else "not deleted (restored)"
    return "(empty)" if value in (None, [], "") else str(value)


def refresh_conflicts(s: Session, kind: str, uid: str, row: dict[str, Any], now: str) -> None:
    """Rewrite the index rows of one record from its ops."""
    views, _ = _ops_with_meta(s, kind, uid)
    s.execute(delete(Conflict).where(Conflict.kind == kind, Conflict.uid == uid))
    rows = [conflict_row(kind, uid, row, c, now) for c in record_contests(views)]
    if rows:
        s.execute(insert(Conflict), rows)


def open_conflicts(s: Session, case_uid: str | None = None) -> list[ConflictRecord]:
    """The open conflicts (of the case `case_uid`, if given), oldest record first.

    The one definition every front end and the report use. Candidates are the records the
    `conflicts` index names and the records renamed on import; each is judged on its ops.
    """
    query = select(Conflict.kind, Conflict.uid).distinct()
    if case_uid:
        query = query.where(Conflict.case_uid == case_uid)
    keys = {(r[0], r[1]) for r in s.execute(query)}
    renamed = select(Op.kind, Op.uid).where(Op.site_id == MERGE_SITE).distinct()
    if case_uid:
        renamed = renamed.where((Op.case_uid == case_uid) | (Op.uid == case_uid))
    keys |= {(r[0], r[1]) for r in s.execute(renamed)}
    out: list[ConflictRecord] = []
    for kind, uid in sorted(keys):
        out += record_conflicts(s, kind, uid)
    return out


def record_conflicts(s: Session, kind: str, uid: str) -> list[ConflictRecord]:
    """The open conflicts of one record, derived from its ops."""
    table = table_of(kind)
    row = s.execute(select(table).where(table.c.uid == uid)).mappings().first()
    if row is None:
        return []
    views, meta = _ops_with_meta(s, kind, uid)
    label = f"{kind} {str(row[LABEL_FIELDS[kind]])[:60]}"
    case_uid = uid if kind == "case" else row.get("case_uid")

    def value(field: str, op: OpView) -> CompetingValue:
        m = meta[op.op_id]
        author = "caseapp (automatic rename)" if op.site_id == MERGE_SITE else m[6]
        return CompetingValue(op.fields if field == RECORD_FIELD else op.fields[field],
                              _display(field, op), author, m[5], op.hlc, m[7], op.op_id)

    out = []
    for c in record_contests(views):
        reason = ("deleted on one machine while edited on another" if c.field ==
                  RECORD_FIELD else "edited differently on two machines")
        out.append(ConflictRecord(kind, uid, c.field, label, case_uid, reason,
                                  tuple(value(c.field, op) for op in c.ops)))
    key_field = UNIQUE_KEYS.get(kind, (None, None))[1]
    if key_field and not any(c.field == key_field for c in out):
        heads = field_heads(views, key_field)
        if heads and heads[0].site_id == MERGE_SITE:
            out.append(ConflictRecord(
                kind, uid, key_field, label, case_uid,
                "renamed on import: another machine used the same reference; keep the "
                "new name (value 1) or choose another",
                tuple(value(key_field, op) for op in heads)))
    return out


class ConflictService:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def list_open(self, case: str | None = None) -> list[ConflictRecord]:
        """Every open conflict (of one case, by ref or uid, if given), oldest record first."""
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case) if case else None
            return open_conflicts(s, case_uid)

    def count_open(self, case: str | None = None) -> int:
        """How many conflicts `list_open` lists."""
        return len(self.list_open(case))

    def resolve(self, kind: str, key: str, field: str, *, pick: int | None = None,
                value: Any = None, case: str | None = None) -> list[ConflictRecord]:
        """Settle one conflict with a new op naming every head; returns what stays open.

        `pick` is the 1-based number of a competing value; `value` a new value typed by the
        user (for a delete conflict: "delete" or "keep"). Raises ConflictNotFound or
        ValidationError with a sentence to act on.
        """
        if kind not in RECORD_TYPES:
            raise ValidationError(f"Unknown record kind {kind!r}.")
        if (pick is None) == (value is None):
            raise ValidationError("Give one of the two: the number of a competing value to "
                                  "keep, or a new value.")
        uid = self._uid(kind, key, case)
        with self.ws.unit() as uow:
            s = uow.session
            found = [c for c in record_conflicts(s, kind, uid) if c.field == field]
            if not found:
                raise ConflictNotFound(f"No open conflict on {kind} {key} field {field}.",
                                       kind=kind, key=key, field=field)
            conflict = found[0]
            if pick is not None and not 1 <= pick <= len(conflict.values):
                raise ValidationError(f"Pick a number from 1 to {len(conflict.values)}.")
            self._write_choice(uow, conflict, pick, value)
            uow.flush_rows()
            row = dict(s.execute(select(table_of(kind)).where(table_of(kind).c.uid == uid))
                       .mappings().one())
            refresh_conflicts(s, kind, uid, row, uow.now)
            uow.audit("resolve", kind=kind, record_uid=uid, case_uid=conflict.case_uid,
                      detail=f"settled the conflict on {field} of {conflict.label}")
        return [c for c in self.list_open() if c.uid == uid]

    def _write_choice(self, uow: Any, c: ConflictRecord, pick: int | None, value: Any) -> None:
        if c.field == RECORD_FIELD:
            if pick is not None:
                chosen = c.values[pick - 1].value
                delete_it = chosen.get(DELETE_FIELD) is not None
            elif str(value).strip().lower() in ("delete", "keep"):
                delete_it = str(value).strip().lower() == "delete"
            else:
                raise ValidationError('For a delete conflict, the value is "delete" or "keep".')
            uow.update(c.kind, c.uid, {DELETE_FIELD: uow.now if delete_it else None},
                       action="delete" if delete_it else "restore", force=True)
            return
        spec = spec_map(c.kind)[c.field]
        if pick is not None:
            new = to_column(spec.type, c.values[pick - 1].value)
        else:
            new = spec.parse(value)
            if spec.required and new in (None, "", ()):
                raise ValidationError(f"{spec.title} cannot be empty.")
            self._check_unique(uow, c, new)
        uow.update(c.kind, c.uid, {c.field: new}, action="resolve", force=True)

    def _check_unique(self, uow: Any, c: ConflictRecord, new: Any) -> None:
        if c.kind in UNIQUE_KEYS and UNIQUE_KEYS[c.kind][1] == c.field:
            row = uow.row(c.kind, c.uid)
            self.ws.service(c.kind).check_unique(uow.session, {**row, c.field: new}, c.uid)

    def _uid(self, kind: str, key: str, case: str | None = None) -> str:
        if looks_like_uid(key):
            return key
        field = LABEL_FIELDS[kind]
        table = table_of(kind)
        with self.ws.db.read() as s:
            query = select(table.c.uid).where(table.c[field] == key)
            if case is not None and "case_uid" in table.c:
                query = query.where(table.c.case_uid == self.ws.cases.case_uid_in(s, case))
            uids = set(s.execute(query).scalars())
            if kind == "case" and not uids:
                uids = set(s.execute(select(Case.uid).where(Case.ref == key)).scalars())
        if len(uids) > 1 and case is None and "case_uid" in table.c:
            raise CaseRequired(kind, key)
        if len(uids) != 1:
            raise ConflictNotFound(
                f"{'No' if not uids else 'More than one'} {kind} {key!r}; name it by its uid.",
                kind=kind, key=key, candidates=tuple(sorted(uids)))
        return str(uids.pop())
