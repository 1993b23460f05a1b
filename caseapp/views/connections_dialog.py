"""Case > Connections: possible duplicates (two records side by side, decide) and screening hits.

Both lists are computed in the background (they read every company and person and, for
screening, every list entry); decisions go through the window's operation runner like any
edit. The same services back `caseapp dedup`, `caseapp decide` and `caseapp screen`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseapp.services.workspace import Workspace
from caseapp.views.operations import Changes, Operation
from caseapp.views.workers import BackgroundTask

FIELDS = {"company": ("name", "name_original", "aliases", "country", "city", "address",
                      "registration_no", "website", "emails", "phones"),
          "person": ("full_name", "aliases", "nationality", "date_of_birth", "emails",
                     "phones")}


def _table(headers: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    return table


def _explain(explanation: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['feature']} ({f['score']:+.2f}): {f['detail']}" for f in explanation)


class ConnectionsDialog(QDialog):
    """Possible duplicates and screening hits of the current case (or of all cases)."""

    def __init__(self, ws: Workspace, case_ref: str | None,
                 run: Callable[[Operation[Any]], Any], parent: QWidget | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.ws, self.case_ref, self.run = ws, case_ref, run
        self.pool = pool
        self.candidates: list[dict[str, Any]] = []
        self.hits: list[dict[str, Any]] = []
        self._tasks: set[BackgroundTask] = set()
        self._build_ui()
        self.reload()

    # --- layout --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle(f"Connections \u2014 {self.case_ref or 'all cases'}")
        self.tabs = QTabWidget(self)
        dup = QWidget(self)
        self.dup_table = _table(("Score", "Record A", "Case A", "Record B", "Case B"), dup)
        self.side_a, self.side_b = QLabel(dup), QLabel(dup)
        for side in (self.side_a, self.side_b):
            side.setWordWrap(True)
            side.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.dup_why = QLabel(dup)
        self.dup_why.setWordWrap(True)
        self.dup_why.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.dup_why.setMinimumHeight(60)
        sides = QSplitter(dup)
        sides.addWidget(self.side_a)
        sides.addWidget(self.side_b)
        buttons = QHBoxLayout()
        self.btn_same = QPushButton("Same entity", dup)
        self.btn_different = QPushButton("Different", dup)
        self.btn_unsure = QPushButton("Unsure", dup)
        for b in (self.btn_same, self.btn_different, self.btn_unsure):
            buttons.addWidget(b)
        box = QVBoxLayout(dup)
        box.addWidget(self.dup_table, 3)
        box.addWidget(sides, 2)
        box.addWidget(self.dup_why, 1)
        box.addLayout(buttons)
        self.tabs.addTab(dup, "Possible duplicates")
        scr = QWidget(self)
        self.lists_label = QLabel(scr)
        self.lists_label.setWordWrap(True)
        self.hit_table = _table(("Score", "Record", "Case", "List entry", "Program",
                                 "Decision"), scr)
        self.hit_why = QLabel(scr)
        self.hit_why.setWordWrap(True)
        self.hit_why.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box = QVBoxLayout(scr)
        box.addWidget(self.lists_label)
        box.addWidget(self.hit_table, 3)
        box.addWidget(self.hit_why, 1)
        self.tabs.addTab(scr, "Screening")
        seen = QWidget(self)
        self.seen_table = _table(("Record", "Also seen in", "Other record", "Matched on"), seen)
        self.btn_open = QPushButton("Open the other case's record", seen)
        self.btn_open.setEnabled(False)
        box = QVBoxLayout(seen)
        box.addWidget(self.seen_table, 1)
        box.addWidget(self.btn_open)
        self.tabs.addTab(seen, "Seen before")
        self.seen_rows: list[dict[str, Any]] = []
        self.status = QLabel("Looking for connections\u2026", self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(close)
        close.rejected.connect(self.reject)
        self.dup_table.currentCellChanged.connect(lambda row, *_: self._show_pair(row))
        self.hit_table.currentCellChanged.connect(lambda row, *_: self._show_hit(row))
        self.btn_same.clicked.connect(lambda: self._decide("same"))
        self.btn_different.clicked.connect(lambda: self._decide("different"))
        self.btn_unsure.clicked.connect(lambda: self._decide("unsure"))
        self.btn_open.clicked.connect(self._open_seen)
        self.seen_table.cellDoubleClicked.connect(lambda *_: self._open_seen())
        self.resize(1000, 640)

    # --- data ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Recompute candidates and hits in the background."""
        self._set_buttons(False)
        case = self.case_ref

        def job(_progress: Any, _cancel: Any) -> Any:
            return (self.ws.dedup.candidates_json(("company", "person"), case),
                    self.ws.screening.screen(case), self._seen_rows(case))

        # On the writer: the first screening of a database loads the shipped list (a write).
        task = BackgroundTask(self, "Looking for connections", job,
                              on_done=lambda result: self._loaded(task, result),
                              on_failed=lambda exc: self._failed(task, exc),
                              writes=True, pool=self.pool, progress=False)
        self._tasks.add(task)
        task.start()

    def _failed(self, task: BackgroundTask, exc: BaseException) -> None:
        self._tasks.discard(task)
        self.status.setText(f"Could not look for connections: {exc}")

    def _loaded(self, task: BackgroundTask, result: Any) -> None:
        self._tasks.discard(task)
        dedup, screening, self.seen_rows = result
        self._fill_seen()
        self.candidates, self.hits = dedup["candidates"], screening["hits"]
        self.dup_table.setRowCount(len(self.candidates))
        for row, c in enumerate(self.candidates):
            for col, text in enumerate((f"{c['score']:.2f}", c["a"]["name"], c["a"]["case"],
                                        c["b"]["name"], c["b"]["case"])):
                self.dup_table.setItem(row, col, QTableWidgetItem(text or ""))
        self.lists_label.setText("Screened against: " + "; ".join(
            f"{x['name']} (published {x['published'] or 'undated'}, {x['entries']:,} entries)"
            for x in screening["lists"]))
        self.hit_table.setRowCount(len(self.hits))
        for row, h in enumerate(self.hits):
            for col, text in enumerate((f"{h['score']:.2f}", h["record"]["name"],
                                        h["record"]["case"], h["entry"]["name"],
                                        h["entry"]["program"], h["decision"] or "not decided")):
                self.hit_table.setItem(row, col, QTableWidgetItem(text or ""))
        self.status.setText(f"{len(self.candidates)} possible duplicates, {len(self.hits)} "
                            "screening hits. A hit is a lead, not a finding.")
        if self.candidates:
            self.dup_table.selectRow(0)
        else:
            self.side_a.setText("No possible duplicates.")
            self.side_b.clear()
            self.dup_why.clear()
        if self.hits:
            self.hit_table.selectRow(0)
        self._set_buttons(bool(self.candidates))

    def _seen_rows(self, case: str | None) -> list[dict[str, Any]]:
        """The case's records seen in other cases, one row per other case and record
        (runs in the background: it reads the whole case)."""
        if not case:
            return []
        detail = self.ws.cases.show(case)
        names = {r.uid: getattr(r, field) for records, field in (
            (detail.companies, "name"), (detail.persons, "full_name"),
            (detail.shipments, "ref")) for r in records}
        return [{"record": names.get(uid, uid), **e}
                for uid, entries in detail.seen_in.items() for e in entries]

    def _fill_seen(self) -> None:
        self.seen_table.setRowCount(len(self.seen_rows))
        for row, e in enumerate(self.seen_rows):
            how = e["matched_on"] + (f" {e['value']}" if e["value"] else "")
            for col, text in enumerate((e["record"], e["case"], e["name"], how)):
                self.seen_table.setItem(row, col, QTableWidgetItem(text or ""))
        self.btn_open.setEnabled(bool(self.seen_rows))
        if self.seen_rows:
            self.seen_table.selectRow(0)

    def _open_seen(self) -> None:
        row = self.seen_table.currentRow()
        window = self.parent()
        if not 0 <= row < len(self.seen_rows) or not hasattr(window, "open_in_case"):
            return
        e = self.seen_rows[row]
        self.accept()
        window.open_in_case(e["case"], e["kind"], e["uid"])

    def _set_buttons(self, enabled: bool) -> None:
        for b in (self.btn_same, self.btn_different, self.btn_unsure):
            b.setEnabled(enabled)

    def _describe(self, side: dict[str, Any]) -> str:
        record = self.ws.service(side["kind"]).get(side["uid"])
        lines = [f"<b>{side['kind']}</b> in {side['case'] or 'no case'}"]
        for name in FIELDS[side["kind"]]:
            value = getattr(record, name)
            if value not in (None, (), ""):
                shown = ", ".join(value) if isinstance(value, tuple) else str(value)
                lines.append(f"{name}: {shown}")
        return "<br>".join(lines)

    def _show_pair(self, row: int) -> None:
        if not 0 <= row < len(self.candidates):
            return
        c = self.candidates[row]
        self.side_a.setText(self._describe(c["a"]))
        self.side_b.setText(self._describe(c["b"]))
        self.dup_why.setText(_explain(c["explanation"]))

    def _show_hit(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            self.hit_why.setText(_explain(self.hits[row]["explanation"]))

    def _decide(self, verdict: str) -> None:
        row = self.dup_table.currentRow()
        if not 0 <= row < len(self.candidates):
            return
        c = self.candidates[row]
        self._set_buttons(False)

        def job(_progress: Any, _cancel: Any) -> Any:
            return self.ws.dedup.decide(c["a"]["kind"], c["a"]["uid"], c["b"]["uid"], verdict)

        def failed(_exc: BaseException) -> bool:
            self._set_buttons(True)
            return False

        self.run(Operation(f"Decide {c['a']['name']} / {c['b']['name']}: {verdict}", job,
                           changes=Changes.of("decision", None),
                           on_success=lambda _r: self.reload(), on_failure=failed))
