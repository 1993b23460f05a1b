"""Case > Conflicts: the open sync conflicts of the case; pick the value to keep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseapp.services.conflicts import ConflictRecord, ConflictService
from caseapp.services.workspace import Workspace
from caseapp.views.models.columns import local_time
from caseapp.views.operations import Changes, Operation


class ConflictsDialog(QDialog):
    """Lists open conflicts (of one case, or all); Keep settles one with the chosen value."""

    def __init__(self, ws: Workspace, case_ref: str | None,
                 run: Callable[[Operation[Any]], Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.service = ConflictService(ws)
        self.run = run   # the window's operation runner: the write goes to the writer thread
        self.case_ref = case_ref
        self.conflicts: list[ConflictRecord] = []
        self._build_ui()
        self._connect()
        self.reload()

    def _build_ui(self) -> None:
        self.setWindowTitle(f"Conflicts \u2014 {self.case_ref or 'all cases'}")
        self.list = QListWidget(self)
        # Value, author and time in their own columns: a long value never cuts the author.
        self.values = QTableWidget(0, 3, self)
        self.values.setHorizontalHeaderLabels(["Value", "By", "When"])
        self.values.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.values.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.values.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.values.verticalHeader().hide()
        header = self.values.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.keep = QPushButton("Keep this value", self)
        self.typed = QLineEdit(self)
        self.typed.setPlaceholderText("or type the right value")
        self.use_typed = QPushButton("Use typed value", self)
        right = QWidget(self)
        box = QVBoxLayout(right)
        box.addWidget(self.reason)
        box.addWidget(self.values, 1)
        box.addWidget(self.keep)
        row = QHBoxLayout()
        row.addWidget(self.typed, 1)
        row.addWidget(self.use_typed)
        box.addLayout(row)
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(right)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.buttons)
        split.setSizes([300, 660])
        self.resize(960, 480)

    def _connect(self) -> None:
        self.list.currentRowChanged.connect(self._on_list_row)
        self.keep.clicked.connect(self._on_keep_clicked)
        self.use_typed.clicked.connect(self._on_use_typed_clicked)
        self.typed.returnPressed.connect(self._on_use_typed_clicked)
        self.buttons.rejected.connect(self.reject)

    def reload(self) -> None:
        self.conflicts = self.service.list_open(self.case_ref)
        self.list.clear()
        for c in self.conflicts:
            field = "deleted or kept" if c.field == "*" else c.field
            self.list.addItem(QListWidgetItem(f"{c.label}: {field}"))
        if not self.conflicts:
            self.reason.setText("No open conflicts.")
            self.values.setRowCount(0)
        self.keep.setEnabled(bool(self.conflicts))
        self.use_typed.setEnabled(bool(self.conflicts))
        self.typed.setEnabled(bool(self.conflicts))
        if self.conflicts:
            self.list.setCurrentRow(0)

    def _on_list_row(self, row: int) -> None:
        self.values.setRowCount(0)
        if not 0 <= row < len(self.conflicts):
            return
        c = self.conflicts[row]
        self.reason.setText(c.reason)
        self.typed.setPlaceholderText("or type: delete or keep" if c.field == "*"
                                      else "or type the right value")
        self.values.setRowCount(len(c.values))
        for i, v in enumerate(c.values):
            for col, text in enumerate((v.display, v.author or "unknown",
                                        local_time(v.time))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.values.setItem(i, col, item)
        self.values.selectRow(0)

    def _on_keep_clicked(self) -> None:
        self._settle(pick=self.values.currentRow() + 1)

    def _on_use_typed_clicked(self) -> None:
        if self.typed.text().strip():
            self._settle(value=self.typed.text().strip())

    def _settle(self, pick: int | None = None, value: str | None = None) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.conflicts) or (pick is not None and pick < 1):
            return
        c = self.conflicts[row]
        self.keep.setEnabled(False)  # one at a time; reload() enables it again
        self.use_typed.setEnabled(False)

        def job(_progress: Any, _cancel: Any) -> Any:
            return self.service.resolve(c.kind, c.uid, c.field, pick=pick, value=value)

        def failed(_exc: BaseException) -> bool:
            self.reload()
            return False  # the window's error dialog says why

        self.run(Operation(f"Keep a value of {c.label}", job,
                           changes=Changes.of(c.kind, c.case_uid),
                           on_success=lambda _r: (self.typed.clear(), self.reload()),
                           on_failure=failed))
