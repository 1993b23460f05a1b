"""The scope rule of a case bundle, checked against what the receiving side holds.

A bundle of case X may change the records of X (stored here or new), and the shared records
(companies, persons, substances) they point at; nothing else. An op's own `case_uid` is a claim
made by the file: the rule looks up which case each touched record really belongs to here. A
record never changes case, and a record of X may point only at records of X (a seizure's
shipment, a link's ends, a note's or attachment's target) or at shared records.

The same rule, read the other way, is a check of `caseapp verify` (`cross_case_problems`).
What the file alone shows (an op's claimed case, the pointer fields) is sync/scope.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.models import Case, Op, table_of
from caseapp.services.bundle_store import JSON_BATCH, chunks, json_list
from caseapp.sync.scope import CASE_SCOPED, POINTERS, READABLE, label, pointers

Key = tuple[str, str]


def _case_ref(session: Session, case_uid: str | None) -> str:
    if case_uid is None:
        return "no case"
    ref = session.execute(select(Case.ref).where(Case.uid == case_uid)).scalar()
    return f"case {ref}" if ref else f"case {case_uid}"


def scope_problem(session: Session, scope: str, new_ops: Iterable[Mapping[str, Any]],
                  stored: Mapping[Key, Mapping[str, Any]],
                  rows: Mapping[Key, Mapping[str, Any]]) -> str | None:
    """Why these ops may not be applied by a bundle of case `scope`, or None.

    `stored` holds the touched records' rows as found here, `rows` as the merge with the new
    ops would leave them (bundle_apply.Applier).
    """
    scoped = [op for op in new_ops if op["kind"] in CASE_SCOPED]
    for op in scoped:  # a record of another case here
        old = stored.get((op["kind"], op["uid"]))
        if old is not None and old["case_uid"] != scope:
            return (f"it would change {label(op['kind'], op['uid'], old)}, which belongs to "
                    f"{_case_ref(session, old['case_uid'])} on this machine")
    uids = sorted({op["uid"] for op in scoped})
    for part in chunks(uids, JSON_BATCH):  # ops of it stored under another case (no row yet)
        hit = session.execute(select(Op.kind, Op.uid, Op.case_uid).where(
            Op.uid.in_(json_list(part)), Op.case_uid != scope,
            Op.kind.in_(CASE_SCOPED))).first()
        if hit is not None:
            return (f"it would change {hit[0]} {hit[1]}, whose earlier changes here belong to "
                    f"{_case_ref(session, hit[2])}")
    for (kind, uid), row in rows.items():
        if kind in CASE_SCOPED and row.get("case_uid") != scope:
            return (f"it would move {label(kind, uid, row)} to "
                    f"{_case_ref(session, row.get('case_uid'))}")
    # Every value an op sets counts, not only the one the merge shows now: a losing value
    # can win later (a conflict resolved its way).
    candidates = [((kind, uid), row) for (kind, uid), row in rows.items()]
    for op in scoped:
        key, fields = (op["kind"], op["uid"]), op["fields"]
        shown = rows.get(key)
        # An op whose pointers (and readable key, which names it) are what its row shows
        # already adds nothing to check: the usual case, a record made by one op.
        if shown is not None and all(shown.get(f) == fields[f] for f in _SEEN[op["kind"]]
                                     if f in fields):
            continue
        candidates.append((key, {**(shown or {}), **fields}))
    return _pointer_problem(session, scope, rows, candidates)


# The fields of a row that the pointer check reads: its pointers and the key its label shows.
_SEEN = {kind: {f for pair in POINTERS.get(kind, ()) for f in pair if not f.startswith("=")}
         | ({READABLE[kind]} if kind in READABLE else set()) for kind in CASE_SCOPED}


def _pointer_problem(session: Session, scope: str, rows: Mapping[Key, Mapping[str, Any]],
                     candidates: list[tuple[Key, Mapping[str, Any]]]) -> str | None:
    wanted: dict[str, set[str]] = {}
    found: list[tuple[Key, str, str, str]] = []
    for (kind, uid), row in candidates:
        for name, target_kind, target in pointers(kind, row):
            if target_kind == "case":
                if target != scope:
                    return (f"{label(kind, uid, row)} would point ({name}) at "
                            f"{_case_ref(session, target)}, another case")
                continue
            in_bundle = rows.get((target_kind, target))
            if in_bundle is not None:
                if in_bundle.get("case_uid") != scope:  # pragma: no cover - caught above
                    return f"{label(kind, uid, row)} would point at another case's record"
                continue
            wanted.setdefault(target_kind, set()).add(target)
            found.append(((kind, uid), name, target_kind, target))
    labels = dict(candidates)
    case_of: dict[Key, str] = {}
    for target_kind, targets in wanted.items():
        table = table_of(target_kind)
        for part in chunks(sorted(targets)):
            for r in session.execute(select(table.c.uid, table.c.case_uid).where(
                    table.c.uid.in_(part))):
                case_of[(target_kind, r[0])] = r[1]
    for (kind, uid), name, target_kind, target in found:
        owner = case_of.get((target_kind, target))
        # A target not held here (a partial bundle) is allowed: when it arrives, its own ops
        # must then belong to this case, or that bundle is refused.
        if owner is not None and owner != scope:
            return (f"{label(kind, uid, labels[(kind, uid)])} would point ({name}) at "
                    f"{target_kind} {target}, which belongs to {_case_ref(session, owner)}")
    return None


def cross_case_problems(session: Session, limit: int = 5) -> list[str]:
    """Records whose ops claim another case, and pointers between two cases (verify)."""
    problems: list[str] = []
    for kind in CASE_SCOPED:
        table = table_of(kind)
        rows = session.execute(
            select(table.c.uid, table.c.case_uid, Op.case_uid).join(
                Op, (Op.uid == table.c.uid) & (Op.kind == kind))
            .where(Op.case_uid.is_not(None), Op.case_uid != table.c.case_uid).limit(limit))
        problems += [f"{kind} {r[0]} belongs to case {r[1]} but an op of it claims case {r[2]}"
                     for r in rows]
    for kind in POINTERS:
        table = table_of(kind)
        for kind_field, uid_field in POINTERS[kind]:
            targets = [kind_field[1:]] if kind_field.startswith("=") else list(CASE_SCOPED)
            for target_kind in targets:
                other = table_of(target_kind).alias("target")
                query = select(table.c.uid, other.c.uid, other.c.case_uid, table.c.case_uid).join(
                    other, other.c.uid == table.c[uid_field]).where(
                    other.c.case_uid != table.c.case_uid)
                if not kind_field.startswith("="):
                    query = query.where(table.c[kind_field] == target_kind)
                problems += [f"{kind} {r[0]} (case {r[3]}) points at {target_kind} {r[1]} of "
                             f"case {r[2]}" for r in session.execute(query.limit(limit))]
            if not kind_field.startswith("="):
                query = select(table.c.uid, table.c[uid_field]).where(
                    table.c[kind_field] == "case", table.c[uid_field] != table.c.case_uid)
                problems += [f"{kind} {r[0]} points at another case {r[1]}"
                             for r in session.execute(query.limit(limit))]
    return problems[:limit]
