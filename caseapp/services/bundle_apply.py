"""The apply step of a bundle import, inside the caller's one transaction.

Every record the new ops touch is rebuilt (before bundle_store stores the ops) from its
whole op set with the merge rule and its row written in batches, so the tables stay equal to
the merge of the log (`caseapp verify`) and importing is idempotent and order-free by
construction. Readable keys that clash (two sites made the same case ref or exhibit) are
settled by a deterministic rename op; conflicts are re-derived for every touched record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from caseapp.db import fts, match_index
from caseapp.db.changelog import UnitOfWork, insert_rows, write_changeset
from caseapp.db.models import Changeset, Conflict, Op, table_of
from caseapp.domain.kinds import UNIQUE_KEYS
from caseapp.domain.records import KIND_ORDER, spec_map
from caseapp.errors import BundleRejected
from caseapp.services.bundle_scope import scope_problem
from caseapp.services.bundle_store import JSON_BATCH, chunks, json_list
from caseapp.sync.merge import OpView, merge_record
from caseapp.sync.ops import MERGE_SITE, Contest, record_contests, rename_op, view

Key = tuple[str, str]  # (kind, uid)


@dataclass
class ApplyResult:
    new_records: int = 0
    updated_records: int = 0
    updated_fields: int = 0
    conflicts_opened: int = 0
    renamed: list[str] = field(default_factory=list)


@dataclass
class _OpMeta:
    view: OpView
    made_at: str
    author: str | None


def load_ops(session: Session, kind: str, uids: list[str]) -> dict[str, list[_OpMeta]]:
    out: dict[str, list[_OpMeta]] = defaultdict(list)
    for part in chunks(uids, JSON_BATCH):
        rows = session.execute(
            select(Op.uid, Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id,
                   Changeset.received_at, Changeset.author_name)
            .join(Changeset, Changeset.id == Op.changeset_id)
            .where(Op.kind == kind, Op.uid.in_(json_list(part))))
        for r in rows:
            out[r[0]].append(_OpMeta(OpView(r[1], r[2], r[3], r[4], r[5]), r[6], r[7]))
    return out


def to_column(spec_type: str, value: Any) -> Any:
    """A canonical op value as the table stores it (the inverse of FieldSpec.to_json)."""
    if spec_type == "list":
        return tuple(value or ())
    if spec_type == "bool":
        return bool(value)
    if value is None:
        return None
    if spec_type == "date":
        return dt.date.fromisoformat(value)
    if spec_type == "decimal":
        return Decimal(value)
    return value


@cache
def _columns(kind: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The field names of `kind`, and (name, type) of those whose stored form `to_column`
    changes (list, bool, date, decimal)."""
    specs = spec_map(kind)
    return tuple(specs), tuple((name, spec.type) for name, spec in specs.items()
                               if spec.type in ("list", "bool", "date", "decimal"))


def build_row(kind: str, metas: list[_OpMeta]) -> dict[str, Any]:
    """The row of a record as the merge of its ops says, with meta from its changesets."""
    names, converting = _columns(kind)
    if len(metas) == 1:  # a record made in one op: its fields are the merge (fast path)
        values = metas[0].view.fields
        authored = metas
    else:
        values = {n: state.value for n, state in merge_record(m.view for m in metas).items()}
        authored = sorted((m for m in metas if m.view.site_id != MERGE_SITE),
                          key=lambda m: m.view.order) or sorted(metas, key=lambda m: m.view.order)
    row = dict(zip(names, map(values.get, names), strict=True))
    for name, spec_type in converting:
        row[name] = to_column(spec_type, row[name])
    row.update(created_at=authored[0].made_at, created_by=authored[0].author,
               updated_at=authored[-1].made_at)
    return row


class Applier:
    """Rebuilds the records that new ops touch; one instance per import."""

    def __init__(self, uow: UnitOfWork, made: dict[str, tuple[str, str | None]],
                 scope: str | None = None) -> None:
        self.uow = uow
        self.scope = scope        # the bundle's case: ops may not reach beyond it
        self.session = uow.session
        self.made = made          # changeset id -> (made_at, author name) of incoming ops
        self.result = ApplyResult()
        self.rename_ops: list[dict[str, Any]] = []

    def apply(self, new_ops: list[dict[str, Any]]) -> ApplyResult:
        """Rebuild the touched records; call before the new ops are stored."""
        by_kind: dict[str, set[str]] = defaultdict(set)
        self.incoming: dict[Key, list[_OpMeta]] = defaultdict(list)
        for op in new_ops:
            by_kind[op["kind"]].add(op["uid"])
            made_at, author = self.made[op["changeset_id"]]
            self.incoming[(op["kind"], op["uid"])].append(_OpMeta(view(op), made_at, author))
        self.ops: dict[Key, list[_OpMeta]] = {}
        self.rows: dict[Key, dict[str, Any]] = {}
        self.stored: dict[Key, dict[str, Any]] = {}
        for kind in KIND_ORDER:
            self._load(kind, sorted(by_kind.get(kind, ())))
        if self.scope is not None:
            problem = scope_problem(self.session, self.scope, new_ops, self.stored, self.rows)
            if problem:
                raise BundleRejected(f"This bundle reaches outside its case: {problem}. A "
                                     "case bundle may change only its own case. Nothing was "
                                     "imported.")
        for kind in UNIQUE_KEYS:
            self._settle_clashes(kind)
        self._write()
        match_index.reindex(self.session, self.rows)  # seen before, in this transaction
        self._conflicts()
        if self.rename_ops:
            write_changeset(self.session, self.uow.identity.signer, MERGE_SITE,
                            max(op["hlc"] for op in self.rename_ops), self.rename_ops,
                            self.uow.now)
        return self.result

    def _load(self, kind: str, uids: list[str]) -> None:
        if not uids:
            return
        loaded = load_ops(self.session, kind, uids)
        table = table_of(kind)
        for part in chunks(uids, JSON_BATCH):
            for row in self.session.execute(select(table).where(table.c.uid.in_(json_list(part)))
                                            ).mappings():
                self.stored[(kind, row["uid"])] = dict(row)
        for uid in uids:
            metas = loaded[uid] + self.incoming.get((kind, uid), [])
            self.ops[(kind, uid)] = metas
            self.rows[(kind, uid)] = build_row(kind, metas)

    def _settle_clashes(self, kind: str) -> None:
        """Two records with one readable key: all but the smallest uid get a renaming op
        (for cases: all but the stored one, which lies outside the bundle's closure)."""
        scope, key_field = UNIQUE_KEYS[kind]
        mine = {uid: row for (k, uid), row in self.rows.items() if k == kind}
        if not mine:
            return
        table = table_of(kind)
        groups: dict[tuple[Any, Any], set[str]] = defaultdict(set)
        for uid, row in mine.items():
            groups[(row.get(scope) if scope else None, row[key_field])].add(uid)
        keys = [k[1] for k in groups]
        for part in chunks(keys, JSON_BATCH):
            query = select(table.c.uid, table.c[key_field],
                           *( [table.c[scope]] if scope else [])).where(
                table.c[key_field].in_(json_list(part)))
            for r in self.session.execute(query):
                if r[0] not in mine:
                    groups.setdefault((r[2] if scope else None, r[1]), set()).add(r[0])
        for (_scope, key), uids in groups.items():
            outside = sorted(u for u in uids if u not in mine)
            # A case bundle never changes another case: a stored case keeps its reference.
            keep = outside[0] if kind == "case" and outside else min(uids)
            for uid in sorted(uids - {keep}):
                self._rename(kind, uid, key_field, f"{key} (dup {uid[-6:]})")

    def _rename(self, kind: str, uid: str, key_field: str, value: str) -> None:
        if (kind, uid) not in self.rows:   # a stored record not touched by the bundle
            self._load(kind, [uid])
        metas = self.ops[(kind, uid)]
        row = self.rows[(kind, uid)]
        op = rename_op(kind, uid, row.get("case_uid") if kind != "case" else uid, key_field,
                       value, [m.view for m in metas])
        if any(m.view.op_id == op["op_id"] for m in metas):
            return
        self.rename_ops.append(op)
        metas.append(_OpMeta(view(op), self.uow.now, None))
        self.result.renamed.append(f"{kind} {row[key_field]!r} ({uid}) was renamed to "
                                   f"{value!r}: another site used the same reference")
        row[key_field] = value

    def _write(self) -> None:
        by_kind: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for (k, uid), row in self.rows.items():
            by_kind[k].append((uid, row))
        for kind in KIND_ORDER:
            table = table_of(kind)
            inserts, updates, moving = [], [], []
            for uid, row in by_kind.get(kind, ()):
                k = kind
                old = self.stored.get((k, uid))
                if old is None:
                    inserts.append({**row, "uid": uid})
                    continue
                changed = [n for n in spec_map(kind) if old[n] != row[n]]
                if kind in UNIQUE_KEYS and UNIQUE_KEYS[kind][1] in changed:
                    moving.append(uid)
                if changed or old["updated_at"] != row["updated_at"]:
                    self.result.updated_records += bool(changed)
                    self.result.updated_fields += len(changed)
                    updates.append({**{f"v_{n}": row[n] for n in spec_map(kind)},
                                    "v_updated_at": row["updated_at"], "k_uid": uid})
            if moving:
                # Keys may move between rows (a rename frees one another row takes): park
                # the moving keys on unique placeholders first, so no step sees a duplicate.
                key = UNIQUE_KEYS[kind][1]
                park = update(table).where(table.c.uid == bindparam("k_uid")).values(
                    {key: bindparam("v_park")})
                self.session.connection().execute(
                    park, [{"k_uid": u, "v_park": "\0moving:" + u} for u in moving])
            if updates:
                values: dict[str, Any] = {n: bindparam(f"v_{n}") for n in (*spec_map(kind), "updated_at")}
                stmt = update(table).where(table.c.uid == bindparam("k_uid")).values(values)
                for part in chunks(updates, 2000):
                    self.session.connection().execute(stmt, part)
            # Creation order, so lists sorted by local id read as on the exporting machine.
            inserts.sort(key=lambda r: self._first_order(kind, r["uid"]))
            # Many rows: indexed for search in one statement, not one trigger run each.
            with fts.bulk_insert(self.session.connection(), kind, len(inserts)):
                if inserts:
                    insert_rows(self.session.connection(), table, inserts)
            self.result.new_records += len(inserts)

    def _first_order(self, kind: str, uid: str) -> tuple[str, str, str]:
        metas = self.ops[(kind, uid)]
        if len(metas) == 1:
            return metas[0].view.order
        return min(m.view.order for m in metas)

    def _conflicts(self) -> None:
        """Re-derive the conflicts of every touched record (rows of `conflicts` are an index)."""
        keys = list(self.ops)
        before: set[tuple[str, str, str]] = set()
        for kind in {k for k, _ in keys}:
            uids = [u for k, u in keys if k == kind]
            for part in chunks(uids, JSON_BATCH):
                found = self.session.execute(select(Conflict.uid, Conflict.field).where(
                    Conflict.kind == kind, Conflict.uid.in_(json_list(part)))).all()
                before.update((kind, r[0], r[1]) for r in found)
                self.session.execute(delete(Conflict).where(Conflict.kind == kind,
                                                            Conflict.uid.in_(json_list(part))))
        rows = []
        for (kind, uid), metas in self.ops.items():
            for contest in record_contests([m.view for m in metas]):
                rows.append(conflict_row(kind, uid, self.rows[(kind, uid)], contest,
                                         self.uow.now))
                if (kind, uid, contest.field) not in before:
                    self.result.conflicts_opened += 1
        for part in chunks(rows):
            self.session.execute(insert(Conflict), part)


def conflict_row(kind: str, uid: str, row: dict[str, Any], contest: Contest,
                 now: str) -> dict[str, Any]:
    case_uid = uid if kind == "case" else row.get("case_uid")
    return {"kind": kind, "uid": uid, "field": contest.field, "case_uid": case_uid,
            "heads": [op.op_id for op in contest.ops], "opened_at": now}
