"""The History tab's model: a case's audit entries, newest first, fetched 200 at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from caseapp.services.history import HistoryEntry, HistoryService

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
HEADERS = ("When (UTC)", "Who", "Action", "Record", "Changes")


class HistoryTableModel(QAbstractTableModel):
    def __init__(self, history: HistoryService | None, parent: Any = None) -> None:
        """`history` None until the window's workspace is open (no case is set before)."""
        super().__init__(parent)
        self.history = history
        self.case_uid: str | None = None
        self.entries: list[HistoryEntry] = []
        self._more = False  # no count: a case's history can be a million entries long

    def set_case(self, case_uid: str | None) -> None:
        self.beginResetModel()
        self.case_uid = case_uid
        self.entries = []
        self._more = case_uid is not None
        self.endResetModel()
        if self.canFetchMore():
            self.fetchMore()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.case_uid is None:
            return
        before = self.entries[-1].seq if self.entries else None
        more = self.history.page(self.case_uid, before_seq=before, limit=PAGE)
        self._more = len(more) == PAGE
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self.entries), len(self.entries) + len(more) - 1)
        self.entries.extend(more)
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        e = self.entries[index.row()]
        values = (e.at.replace("T", " ")[:19], e.actor, e.action, e.record, e.summary)
        return values[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None
