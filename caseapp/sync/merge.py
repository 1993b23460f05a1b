"""The merge rule of sync.md, per field, as a pure function of a set of ops.

For each field of a record: heads = the ops touching the field that no other op touching it
names in its `prev`. The shown value is the head with the greatest (hlc, site_id, op_id); the
field is in conflict when the heads hold more than one distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from caseapp.sync.canonical import canonical_json


@dataclass(frozen=True)
class OpView:
    """The parts of an op the merge rule reads."""

    op_id: str
    fields: Mapping[str, Any]
    prev: Mapping[str, list[str]]
    hlc: str
    site_id: str

    @property
    def order(self) -> tuple[str, str, str]:
        return (self.hlc, self.site_id, self.op_id)


@dataclass(frozen=True)
class FieldState:
    """One field's merged state: the shown value, its heads, and whether they disagree."""

    value: Any
    winner: str
    heads: tuple[str, ...]
    conflict: bool


def field_heads(ops: Iterable[OpView], field: str) -> list[OpView]:
    """The head ops of one field, greatest (hlc, site_id, op_id) first."""
    touching = [op for op in ops if field in op.fields]
    superseded = {pid for op in touching for pid in op.prev.get(field, ())}
    heads = [op for op in touching if op.op_id not in superseded]
    heads.sort(key=lambda op: op.order, reverse=True)
    return heads


def merge_record(ops: Iterable[OpView]) -> dict[str, FieldState]:
    """Merged state of every field the ops of one record touch."""
    op_list = list(ops)
    names = {name for op in op_list for name in op.fields}
    result: dict[str, FieldState] = {}
    for name in sorted(names):
        heads = field_heads(op_list, name)
        values = {canonical_json(op.fields[name]) for op in heads}
        result[name] = FieldState(
            value=heads[0].fields[name],
            winner=heads[0].op_id,
            heads=tuple(op.op_id for op in heads),
            conflict=len(values) > 1,
        )
    return result


def current_heads(ops: Iterable[OpView], names: Iterable[str]) -> dict[str, list[str]]:
    """The `prev` a new local edit of `names` must carry: each field's current head op ids."""
    op_list = list(ops)
    return {name: sorted(op.op_id for op in field_heads(op_list, name)) for name in names}
