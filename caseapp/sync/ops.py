"""Ops from bundles: the schema allow-list, and the conflict rules beyond one field's heads.

Names and values come from a file: every kind and field name is checked against the record
specs (never put in SQL as given), every value must already be in the canonical form the
change log writes. The conflict rules are pure functions of one record's ops, so every machine
holding the same ops finds the same conflicts (sync.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from caseapp.domain.fields import FieldSpec, decimal_text
from caseapp.domain.records import RECORD_TYPES, spec_map
from caseapp.sync.canonical import canonical_hash, canonical_json, checked_text, op_text_hash
from caseapp.sync.hlc import parse_hlc
from caseapp.sync.merge import OpView, field_heads, merge_record

OP_KEYS = frozenset({"op_id", "kind", "uid", "case_uid", "fields", "prev", "hlc", "site_id",
                     "author_key"})
HEX64 = re.compile(r"[0-9a-f]{64}")
UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SITE = re.compile(r"[0-9a-z]{1,32}")
AUTHOR = re.compile(r"[0-9a-f]{32}|catalogue|merge")
MERGE_SITE = "merge"
MAX_TEXT, MAX_ITEMS = 20000, 10000
DELETE_FIELD = "deleted_at"
RECORD_FIELD = "*"


_PATTERNS = (("uid", UID), ("hlc", None), ("site_id", SITE), ("author_key", AUTHOR),
             ("op_id", HEX64))
# What decimal_text writes: no sign but "-", no leading zero, no exponent, no trailing zero.
_CANONICAL_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")
_FREE_TEXT = frozenset(("text", "ref"))  # types whose only rule is "a string up to MAX_TEXT"


class OpProblem(ValueError):
    """An op that breaks the schema; the message names what is wrong."""


def _check_value(spec: FieldSpec, value: Any) -> None:
    if value is None:
        if spec.required or spec.type in ("list", "bool"):
            raise OpProblem(f"field {spec.name!r} cannot be empty")
        return
    t = spec.type
    if t in _FREE_TEXT and type(value) is str and len(value) <= MAX_TEXT:
        return  # the common case first: any string up to the length limit
    if t == "bool":
        ok = isinstance(value, bool)
    elif t == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62
    elif t == "list":
        ok = (isinstance(value, list) and len(value) <= MAX_ITEMS
              and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value))
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        ok = False
    elif t in ("enum", "kind"):
        ok = value in spec.choices
    elif t == "date":
        ok = _is_date(value)
    elif t == "datetime":
        ok = len(value) <= 40 and _is_datetime(value)
    elif t == "decimal":
        ok = _is_decimal(value)
    else:
        ok = True
    if not ok:
        raise OpProblem(f"field {spec.name!r} holds {str(value)[:60]!r}, not a canonical "
                        f"{spec.type}")


def _is_date(text: str) -> bool:
    try:
        return dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _is_datetime(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_decimal(text: str) -> bool:
    if len(text) <= 20 and _CANONICAL_DECIMAL.fullmatch(text):
        return True  # the shape decimal_text writes, and too short to meet a precision limit
    try:
        d = Decimal(text)
        return d.is_finite() and decimal_text(d) == text
    except (InvalidOperation, ValueError):
        return False


def check_op(op: Any) -> dict[str, Any]:
    """Return the op if it matches the schema and its id; OpProblem otherwise."""
    check_op_texts(op)
    return cast(dict[str, Any], op)


def check_op_texts(op: Any) -> tuple[str, str]:
    """`check_op`, returning the canonical text of the op's `fields` and `prev`: the texts
    its id was checked against, which the ops table then stores as they are."""
    if not isinstance(op, dict) or op.keys() != OP_KEYS:
        raise OpProblem("an op has missing or unknown keys")
    kind = op["kind"]
    if not isinstance(kind, str) or kind not in RECORD_TYPES:
        raise OpProblem(f"unknown record kind {str(kind)[:40]!r}")
    specs = spec_map(kind)
    for key, pattern in _PATTERNS:
        value = op[key]
        if not isinstance(value, str) or (pattern and not pattern.fullmatch(value)):
            raise OpProblem(f"an op has a malformed {key}")
    try:
        parse_hlc(op["hlc"])
    except ValueError:
        raise OpProblem("an op has a malformed clock value") from None
    if op["case_uid"] is not None and not (isinstance(op["case_uid"], str)
                                           and UID.fullmatch(op["case_uid"])):
        raise OpProblem("an op has a malformed case_uid")
    fields, prev = op["fields"], op["prev"]
    if not isinstance(fields, dict) or not isinstance(prev, dict) or len(fields) > 200:
        raise OpProblem("an op's fields or prev is not an object")
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            raise OpProblem(f"{kind} records have no field {name[:60]!r}")
        if type(value) is not str or spec.type not in _FREE_TEXT or len(value) > MAX_TEXT:
            _check_value(spec, value)  # (a string of free text up to MAX_TEXT passes as is)
    for name, ids in prev.items():
        if name not in specs:
            raise OpProblem(f"{kind} records have no field {name[:60]!r} (in prev)")
        if not isinstance(ids, list) or len(ids) > 1000 or not all(
                isinstance(i, str) and HEX64.fullmatch(i) for i in ids):
            raise OpProblem("an op's prev is malformed")
    # Assembled from the canonical text of fields and prev (the other members are strings,
    # checked above): the same bytes as the canonical JSON of the op without its id.
    # Every value was checked above to be a string, an int, a bool, None or a list of strings
    # (prev: lists of hex ids), so there is no float to look for: the checked encoder.
    texts = checked_text(fields), checked_text(prev)
    if op_text_hash(kind, op["uid"], op["case_uid"], *texts, op["hlc"], op["site_id"],
                    op["author_key"]) != op["op_id"]:
        raise OpProblem(f"op {op['op_id'][:16]}… does not match its id (altered on the way)")
    return texts


def view(op: Mapping[str, Any]) -> OpView:
    return OpView(op["op_id"], op["fields"], op["prev"], op["hlc"], op["site_id"])


def ancestors(ops: Mapping[str, OpView], field: str, start: Iterable[str]) -> set[str]:
    """Op ids reachable from `start` along the prev links of one field (start included)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        op_id = stack.pop()
        if op_id in seen:
            continue
        seen.add(op_id)
        op = ops.get(op_id)
        if op is not None and field in op.fields:
            stack.extend(op.prev.get(field, ()))
    return seen


@dataclass(frozen=True)
class Contest:
    """One open conflict of a record: a field's disagreeing heads, or a delete vs edits."""

    field: str
    ops: tuple[OpView, ...]


def _deleted(value: Any) -> bool:
    return value is not None


def field_contests(ops: list[OpView]) -> list[Contest]:
    """Fields whose heads hold different values (for `deleted_at`: deleted vs not)."""
    out = []
    for name, state in merge_record(ops).items():
        if not state.conflict:
            continue
        heads = field_heads(ops, name)
        if name == DELETE_FIELD and len({_deleted(h.fields[name]) for h in heads}) == 1:
            continue  # two deletes at different times agree: the record is deleted
        out.append(Contest(name, tuple(heads)))
    return out


def delete_contest(ops: list[OpView]) -> Contest | None:
    """A delete and an edit that did not know of each other, while the record shows deleted."""
    heads = field_heads(ops, DELETE_FIELD)
    deletes = [h for h in heads if _deleted(h.fields[DELETE_FIELD])]
    if not heads or not _deleted(heads[0].fields[DELETE_FIELD]):
        return None
    by_id = {op.op_id: op for op in ops}
    rivals: dict[str, OpView] = {}
    for d in deletes:
        for e in ops:
            names = [n for n in e.fields if n != DELETE_FIELD]
            if not names or e.op_id in rivals:
                continue
            d_knows_e = any(e.op_id in ancestors(by_id, n, d.prev.get(n, ())) for n in names)
            e_knows_d = d.op_id in ancestors(by_id, DELETE_FIELD, e.prev.get(DELETE_FIELD, ()))
            if not d_knows_e and not e_knows_d:
                rivals[e.op_id] = e
    if not rivals:
        return None
    ordered = sorted(rivals.values(), key=lambda o: o.order, reverse=True)
    return Contest(RECORD_FIELD, tuple(deletes) + tuple(ordered))


def record_contests(ops: list[OpView]) -> list[Contest]:
    """Every open conflict of one record, in field order."""
    if len(ops) < 2:
        return []
    found = field_contests(ops)
    gone = delete_contest(ops)
    return found + ([gone] if gone else [])


def rename_op(kind: str, uid: str, case_uid: str | None, field: str, value: str,
              ops: list[OpView]) -> dict[str, Any]:
    """The op that renames a record whose readable key clashed on import.

    Deterministic (site and author `merge`, clock of the newest head), so every machine that
    meets the same clash writes the same op and they merge as one.
    """
    heads = field_heads(ops, field)
    op = {"kind": kind, "uid": uid, "case_uid": case_uid, "fields": {field: value},
          "prev": {field: sorted(h.op_id for h in heads)},
          "hlc": max((h.hlc for h in heads), default="000000000000000.00000"),
          "site_id": MERGE_SITE, "author_key": MERGE_SITE}
    op["op_id"] = canonical_hash(op)
    return op


def same_value(a: Any, b: Any) -> bool:
    return canonical_json(a) == canonical_json(b)
