"""The link chart's side panel: the selected record, the layout choice and the filter (kinds,
relations, dates, grading)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain.graph import CaseGraph, GraphFilter, GraphNode
from caseapp.domain.graph_layout import LAYOUTS

if TYPE_CHECKING:
    from caseapp.domain.records import Record

RELIABILITY = (("any source", None), ("A only", "A"), ("A\u2013B", "B"), ("A\u2013C", "C"),
               ("A\u2013D", "D"))
CREDIBILITY = (("any credibility", None), ("1 only", "1"), ("1\u20132", "2"),
               ("1\u20133", "3"), ("1\u20134", "4"))
LAYOUT_NAMES = {"force": "Force-directed", "hierarchical": "By role (supplier \u2192 consignee)"}


class ChartPanel(QObject):
    """The dock beside the chart; tells the window when the filter or layout changes."""

    sig_filter_changed = Signal()
    """A filter control changed."""
    sig_layout_requested = Signal(str)
    """Lay out again with this layout."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.dock = QDockWidget("Chart", parent)
        self.dock.setObjectName("chart_panel")
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        body = QWidget(self.dock)
        box = QVBoxLayout(body)
        self.record = QTextBrowser(body)
        self.record.setMinimumHeight(180)
        box.addWidget(self.record, 2)
        box.addWidget(self._layout_box(body))
        box.addWidget(self._filter_box(body), 3)
        self.dock.setWidget(body)
        self.dock.setMinimumWidth(270)
        self.kind_boxes: dict[str, QCheckBox] = {}

    def _layout_box(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Layout", parent)
        row = QHBoxLayout(group)
        self.layout_combo = QComboBox(group)
        for name in LAYOUTS:
            self.layout_combo.addItem(LAYOUT_NAMES[name], name)
        self.layout_button = QPushButton("Lay out", group)
        self.layout_button.setToolTip("Arrange the nodes again (pinned nodes stay)")
        self.layout_button.clicked.connect(
            lambda: self.sig_layout_requested.emit(self.layout_name()))
        row.addWidget(self.layout_combo, 1)
        row.addWidget(self.layout_button)
        return group

    def _filter_box(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Show", parent)
        form = QFormLayout(group)
        self.kinds_row = QWidget(group)
        self.kinds_layout = QVBoxLayout(self.kinds_row)
        self.kinds_layout.setContentsMargins(0, 0, 0, 0)
        form.addRow("Kinds", self.kinds_row)
        self.relations = QListWidget(group)
        self.relations.setMaximumHeight(130)
        self.relations.itemChanged.connect(lambda _i: self.sig_filter_changed.emit())
        form.addRow("Relations", self.relations)
        self.date_from, self.date_to = QLineEdit(group), QLineEdit(group)
        for edit in (self.date_from, self.date_to):
            edit.setPlaceholderText("YYYY-MM-DD")
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(self.sig_filter_changed.emit)
        form.addRow("From", self.date_from)
        form.addRow("To", self.date_to)
        self.reliability, self.credibility = QComboBox(group), QComboBox(group)
        for combo, choices in ((self.reliability, RELIABILITY), (self.credibility, CREDIBILITY)):
            for text, value in choices:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(lambda _i: self.sig_filter_changed.emit())
        form.addRow("Source", self.reliability)
        form.addRow("Information", self.credibility)
        self.graded_only = QCheckBox("Graded links only", group)
        self.graded_only.setToolTip("Hide the edges that come from record fields and shared "
                                    "values (they carry no grading)")
        self.graded_only.toggled.connect(lambda _on: self.sig_filter_changed.emit())
        form.addRow("", self.graded_only)
        return group

    # --- filling ---------------------------------------------------------------------------
    def set_graph(self, graph: CaseGraph) -> None:
        """One check box per kind and one checkable row per relation the graph holds."""
        kinds = sorted(graph.count_by_kind().items())
        for box in self.kind_boxes.values():
            box.deleteLater()
        self.kind_boxes = {}
        for kind, count in kinds:
            box = QCheckBox(f"{kind} ({count})", self.kinds_row)
            box.setChecked(True)
            box.toggled.connect(lambda _on: self.sig_filter_changed.emit())
            self.kinds_layout.addWidget(box)
            self.kind_boxes[kind] = box
        self.relations.blockSignals(True)
        self.relations.clear()
        for relation in sorted({e.relation for e in graph.edges}):
            item = QListWidgetItem(relation.replace("_", " "), self.relations)
            item.setData(Qt.ItemDataRole.UserRole, relation)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.relations.blockSignals(False)

    def set_layout_name(self, name: str) -> None:
        self.layout_combo.setCurrentIndex(max(0, self.layout_combo.findData(name)))

    def layout_name(self) -> str:
        return str(self.layout_combo.currentData())

    def set_kind_shown(self, kind: str, shown: bool) -> None:
        self.kind_boxes[kind].setChecked(shown)

    # --- reading ---------------------------------------------------------------------------
    def current_filter(self) -> GraphFilter:
        kinds = frozenset(k for k, box in self.kind_boxes.items() if box.isChecked())
        rows = [self.relations.item(i) for i in range(self.relations.count())]
        relations = frozenset(str(r.data(Qt.ItemDataRole.UserRole)) for r in rows
                              if r.checkState() == Qt.CheckState.Checked)
        return GraphFilter(
            kinds=kinds if len(kinds) < len(self.kind_boxes) else None,
            relations=relations if len(relations) < len(rows) else None,
            date_from=_date(self.date_from), date_to=_date(self.date_to),
            max_reliability=self.reliability.currentData(),
            max_credibility=self.credibility.currentData(),
            graded_only=self.graded_only.isChecked())

    # --- the record -----------------------------------------------------------------------
    def show_text(self, text: str) -> None:
        self.record.setPlainText(text)

    def show_record(self, node: GraphNode, record: Record) -> None:
        rows = []
        meta = ("created_at", "updated_at", "created_by")
        for f in sorted(fields(record), key=lambda f: f.name in meta):
            value: Any = getattr(record, f.name)
            if value in (None, "", ()) or f.name in ("uid", "deleted_at", "case_uid"):
                continue
            if isinstance(value, tuple):
                value = ", ".join(str(v) for v in value)
            rows.append(f"<tr><td style='color:#5a636d;padding-right:6px'>"
                        f"{html.escape(f.name.replace('_', ' '))}</td>"
                        f"<td>{html.escape(str(value))}</td></tr>")
        cases = ", ".join(node.cases)
        self.record.setHtml(f"<b>{html.escape(node.label)}</b><br><i>{node.kind}"
                            f"{' in ' + html.escape(cases) if cases else ''}</i>"
                            f"<table>{''.join(rows)}</table>"
                            "<p style='color:#5a636d'>Double-click the node to edit it.</p>")

    def show_value(self, node: GraphNode, holders: list[str]) -> None:
        items = "".join(f"<li>{html.escape(h)}</li>" for h in holders)
        self.record.setHtml(f"<b>{html.escape(node.label)}</b><br><i>{node.kind} shared by"
                            f"</i><ul>{items}</ul>")


def _date(edit: QLineEdit) -> str | None:
    text = edit.text().strip()
    if not text:
        edit.setStyleSheet("")
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        edit.setStyleSheet("border: 1px solid #b3262d;")
        edit.setToolTip(f"{text!r} is not a date: type it as YYYY-MM-DD.")
        return None
    edit.setStyleSheet("")
    edit.setToolTip("")
    return day.isoformat()
