"""What a table asks for and what it gets back, importable without SQLAlchemy.

`ListQuery` (a table's filter, order and page) and `DisplayRow` (a row as a table view reads
it) are shared by the record services and paging (which read through SQLAlchemy) and by the
window's first screen, which reads the case list through the SQLite driver before SQLAlchemy
is loaded (services/case_list.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ListQuery:
    """What a table asks for: one page of records, filtered and sorted in SQL."""

    case_uid: str | None = None
    text: str | None = None
    sort: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int = 100
    include_deleted: bool = False
    filters: Mapping[str, Any] = field(default_factory=dict)
    # Counting every match costs a scan of the table (100 ms on a million seizures): a table
    # view counts once with `count()` and asks for its pages without a total.
    with_total: bool = True


class DisplayRow:
    """A row of a kind's table as a table view reads it: fields by attribute
    (`row.exhibit_ref`, `row.uid`), each value converted from its stored form (a date, a
    Decimal, a bool) when it is asked for, so a page of 200 rows costs no more than its
    SELECT until its visible cells are drawn. `PagingService.record_of` gives the record."""

    __slots__ = ("_shape", "_values")

    def __init__(self, values: Sequence[Any], shape: dict[str, tuple[int, Any]]) -> None:
        self._values = values
        self._shape = shape

    def __getattr__(self, name: str) -> Any:
        try:
            index, convert = self._shape[name]
        except KeyError:
            raise AttributeError(name) from None
        value = self._values[index]
        return value if convert is None or value is None else convert(value)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self._shape)

    def __repr__(self) -> str:
        return f"DisplayRow({dict(zip(self._shape, self._values, strict=False))})"
