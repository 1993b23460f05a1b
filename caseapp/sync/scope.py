"""The scope of a case bundle, as far as the file alone can tell (docs/bundle-format.md 7.1).

A bundle of case X carries the case itself, records whose `case_uid` is X, and the shared
companies, persons and substances: `check_op_scope` refuses an op that claims anything else.
The claim is only the file's word; what the receiver holds is checked against it in
services/bundle_scope.py, with the pointer fields declared here (`POINTERS`, `pointers`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from caseapp.domain.kinds import CASE_KINDS, SHARED_KINDS, UNIQUE_KEYS
from caseapp.errors import BundleRejected

# Kinds whose records belong to one case (they have a `case_uid` field).
CASE_SCOPED = CASE_KINDS
# Fields that point at a record of another kind: kind -> [(kind field or fixed kind, uid field)].
POINTERS: dict[str, list[tuple[str, str]]] = {
    "seizure": [("=shipment", "shipment")],
    "link": [("subject_kind", "subject"), ("object_kind", "object")],
    "note": [("target_kind", "target_uid")],
    "attachment": [("target_kind", "target_uid")],
}
READABLE = {kind: key for kind, (_scope, key) in UNIQUE_KEYS.items()}


def check_op_scope(op: Mapping[str, Any], case_uid: str, line_no: int) -> None:
    """An op of changeset line `line_no` may touch only the closure of case `case_uid`."""
    kind = op["kind"]
    if kind in SHARED_KINDS:
        return
    if kind == "case":
        ok = op["uid"] == case_uid
    else:
        ok = op["case_uid"] == case_uid and op["fields"].get("case_uid", case_uid) == case_uid
    if not ok:
        raise BundleRejected(f"Changeset line {line_no} touches a record outside the bundle's "
                             "case; nothing was imported.")


def pointers(kind: str, row: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, target kind, target uid) of every pointer of a row at a case-scoped record or
    at a case."""
    for kind_field, uid_field in POINTERS.get(kind, ()):
        target_kind = kind_field[1:] if kind_field.startswith("=") else row.get(kind_field)
        target = row.get(uid_field)
        if target and (target_kind in CASE_SCOPED or target_kind == "case"):
            yield uid_field, str(target_kind), str(target)


def label(kind: str, uid: str, row: Mapping[str, Any] | None) -> str:
    """A record as a refusal names it: its readable key when it has one, and its uid."""
    key = READABLE.get(kind)
    if row is not None and key and row.get(key):
        return f"{kind} {row[key]} ({uid})"
    return f"{kind} {uid}"


__all__ = ["CASE_SCOPED", "POINTERS", "READABLE", "check_op_scope", "label", "pointers"]
