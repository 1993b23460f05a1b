"""A lazy table model over one record kind, sorted and filtered in SQL (Anki's browse table).

On every (re)query the model shows the first page at once (a keyset page: milliseconds even
for a million rows) and fetches the ordered ids of all matches: at once when there are few,
otherwise on a worker thread. Until the ids arrive the view scrolls on by keyset pages
(canFetchMore/fetchMore); then every row is reachable and pages are read by id from an LRU
cache of 64 pages.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from caseapp.domain.records import Record
from caseapp.services.listing import DisplayRow, ListQuery
from caseapp.views.models.columns import ANY_KIND, COLUMNS, Column
from caseapp.views.workers import Worker

if TYPE_CHECKING:  # the window's first screen reads cases before SQLAlchemy is loaded
    from caseapp.services.case_list import CaseListReader
    from caseapp.services.paging import PagingService

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
MAX_PAGES = 64  # pages kept in memory: 12,800 rows whatever the table's size
SYNC_IDS_BELOW = 5_000  # fewer matches: fetch the ids at once (a few ms)
# Role numbers looked up once: data() runs for every visible cell on every paint.
DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
RECORD = int(Qt.ItemDataRole.UserRole.value) + 1
FONT = int(Qt.ItemDataRole.FontRole.value)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
SEEN_KINDS = ("company", "person", "shipment")
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
NO_FLAGS = Qt.ItemFlag.NoItemFlags
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _deleted_font() -> QFont:
    font = QFont()
    font.setStrikeOut(True)
    return font


_DELETED_FONT = _deleted_font()
_SEEN_ICON: QIcon | None = None


def _seen_icon() -> QIcon:
    """The seen-before badge: an amber dot before the name (made once, on first use)."""
    global _SEEN_ICON
    if _SEEN_ICON is None:
        pixmap = QPixmap(12, 12)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor("#e69500"))
        painter.setPen(QColor("#a86d00"))
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        _SEEN_ICON = QIcon(pixmap)
    return _SEEN_ICON
_DELETED_COLOR = QColor("#888888")


@dataclasses.dataclass
class _Page:
    """Rows as read (display rows: fields by attribute) and their cell texts; the record of
    a row is built only when it is asked for (opened, edited), then kept."""

    rows: tuple[DisplayRow, ...]
    cells: list[list[str] | None]  # made when a row is first drawn
    keys: tuple[Any, ...] = ()
    records: dict[str, Record] | None = None  # by uid, read for the whole page at once


class RecordTableModel(QAbstractTableModel):
    """Rows of `kind` matching a ListQuery; `record_at(row)` gives the frozen record."""

    RecordRole = RECORD
    sig_ready = Signal()
    """Every matching row is reachable (the ordered ids have arrived)."""

    def __init__(self, paging: PagingService | CaseListReader | None, kind: str,
                 parent: Any = None) -> None:
        """`paging` reads the rows: the workspace's, or (the case list of the window's first
        screen, until the workspace is open) a `CaseListReader`."""
        super().__init__(parent)
        self.paging = paging
        self.kind = kind
        self.columns: tuple[Column, ...] = COLUMNS[kind]
        # What a page reads per row: the columns' fields (every field if one is not known).
        self.fields: tuple[str, ...] | None = (
            tuple(dict.fromkeys(f for c in self.columns for f in c.fields))
            if all(c.fields for c in self.columns) else None)
        self.query = ListQuery(limit=PAGE_SIZE, with_total=False)
        self._ids: array[int] | None = None
        self._rows = 0
        self._exhausted = False
        self._generation = 0
        self._worker: Worker | None = None
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._names: dict[tuple[str, str], str] = {}
        self._seen: dict[str, str] = {}   # uid -> "also seen in ..." (badge and tooltip)

    # --- querying ------------------------------------------------------------------------
    def set_query(self, **changes: Any) -> None:
        """Change the filter/sort/case and reload (e.g. set_query(text="NPP"))."""
        self.query = dataclasses.replace(self.query, **changes)
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._reset_state()
        self._load()
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._reset_state()
        self._exhausted = True
        self.endResetModel()

    def _reset_state(self) -> None:
        self._generation += 1
        self._pages.clear()
        self._names.clear()
        self._seen.clear()
        self._ids = None
        self._rows = 0
        self._exhausted = False

    def _load(self) -> None:
        """The ordered ids at once when the case is small; otherwise from a worker, with the
        first page shown meanwhile when it is cheap (the default, indexed order and no text
        filter: a text search or another order may have to read every row first)."""
        unfiltered = dataclasses.replace(self.query, text=None)
        if self.paging.probe(self.kind, unfiltered, SYNC_IDS_BELOW) < SYNC_IDS_BELOW:
            self._set_ids(self.paging.ordered_ids(self.kind, self.query))
            return
        default_sort = self.paging.default_sort(self.kind)
        if not self.query.text and self.query.sort in (None, default_sort):
            page = self._keyset_page()  # inside the reset: no row insertion signals
            if page is not None:
                self._pages[0] = page
                self._rows = len(page.rows)
        else:
            self._exhausted = True  # nothing to fetch by keyset: wait for the ids
        generation, query = self._generation, self.query
        worker = Worker(lambda _p, _c: self.paging.ordered_ids(self.kind, query))
        worker.signals.sig_done.connect(lambda ids: self._on_ids(generation, ids))
        self._worker = worker
        QThreadPool.globalInstance().start(worker)

    def _set_ids(self, ids: array[int]) -> None:
        self._ids = ids
        self._rows = len(ids)
        self._exhausted = True

    def _on_ids(self, generation: int, ids: array[int]) -> None:
        if generation != self._generation:
            return  # a newer query replaced this one
        if len(ids) < self._rows:  # rows vanished meanwhile: start over
            self.refresh()
            return
        first, last = self._rows, len(ids) - 1
        if last >= first:
            self.beginInsertRows(QModelIndex(), first, last)
        self._set_ids(ids)
        if last >= first:
            self.endInsertRows()
        self.sig_ready.emit()

    @property
    def ready(self) -> bool:
        return self._ids is not None

    def record_at(self, row: int) -> Record | None:
        if not 0 <= row < self._rows:
            return None
        page = self._page(row // PAGE_SIZE)
        row %= PAGE_SIZE
        if row >= len(page.rows):
            return None
        if page.records is None:
            records = self.paging.by_ids(self.kind, [r.id for r in page.rows])
            page.records = {r.uid: r for r in records}
        return page.records.get(page.rows[row].uid)

    def row_of(self, uid: str, read_pages: int = 4) -> int | None:
        """The row of a record among the loaded pages, reading up to `read_pages` more of
        the first pages (a reset leaves none loaded); None if not found there."""
        for number, page in sorted(self._pages.items()):
            for i, rec in enumerate(page.rows):
                if rec.uid == uid:
                    return number * PAGE_SIZE + i
        if self._ids is None:
            return None
        for number in range(min(read_pages, -(-self._rows // PAGE_SIZE))):
            if number not in self._pages:
                page = self._page(number)
                for i, rec in enumerate(page.rows):
                    if rec.uid == uid:
                        return number * PAGE_SIZE + i
        return None

    def shows_any(self, kinds: frozenset[str]) -> bool:
        """Whether a change to records of `kinds` can change what this table shows: its own
        kind, or a kind one of its columns names."""
        if not kinds:
            return False
        names = frozenset().union(*(c.ref_kinds for c in self.columns))
        return self.kind in kinds or ANY_KIND in names or bool(names & kinds)

    # --- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # (no paging yet: a record tab of the window's first screen, filled once attached)
        return not parent.isValid() and not self._exhausted and self.paging is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid() and not self._exhausted:
            self._append_keyset_page()

    def _keyset_page(self) -> _Page | None:
        """The page after the loaded rows, from the last loaded row's key."""
        number = self._rows // PAGE_SIZE
        previous = self._pages.get(number - 1)
        after = previous.keys[-1] if previous and previous.keys else None
        fetched = self.paging.display_page(self.kind, self.query, self._rows, PAGE_SIZE,
                                           self._rows + PAGE_SIZE, after=after,
                                           fields=self.fields)
        if len(fetched.rows) < PAGE_SIZE:
            self._exhausted = True
        if not fetched.rows:
            return None
        last = fetched.last_key()
        return _Page(fetched.rows, self._cells(fetched.rows), () if last is None else (last,))

    def _append_keyset_page(self) -> None:
        page = self._keyset_page()
        if page is None:
            return
        start = self._rows
        self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
        self._pages[start // PAGE_SIZE] = page
        self._rows += len(page.rows)
        self.endInsertRows()

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # The hot path of every paint (a dozen roles per visible cell): roles we do not
        # serve return at once, display text needs one dict lookup and two list indexes.
        if role == DISPLAY or role == TOOLTIP:  # noqa: SIM109 - two int compares beat a tuple
            row = index.row()
            if not 0 <= row < self._rows:
                return None
            page = self._pages.get(row // PAGE_SIZE) or self._page(row // PAGE_SIZE)
            row %= PAGE_SIZE
            if row >= len(page.cells):
                return None
            cells = page.cells[row]
            if cells is None:
                shown = page.rows[row]
                cells = page.cells[row] = [c.text(shown, self._resolve) for c in self.columns]
            text = cells[index.column()]
            if role == TOOLTIP:
                if index.column() == 0 and self._seen and row < len(page.rows):
                    seen = self._seen.get(page.rows[row].uid)
                    if seen:
                        return f"{text}\n{seen}"
                return text if len(text) > 30 else None
            return text
        if role == DECORATION:
            if index.column() != 0 or not self._seen:
                return None
            shown = self._row_at(index.row())
            return _seen_icon() if shown is not None and shown.uid in self._seen else None
        if role == ALIGN:
            return RIGHT if self.columns[index.column()].numeric else LEFT
        if role == RECORD:
            return self.record_at(index.row())
        if role in (FONT, FOREGROUND) and self.query.include_deleted:
            shown = self._row_at(index.row())
            if shown is not None and shown.deleted_at is not None:  # with "Show deleted"
                return _DELETED_FONT if role == FONT else _DELETED_COLOR
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = DISPLAY) -> Any:
        if int(role) != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section].header
            return None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else NO_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].sort is None:
            return
        # A reset, not a layout change: rows are re-read from SQL in the new order.
        self.query = dataclasses.replace(
            self.query, sort=self.columns[column].sort,
            descending=order == Qt.SortOrder.DescendingOrder)
        self.refresh()

    # --- pages ---------------------------------------------------------------------------
    def _page(self, number: int) -> _Page:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        if self._ids is None:  # only loaded rows are visible before the ids arrive
            return _Page((), [])
        ids = self._ids[number * PAGE_SIZE:(number + 1) * PAGE_SIZE]
        rows = self.paging.display_rows(self.kind, ids, fields=self.fields)
        page = _Page(rows, self._cells(rows))
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def _row_at(self, row: int) -> DisplayRow | None:
        if not 0 <= row < self._rows:
            return None
        page = self._page(row // PAGE_SIZE)
        return page.rows[row % PAGE_SIZE] if row % PAGE_SIZE < len(page.rows) else None

    def _cells(self, records: tuple[DisplayRow, ...]) -> list[list[str] | None]:
        """The names the page's reference columns show and its seen-before badges; the cell
        texts themselves are made when a row is first drawn (`data`). A display row answers
        the columns' getters as a record would (row.exhibit_ref)."""
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
        if self.kind in SEEN_KINDS and records:
            # The seen-before badge: one indexed look-up per page of rows.
            self._seen.update(self.paging.ws.seen.badges(
                self.kind, [r.uid for r in records], self.query.case_uid))
        return [None] * len(records)

    def _resolve(self, kind: str, uid: str | None) -> str:
        return "" if uid is None else self._names.get((kind, uid), uid)
