"""One workspace tab: a filter box over a lazy record table, with New / Edit / Delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain.records import Record
from caseapp.views import settings
from caseapp.views.models.record_table_model import RecordTableModel

if TYPE_CHECKING:
    from caseapp.services.paging import PagingService

ROW_HEIGHT = 24


def configure_table(view: QTableView, model: RecordTableModel, name: str) -> None:
    """Fixed row heights (pitfalls.md #5), SQL sorting, remembered column layout."""
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    vertical = view.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(ROW_HEIGHT)
    vertical.hide()
    header = view.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    for i, column in enumerate(model.columns):
        view.setColumnWidth(i, column.width)
    view.setSortingEnabled(False)
    if not settings.restore_header(name, header):
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    header.setSortIndicatorShown(True)
    header.sortIndicatorChanged.connect(model.sort)
    # Saved after the user stops dragging (and not on every resize of a first show: each
    # save writes the settings file).
    saver = QTimer(view, singleShot=True, interval=400)
    saver.timeout.connect(lambda: settings.save_header(name, header))
    header.sectionResized.connect(lambda *_: saver.start())
    header.sectionMoved.connect(lambda *_: saver.start())
    header.sortIndicatorChanged.connect(lambda *_: saver.start())
    if header.sortIndicatorSection() >= 0:  # a restored sort order: the model follows it
        model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())


def add_export_menu(view: QTableView, export: Callable[[], object]) -> None:
    """A context menu with "Export table\u2026" on a table view."""
    action = QAction("Export table\u2026", view)
    action.triggered.connect(export)
    view.addAction(action)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)


class RecordTabWidget(QWidget):
    """Records of one kind in the current case."""

    sig_new = Signal(str)
    """The user asked for a new record of this kind."""
    sig_edit = Signal(object)
    """The user asked to edit a record."""
    sig_delete = Signal(object)
    """The user asked to delete a record."""
    sig_export = Signal(str)
    """The user asked to export the table (as shown) to a spreadsheet."""

    def __init__(self, paging: PagingService | None, kind: str, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.title = title
        self.model = RecordTableModel(paging, kind, self)
        self._filter_timer = QTimer(self, singleShot=True, interval=250)
        self._build_ui()
        self._connect()

    def _build_ui(self) -> None:
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(f"Filter {self.title.lower()} (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(140)
        self.count_label = QLabel(self)
        self.show_deleted = QCheckBox("Show deleted", self)
        self.show_deleted.setToolTip("List deleted records too (struck out), to restore them")
        self.new_button = QPushButton(f"New {self.kind}\u2026", self)
        self.edit_button = QPushButton("Edit\u2026", self)
        self.delete_button = QPushButton("Delete", self)
        self.export_button = QPushButton("Export table\u2026", self)
        self.export_button.setToolTip("Write this table, as filtered and sorted, to xlsx or CSV")
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.show_deleted)
        bar.addWidget(self.new_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.delete_button)
        bar.addWidget(self.export_button)
        self.bar = bar
        self.view = QTableView(self)
        configure_table(self.view, self.model, f"table_{self.kind}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def _connect(self) -> None:
        self.filter.textChanged.connect(self._filter_timer.start)
        self._filter_timer.timeout.connect(self._on_filter_timeout)
        self.new_button.clicked.connect(lambda: self.sig_new.emit(self.kind))
        self.show_deleted.toggled.connect(self._on_show_deleted_toggled)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.export_button.clicked.connect(lambda: self.sig_export.emit(self.kind))
        add_export_menu(self.view, lambda: self.sig_export.emit(self.kind))
        self.view.doubleClicked.connect(self._on_edit_clicked)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.sig_ready.connect(self._update_count)

    def add_button(self, text: str, tip: str = "") -> QPushButton:
        """One more button on the tab's bar (a kind-specific action, e.g. a seizure's exhibit
        window)."""
        button = QPushButton(text, self)
        button.setToolTip(tip)
        self.bar.addWidget(button)
        return button

    def set_case(self, case_uid: str | None) -> None:
        if case_uid is None:
            self.model.clear()
        else:
            self.model.set_query(case_uid=case_uid)

    def apply_filter(self) -> None:
        """Filter now (instead of after the typing pause)."""
        self._filter_timer.stop()
        self._on_filter_timeout()

    def _on_filter_timeout(self) -> None:
        if self.model.query.case_uid is not None:
            self.model.set_query(text=self.filter.text().strip() or None)

    def _on_show_deleted_toggled(self, checked: bool) -> None:
        if self.model.query.case_uid is not None:
            self.model.set_query(include_deleted=checked)
        else:
            self.model.query = dataclasses.replace(self.model.query, include_deleted=checked)

    def _update_count(self, *_: object) -> None:
        n = self.model.rowCount()
        if not self.model.ready:
            self.count_label.setText(f"{n:,}+ {self.title.lower()} (counting\u2026)" if n
                                     else "searching\u2026")
        else:
            self.count_label.setText(f"{n:,} {self.title.lower()}" if n != 1 else f"1 {self.kind}")

    def current_record(self) -> Record | None:
        index = self.view.currentIndex()
        return self.model.record_at(index.row()) if index.isValid() else None

    def select_uid(self, uid: str) -> None:
        row = self.model.row_of(uid)
        if row is not None:
            self.view.selectRow(row)

    def _on_edit_clicked(self) -> None:
        record = self.current_record()
        if record is not None:
            self.sig_edit.emit(record)

    def _on_delete_clicked(self) -> None:
        record = self.current_record()
        if record is not None:
            self.sig_delete.emit(record)
