"""Case > Conflicts: the open sync conflicts of the case; pick the value to keep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseapp.services.conflicts import ConflictRecord, ConflictService
from caseapp.services.workspace import Workspace
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
        self.values = QListWidget(self)
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.keep = QPushButton("Keep this value", self)
        right = QWidget(self)
        box = QVBoxLayout(right)
        box.addWidget(self.reason)
        box.addWidget(self.values, 1)
        box.addWidget(self.keep)
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(right)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.buttons)
        self.resize(860, 480)

    def _connect(self) -> None:
        self.list.currentRowChanged.connect(self._on_list_row)
        self.keep.clicked.connect(self._on_keep_clicked)
        self.buttons.rejected.connect(self.reject)

    def reload(self) -> None:
        self.conflicts = self.service.list_open(self.case_ref)
        self.list.clear()
        for c in self.conflicts:
            field = "deleted or kept" if c.field == "*" else c.field
            self.list.addItem(QListWidgetItem(f"{c.label}: {field}"))
        if not self.conflicts:
            self.reason.setText("No open conflicts.")
            self.values.clear()
        self.keep.setEnabled(bool(self.conflicts))
        if self.conflicts:
            self.list.setCurrentRow(0)

    def _on_list_row(self, row: int) -> None:
        self.values.clear()
        if not 0 <= row < len(self.conflicts):
            return
        c = self.conflicts[row]
        self.reason.setText(c.reason)
        for v in c.values:
            self.values.addItem(f"{v.display}    \u2014 {v.author or 'unknown'}, {v.time or ''}")
        self.values.setCurrentRow(0)

    def _on_keep_clicked(self) -> None:
        row, pick = self.list.currentRow(), self.values.currentRow()
        if not 0 <= row < len(self.conflicts) or pick < 0:
            return
        c = self.conflicts[row]
        self.keep.setEnabled(False)  # one at a time; reload() enables it again

        def job(_progress: Any, _cancel: Any) -> Any:
            return self.service.resolve(c.kind, c.uid, c.field, pick=pick + 1)

        def failed(_exc: BaseException) -> bool:
            self.reload()
            return False  # the window's error dialog says why

        self.run(Operation(f"Keep a value of {c.label}", job,
                           changes=Changes.of(c.kind, c.case_uid),
                           on_success=lambda _r: self.reload(), on_failure=failed))
