"""A lazy table model over one record kind: counts once, fetches pages of rows as the view
shows them (keyset from a cached neighbour page), sorts and filters in SQL."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from caseapp.domain.records import Record
from caseapp.services.paging import PagingService, RowKey
from caseapp.services.records import ListQuery
from caseapp.views.models.columns import COLUMNS, Column

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
MAX_PAGES = 64  # pages kept in memory: 12,800 rows whatever the table's size


@dataclasses.dataclass
class _Page:
    records: tuple[Record, ...]
    cells: list[list[str]]
    keys: tuple[RowKey, ...]


class RecordTableModel(QAbstractTableModel):
    """Rows of `kind` matching a ListQuery; `record_at(row)` gives the frozen record."""

    RecordRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, paging: PagingService, kind: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.paging = paging
        self.kind = kind
        self.columns: tuple[Column, ...] = COLUMNS[kind]
        self.query = ListQuery(limit=PAGE_SIZE, with_total=False)
        self._total = 0
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._names: dict[tuple[str, str], str] = {}

    # --- querying ------------------------------------------------------------------------
    def set_query(self, **changes: Any) -> None:
        """Change the filter/sort/case and reload (e.g. set_query(text="NPP"))."""
        self.query = dataclasses.replace(self.query, **changes)
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._pages.clear()
        self._names.clear()
        self._total = self.paging.count(self.kind, self.query)
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._pages.clear()
        self._total = 0
        self.endResetModel()

    def record_at(self, row: int) -> Record | None:
        if not 0 <= row < self._total:
            return None
        return self._page(row // PAGE_SIZE).records[row % PAGE_SIZE]

    def row_of(self, uid: str) -> int | None:
        """The row of a record among the loaded pages (None if not loaded)."""
        for number, page in self._pages.items():
            for i, rec in enumerate(page.records):
                if rec.uid == uid:
                    return number * PAGE_SIZE + i
        return None

    # --- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            page = self._page(index.row() // PAGE_SIZE)
            row = index.row() % PAGE_SIZE
            if row >= len(page.cells):
                return None
            text = page.cells[row][index.column()]
            if role == Qt.ItemDataRole.ToolTipRole:
                return text if len(text) > 30 else None
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            column = self.columns[index.column()]
            side = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == self.RecordRole:
            return self.record_at(index.row())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section].header
            return None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].sort is None:
            return
        # A reset, not a layout change: rows are re-fetched from SQL in the new order.
        self.beginResetModel()
        self.query = dataclasses.replace(
            self.query, sort=self.columns[column].sort,
            descending=order == Qt.SortOrder.DescendingOrder)
        self._pages.clear()
        self.endResetModel()

    # --- pages ---------------------------------------------------------------------------
    def _page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        before = self._pages.get(number - 1)
        after = self._pages.get(number + 1)
        fetched = self.paging.page(
            self.kind, self.query, number * PAGE_SIZE, PAGE_SIZE, self._total,
            after=before.keys[-1] if before and before.keys else None,
            before=after.keys[0] if after and after.keys and not before else None)
        page = _Page(fetched.records, self._cells(fetched.records), fetched.keys)
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def _cells(self, records: tuple[Record, ...]) -> list[list[str]]:
        wanted: dict[str, set[str]] = {}
        for column in self.columns:
            if column.refs is None:
                continue
            for rec in records:
                for kind, uid in column.refs(rec):
                    if (kind, uid) not in self._names:
                        wanted.setdefault(kind, set()).add(uid)
        for kind, uids in wanted.items():
            found = self.paging.names(kind, uids)
            self._names.update({(kind, u): found.get(u, u) for u in uids})
        return [[c.text(rec, self._resolve) for c in self.columns] for rec in records]

    def _resolve(self, kind: str, uid: str | None) -> str:
        return "" if uid is None else self._names.get((kind, uid), uid)
