"""The one write path for syncable records: row, op, changeset and audit in one transaction.

A `UnitOfWork` collects creates and updates; rows of new records are inserted in batches (parents
first), every change becomes an op (sync.md) whose `prev` names the field's current heads, the
ops of the unit form one changeset signed with the investigator's key, and each change appends
an audit entry. Nothing is written unless the whole unit commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.orm import Session

from caseapp.db import fts, match_index
from caseapp.db.audit import CHANGES_TEXT, append_entries, chain_head
from caseapp.db.base import JSONText
from caseapp.db.checkpoints import NEW_CHANGESETS, note_changeset, write_checkpoint, write_witness
from caseapp.db.engine import Database
from caseapp.db.models import Changeset, Meta, Op, TeamVersion, table_of
from caseapp.domain.records import KIND_ORDER, spec_map
from caseapp.errors import NotFoundError, PermissionDenied
from caseapp.paths import keys_dir
from caseapp.sync.canonical import (
    TEXTS,
    canonical_hash,
    canonical_json,
    canonical_text,
    created_texts,
    op_text_hash,
)
from caseapp.sync.hlc import HybridClock, wall_ms_now
from caseapp.sync.ids import new_site_id, uuid7
from caseapp.sync.merge import OpView, current_heads
from caseapp.sync.signing import Signer
from caseapp.sync.team import parse as parse_team

ALL_FIELDS = "*"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Identity:
    """Who writes: the investigator's signing key and name."""

    signer: Signer

    @property
    def actor(self) -> str:
        return self.signer.name


def read_meta(session: Session, key: str) -> str | None:
    return session.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()


def write_meta(session: Session, key: str, value: str) -> None:
    if read_meta(session, key) is None:
        session.execute(insert(Meta).values(key=key, value=value))
    else:
        session.execute(update(Meta).where(Meta.key == key).values(value=value))


def site_id_of(session: Session, key_id: str | None = None) -> str:
    """This database's site id, made on first use.

    A site is one key on one database: receivers bind a site to the key that writes on it
    (bundle_import), so when another key writes here (`key_id`), it gets a site of its own."""
    site = read_meta(session, "site_id")
    if site is not None and key_id is not None:
        owner = read_meta(session, "site_key")
        if owner is None:  # a database from before sites were bound: who wrote on it?
            other = session.execute(select(Changeset.author_key).where(
                Changeset.site_id == site, Changeset.author_key != key_id).limit(1)).first()
            owner = other[0] if other else key_id
            write_meta(session, "site_key", owner)
        if owner != key_id:
            site = None
    if site is None:
        site = new_site_id()
        write_meta(session, "site_id", site)
        if key_id is not None:
            write_meta(session, "site_key", key_id)
    return site


def ops_of(session: Session, kind: str, uid: str) -> list[OpView]:
    rows = session.execute(
        select(Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id)
        .where(Op.kind == kind, Op.uid == uid)
    ).all()
    return [OpView(r[0], r[1], r[2], r[3], r[4]) for r in rows]


@cache
def _row_shape(kind: str) -> tuple[dict[str, Any], dict[str, Callable[[Any], Any]]]:
    """A new row's empty values (in column order) and the `to_json` of the fields whose
    canonical form differs from their value (the others are their own JSON)."""
    specs = spec_map(kind)
    empty: dict[str, Any] = {
        name: () if spec.type == "list" else False if spec.type == "bool" else None
        for name, spec in specs.items()}
    to_json: dict[str, Callable[[Any], Any]] = {
        name: spec.to_json for name, spec in specs.items()
               if spec.type in ("list", "decimal", "date", "datetime")}
    return empty, to_json


class UnitOfWork:
    """One transaction's worth of record changes. Use `unit_of_work()` to get one."""

    def __init__(self, session: Session, identity: Identity,
                 wall_clock: Callable[[], int] = wall_ms_now) -> None:
        self.session = session
        self.identity = identity
        self.site_id = site_id_of(session, identity.signer.key_id)
        self.clock = HybridClock(read_meta(session, "hlc"), now=wall_clock)
        self.now = utc_now()
        self._pending: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._ops: list[dict[str, Any]] = []
        self._ops_by_record: dict[tuple[str, str], list[OpView]] = defaultdict(list)
        self._audit: list[dict[str, Any]] = []
        self._audited = False  # entries written by `spill`
        self.checkpoint: dict[str, Any] | None = None
        self._may_write = False
        # What this unit already looked up, for services to reuse (e.g. a substance name's
        # uid, a party known to exist): lookups repeated per row cost more than the write.
        self.memo: dict[Any, Any] = {}

    # --- records -------------------------------------------------------------------------
    def create(self, kind: str, values: dict[str, Any], *, uid: str | None = None,
               case_uid: str | None = None) -> str:
        """Insert a new record with parsed field values; returns its uid."""
        specs = spec_map(kind)
        uid = uid or uuid7()
        empty, to_json = _row_shape(kind)
        row: dict[str, Any] = {**empty, **{n: v for n, v in values.items() if n in empty}}
        row.update(uid=uid, created_at=self.now, updated_at=self.now,
                   created_by=self.identity.actor)
        self._pending[kind][uid] = row
        fields = {n: (to_json[n](v) if n in to_json else v) for n, v in row.items()
                  if n in specs and v not in (None, ())}
        # The op's fields and the audit entry's changes, encoded from one pass over the values.
        fields_text, changes_text = created_texts(fields)
        self._add_op(kind, uid, fields, {}, row.get("case_uid") or case_uid, fields_text)
        # A case's own entries carry its uid: its History and report show who opened it.
        self.audit("create", kind=kind, record_uid=uid,
                   case_uid=row.get("case_uid") or case_uid or (uid if kind == "case" else None),
                   changes={n: [None, v] for n, v in fields.items()})
        self._audit[-1][CHANGES_TEXT] = changes_text
        return uid

    def update(self, kind: str, uid: str, changes: dict[str, Any], *, action: str = "update",
               case_uid: str | None = None, force: bool = False) -> dict[str, tuple[Any, Any]]:
        """Change fields of a record; returns {field: (old, new)} for what really changed.

        `force` writes an op even for an unchanged value (settling a conflict on the value
        already shown still needs an op naming every head)."""
        specs = spec_map(kind)
        current = self.row(kind, uid)
        diff = {
            name: (current[name], value) for name, value in changes.items()
            if force or specs[name].to_json(current[name]) != specs[name].to_json(value)
        }
        if not diff:
            return {}
        self.memo.clear()  # an edit may change what a lookup of this unit found
        new_values = {name: new for name, (_old, new) in diff.items()}
        if uid in self._pending[kind]:
            self._pending[kind][uid].update(new_values)
        else:
            table = table_of(kind)
            self.session.execute(
                update(table).where(table.c.uid == uid).values(**new_values, updated_at=self.now)
            )
        fields = {n: specs[n].to_json(v) for n, v in new_values.items()}
        prev = self._prev_for(kind, uid, fields)
        record_case = current.get("case_uid") or case_uid
        self._add_op(kind, uid, fields, prev, record_case)
        self.audit(action, kind=kind, record_uid=uid,
                   case_uid=record_case or (uid if kind == "case" else None),
                   changes={n: [specs[n].to_json(o), specs[n].to_json(v)]
                            for n, (o, v) in diff.items()})
        return diff

    def set_deleted(self, kind: str, uid: str, deleted: bool,
                    case_uid: str | None = None) -> bool:
        """Soft delete or restore; returns False when the record already was so."""
        value = self.now if deleted else None
        current = self.row(kind, uid)
        if (current["deleted_at"] is not None) == deleted:
            return False
        self.update(kind, uid, {"deleted_at": value},
                    action="delete" if deleted else "restore", case_uid=case_uid)
        return True

    def row(self, kind: str, uid: str) -> dict[str, Any]:
        """The current row of a record (pending or stored); NotFoundError if none."""
        pending = self._pending[kind].get(uid)
        if pending is not None:
            return pending
        table = table_of(kind)
        found = self.session.execute(select(table).where(table.c.uid == uid)).mappings().first()
        if found is None:
            raise NotFoundError(f"No {kind} with uid {uid}.")
        return dict(found)

    def is_pending(self, kind: str, uid: str) -> bool:
        """True if `uid` is a record of `kind` created in this unit and not yet inserted."""
        pending = self._pending.get(kind)
        return pending is not None and uid in pending

    def has_pending(self, kind: str) -> bool:
        """True if records of `kind` made in this unit wait to be inserted (`flush_rows`)."""
        return bool(self._pending.get(kind))

    # --- audit ---------------------------------------------------------------------------
    def next_audit_seq(self) -> int:
        """The seq the next `audit()` entry of this unit will get (the unit holds the lock)."""
        return chain_head(self.session)[0] + len(self._audit) + 1

    def audit(self, action: str, *, kind: str | None = None, record_uid: str | None = None,
              case_uid: str | None = None, changes: dict[str, Any] | None = None,
              detail: str | None = None, outcome: str = "ok") -> None:
        """Queue an audit entry; entries are chained and written at the end of the unit."""
        self._audit.append({
            "at": self.now, "actor": self.identity.actor, "action": action, "outcome": outcome,
            "kind": kind, "record_uid": record_uid, "case_uid": case_uid,
            "changes": changes, "detail": detail,
        })

    # --- internals -----------------------------------------------------------------------
    def _record_ops(self, kind: str, uid: str) -> list[OpView]:
        stored = [] if uid in self._pending[kind] else ops_of(self.session, kind, uid)
        return stored + self._ops_by_record[(kind, uid)]

    def _prev_for(self, kind: str, uid: str, fields: dict[str, Any]) -> dict[str, list[str]]:
        """Heads of the edited fields; also of `deleted_at` (so the edit knows of a delete) and,
        for a delete or restore, of every field (so it knows of every edit): sync/ops.py reads
        these extra entries to tell a delete concurrent with an edit; the merge rule ignores
        them."""
        names = set(fields) | {"deleted_at"}
        if "deleted_at" in fields:
            names |= set(spec_map(kind))
        heads = current_heads(self._record_ops(kind, uid), names)
        return {n: h for n, h in heads.items() if h or n in fields}

    def _check_role(self) -> None:
        """With a team list, only a writing member's key may change records (services/team.py)."""
        if self._may_write:
            return
        row = self.session.execute(select(TeamVersion.document, TeamVersion.signed_by,
                                          TeamVersion.signature)
                                   .order_by(TeamVersion.version.desc()).limit(1)).first()
        if row is not None:
            why = parse_team(*row).write_refusal(self.identity.signer.key_id, self.now)
            if why is not None:
                raise PermissionDenied(f"{why}; nothing was changed.")
        self._may_write = True

    def _add_op(self, kind: str, uid: str, fields: dict[str, Any],
                prev: dict[str, list[str]], case_uid: str | None,
                fields_text: str | None = None) -> None:
        self._check_role()
        hlc = self.clock.tick()
        author_key = self.identity.signer.key_id
        # Encoded once: the texts the op id covers are the texts stored (write_changeset).
        if fields_text is None:
            fields_text = canonical_text(fields)
        prev_text = canonical_text(prev) if prev else "{}"
        op = {
            "kind": kind, "uid": uid, "case_uid": case_uid, "fields": fields, "prev": prev,
            "hlc": hlc, "site_id": self.site_id, "author_key": author_key,
            "op_id": op_text_hash(kind, uid, case_uid, fields_text, prev_text, hlc,
                                  self.site_id, author_key),
            TEXTS: (fields_text, prev_text),
        }
        self._ops.append(op)
        self._ops_by_record[(kind, uid)].append(
            OpView(str(op["op_id"]), fields, prev, str(op["hlc"]), self.site_id))

    def flush_rows(self) -> None:
        """Insert pending new rows, parents first, in one batch per table."""
        for kind in KIND_ORDER:
            rows = self._pending.get(kind)
            if rows:
                # Many rows: indexed for search in one statement, not one trigger run each.
                conn = self.session.connection()
                with fts.bulk_insert(conn, kind, len(rows)):
                    insert_rows(conn, table_of(kind), list(rows.values()))
                rows.clear()

    def spill(self) -> str | None:
        """Write what the unit holds so far (rows, its ops as one signed changeset, audit
        entries) into the open transaction and let go of it; returns the changeset id.

        A long unit (a million-row import) calls this every few thousand records, so its
        memory stays flat; the transaction still commits or rolls back as a whole, and a
        later edit of a spilled record reads its ops back from the table."""
        self.flush_rows()
        # The seen-before index of the records this unit changed, in this transaction.
        match_index.reindex(self.session, {(op["kind"], op["uid"]) for op in self._ops
                                           if op["kind"] in match_index.INDEXED_KINDS})
        changeset_id = None
        if self._ops:
            changeset_id = write_changeset(self.session, self.identity.signer, self.site_id,
                                           self.clock.last, self._ops, self.now)
        append_entries(self.session, self._audit)
        self._audited = self._audited or bool(self._audit)
        self._ops, self._audit = [], []
        self._ops_by_record.clear()
        return changeset_id

    def finish(self) -> str | None:
        """Write rows, the signed changeset, its ops and the audit entries; returns the id of
        the (last) changeset."""
        changeset_id = self.spill()
        write_meta(self.session, "hlc", self.clock.last)
        if self._audited or changeset_id or self.session.info.get(NEW_CHANGESETS):
            self.checkpoint = write_checkpoint(self.session, self.identity.signer,
                                               self.site_id, self.now)
        return changeset_id


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts of column values, the same keys in each) with the driver's
    executemany: each column's bind conversion (the same processor SQLAlchemy would use) is
    looked up once, not once per row and value. Rows naming a non-column go through Core."""
    names = list(rows[0])
    if any(n not in table.c for n in names) or any(len(r) != len(names) for r in rows):
        conn.execute(insert(table), rows)
        return
    dialect = conn.dialect
    procs = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' * len(names))})")
    # One C call per row for the values (a tuple, for two or more names), then only the
    # columns whose stored form differs are converted.
    get = itemgetter(*names)
    convert = [(i, p) for i, p in enumerate(procs) if p is not None]
    if len(names) == 1:
        one = procs[0]
        params: list[Any] = [(row[names[0]] if one is None else one(row[names[0]]),)
                             for row in rows]
    elif not convert:
        params = [get(row) for row in rows]
    else:
        params = []
        for row in rows:
            values = list(get(row))
            for i, p in convert:
                values[i] = p(values[i])
            params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


_INSERT_OPS = ("INSERT INTO ops (op_id, changeset_id, kind, uid, case_uid, fields, prev, hlc, "
               "site_id, author_key) VALUES (?,?,?,?,?,?,?,?,?,?)")


def sign_op_ids(signer: Signer, op_ids: list[str]) -> str:
    return signer.sign(canonical_json(sorted(op_ids)))


def write_changeset(session: Session, signer: Signer, site_id: str, hlc: str,
                    ops: list[dict[str, Any]], received_at: str) -> str:
    """Insert a changeset signed over its sorted op ids, and its ops."""
    op_ids = sorted(op["op_id"] for op in ops)
    changeset_id = canonical_hash({"author_key": signer.key_id, "op_ids": op_ids})
    last_seq = session.execute(select(Changeset.seq).order_by(Changeset.seq.desc()).limit(1))
    seq = (last_seq.scalar_one_or_none() or 0) + 1
    session.execute(insert(Changeset).values(
        id=changeset_id, seq=seq, author_key=signer.key_id, author_name=signer.name,
        public_key=signer.public_hex, site_id=site_id, hlc=hlc,
        signature=sign_op_ids(signer, op_ids), received_at=received_at,
    ))
    insert_ops(session.connection(), ops, changeset_id)
    note_changeset(session, changeset_id)
    return changeset_id


def insert_ops(conn: Connection, ops: list[dict[str, Any]],
               changeset_id: str | None = None) -> None:
    """Insert ops (under `changeset_id`, or each op's own `changeset_id`) with the driver's
    executemany: no per-row work by the ORM or Core. `fields` and `prev` are stored as the
    canonical text kept with the op (TEXTS: the text its id was made or checked from), or
    encoded as JSONText writes them."""
    def encode(value: Any) -> str | None:
        return None if value is None else JSONText.encode(value)

    def texts(op: dict[str, Any]) -> tuple[str | None, str | None]:
        kept = op.get(TEXTS)
        if kept is not None:
            return kept  # type: ignore[no-any-return]
        return encode(op["fields"]), encode(op["prev"])

    conn.exec_driver_sql(_INSERT_OPS, [
        (op["op_id"], changeset_id or op["changeset_id"], op["kind"], op["uid"],
         op.get("case_uid"), *texts(op), op["hlc"], op["site_id"], op["author_key"])
        for op in ops])


@contextmanager
def unit_of_work(db: Database, identity: Identity,
                 wall_clock: Callable[[], int] = wall_ms_now) -> Iterator[UnitOfWork]:
    """A transaction with a change writer; commits (log, audit and all) only on success.
    `wall_clock` (Unix ms) is what the unit's hybrid clock reads."""
    with db.begin() as session:
        uow = UnitOfWork(session, identity, wall_clock)
        yield uow
        uow.finish()
    if uow.checkpoint is not None:  # committed: the witness outside the file moves on
        write_witness(db.path, keys_dir(), uow.checkpoint)
