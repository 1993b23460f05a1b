"""An exhibit's window: its chain of custody (list, timeline, Transfer…), lab results and
attachments (open, save as, verify hash). Reads go to the services; writes run as operations
on the window's writer thread (`run`), like every other edit."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain.custody import (
    CustodyWarning,
    continuity_warnings,
    current_holder,
    current_seal,
    effective_chain,
    lab_warnings,
)
from caseapp.domain.records import AttachmentRecord, CustodyRecord, LabResultRecord, SeizureRecord
from caseapp.domain.types import CUSTODY_EVENTS
from caseapp.views.operations import Changes, Operation

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

Run = Callable[[Operation[Any]], Any]
WARN_STYLE = "background:#fff4d6; border:1px solid #c98a00; padding:6px;"
EVENT_COLOURS = {"received": "#2e7d32", "sealed": "#1565c0", "resealed": "#1565c0",
                 "transferred": "#6a1b9a", "sent_to_lab": "#00838f", "returned": "#00838f",
                 "sampled": "#ef6c00", "destroyed": "#424242"}


def _when(at: str) -> str:
    moment = dt.datetime.fromisoformat(at)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def _item(text: object, *, muted: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    if len(item.text()) > 20:
        item.setToolTip(item.text())
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if muted:
        font = item.font()
        font.setStrikeOut(True)
        item.setFont(font)
        item.setForeground(QColor("#8a8f98"))
    return item


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    return table


class TimelineWidget(QWidget):
    """The standing events on a line, spaced by time; a red ring marks an event warned about."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[CustodyRecord] = []
        self.flagged: set[str] = set()
        self.setFixedHeight(84)

    def set_events(self, events: list[CustodyRecord], flagged: set[str]) -> None:
        self.events, self.flagged = events, flagged
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width, y = self.width(), 24.0
        left, right = 30.0, width - 30.0
        painter.setPen(QPen(QColor("#9aa3ad"), 2))
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        if not self.events:
            painter.drawText(QRectF(0, y + 10, width, 20), Qt.AlignmentFlag.AlignCenter,
                             "No custody events recorded")
            return
        times = [dt.datetime.fromisoformat(e.at).timestamp() for e in self.events]
        span = (max(times) - min(times)) or 1.0
        font = QFont(painter.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() - 2))
        painter.setFont(font)
        # Evenly spaced when the times crowd together, else by time.
        even = len(self.events) > 1 and min(
            (b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)),
            default=span) < span / (4 * len(self.events))
        for i, (e, t) in enumerate(zip(self.events, times, strict=True)):
            share = i / max(1, len(self.events) - 1) if even else (t - min(times)) / span
            x = left + share * (right - left) if len(self.events) > 1 else width / 2
            painter.setPen(QPen(QColor("#c62828"), 2) if e.uid in self.flagged
                           else QPen(Qt.PenStyle.NoPen))
            painter.setBrush(QColor(EVENT_COLOURS.get(e.event, "#555")))
            painter.drawEllipse(QPointF(x, y), 6, 6)
            painter.setPen(QColor("#1b1f24"))
            label = e.event.replace("_", " ")
            stamp = dt.datetime.fromisoformat(e.at).strftime("%m-%d")
            row = y + 16 + (i % 2) * 22
            painter.drawText(QRectF(x - 45, row, 90, 14), Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(QColor("#5b6470"))
            painter.drawText(QRectF(x - 45, row + 10, 90, 14), Qt.AlignmentFlag.AlignCenter,
                             stamp)


class CustodyEventDialog(QDialog):
    """One new custody event; for a transfer, "from" proposes the current holder."""

    FIELDS = (("released_by", "From (released by)"), ("received_by", "To (received by)"),
              ("purpose", "Purpose"), ("location", "Location"), ("seal_no", "Seal no."),
              ("condition", "Condition"), ("witness", "Witness"), ("authority", "Authority"),
              ("sample_id", "Sample id"), ("notes", "Notes"))

    def __init__(self, event: str, *, holder: str | None, seal: str | None,
                 corrects: CustodyRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.corrects = corrects
        self.setWindowTitle("Correct custody event" if corrects else
                            f"{event.replace('_', ' ').capitalize()}\u2026")
        form = QFormLayout()
        self.event_box = QComboBox(self)
        self.event_box.addItems(list(CUSTODY_EVENTS))
        self.event_box.setCurrentText(event)
        form.addRow("Event", self.event_box)
        self.at = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        form.addRow("Time", self.at)
        self.edits: dict[str, QLineEdit] = {}
        for name, label in self.FIELDS:
            self.edits[name] = QLineEdit(self)
            form.addRow(label, self.edits[name])
        self.seal_intact = QComboBox(self)
        self.seal_intact.addItems(["", "yes", "no"])
        form.insertRow(7, "Seal intact", self.seal_intact)
        if corrects is not None:
            self._fill(corrects)
        else:
            if event in ("transferred", "sent_to_lab", "returned", "sampled", "destroyed"):
                self.edits["released_by"].setText(holder or "")
            if event in ("sealed", "sampled", "resealed"):
                self.edits["received_by"].setText(holder or "")
            self.edits["seal_no"].setText(seal or "")
        self.error = QLabel(self)
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if corrects is not None:
            note = QLabel(f"This records a correction of the {corrects.event.replace('_', ' ')} "
                          f"event of {_when(corrects.at)}; the original stays in the chain.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def _fill(self, e: CustodyRecord) -> None:
        self.at.setDateTime(QDateTime.fromString(e.at[:19], "yyyy-MM-ddTHH:mm:ss"))
        for name, edit in self.edits.items():
            edit.setText(getattr(e, name) or "")
        self.seal_intact.setCurrentText(e.seal_intact or "")

    def values(self) -> dict[str, str]:
        """The event as FIELD=VALUE text (what `caseapp custody add` takes)."""
        moment = self.at.dateTime().toPython()
        assert isinstance(moment, dt.datetime)
        if self.corrects is not None:  # keep the offset the corrected event was recorded in
            offset = dt.datetime.fromisoformat(self.corrects.at).tzinfo
            at = moment.replace(tzinfo=offset).isoformat() if offset else moment.isoformat()
        else:
            at = moment.astimezone().isoformat(timespec="seconds")
        out = {"at": at, "seal_intact": self.seal_intact.currentText()}
        out.update({n: e.text().strip() for n, e in self.edits.items()})
        if self.corrects is not None:
            out["corrects"] = self.corrects.uid
        return {k: v for k, v in out.items() if v}

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class CustodyPanel(QWidget):
    """The chain of one exhibit: who holds it, the warnings, a timeline, every event."""

    HEADERS = ["Time", "Event", "From", "To", "Seal", "Intact", "Details"]

    def __init__(self, ws: Workspace, case_ref: str, exhibit_uid: str, run: Run,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.case_ref, self.exhibit_uid, self.run = ws, case_ref, exhibit_uid, run
        self.events: list[CustodyRecord] = []
        self.shown: list[CustodyRecord] = []
        self.summary = QLabel(self)
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARN_STYLE)
        self.timeline = TimelineWidget(self)
        self.table = _table(self.HEADERS)
        for i, w in enumerate((160, 90, 170, 170, 120, 50)):
            self.table.setColumnWidth(i, w)
        self.transfer_button = QPushButton("Transfer\u2026", self)
        self.add_button = QPushButton("Other event\u2026", self)
        self.correct_button = QPushButton("Correct selected\u2026", self)
        self.form_button = QPushButton("Print custody form\u2026", self)
        bar = QHBoxLayout()
        for b in (self.transfer_button, self.add_button, self.correct_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.form_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warnings)
        layout.addWidget(self.timeline)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.transfer_button.clicked.connect(lambda: self.new_event("transferred"))
        self.add_button.clicked.connect(lambda: self.new_event("received"))
        self.correct_button.clicked.connect(self.correct_selected)
        self.form_button.clicked.connect(self.print_form)
        self.table.doubleClicked.connect(self.correct_selected)
        self.refresh()

    def refresh(self) -> None:
        seizure, self.events = self.ws.custody.chain(self.case_ref, self.exhibit_uid)
        results = [r for r in self.ws.lab_results.case_results(seizure.case_uid)
                   if r.exhibit == seizure.uid]
        names = self.ws.lab_results.substance_names({seizure.substance})
        warned = (continuity_warnings(seizure, self.events)
                  + lab_warnings(seizure, results, names))
        holder, seal = current_holder(self.events), current_seal(self.events)
        destroyed = any(e.event == "destroyed" for e in effective_chain(self.events))
        self.summary.setText(
            f"<b>{seizure.exhibit_ref}</b>: "
            + ("destroyed" if destroyed else f"held by <b>{holder or 'nobody recorded'}</b>")
            + f"; seal <b>{seal or 'none recorded'}</b>")
        self._show_warnings(warned)
        standing = effective_chain(self.events)
        corrected = [e for e in self.events if e not in standing]
        self.shown = sorted(standing + corrected, key=lambda e: dt.datetime.fromisoformat(e.at))
        self.timeline.set_events(standing, {w.record_uid for w in warned if w.record_uid})
        self.table.setRowCount(len(self.shown))
        for row, e in enumerate(self.shown):
            old = e in corrected
            details = "; ".join(p for p in (e.purpose, e.location, e.condition,
                                            f"witness {e.witness}" if e.witness else "",
                                            f"authority {e.authority}" if e.authority else "",
                                            f"sample {e.sample_id}" if e.sample_id else "",
                                            "correction" if e.corrects else "",
                                            "corrected" if old else "", e.notes) if p)
            for col, value in enumerate((_when(e.at), e.event.replace("_", " "), e.released_by,
                                         e.received_by, e.seal_no, e.seal_intact, details)):
                self.table.setItem(row, col, _item(value, muted=old))

    def _show_warnings(self, warned: list[CustodyWarning]) -> None:
        self.warnings.setVisible(bool(warned))
        self.warnings.setText("<br>".join(f"\u26a0 {w.message}" for w in warned))

    def selected(self) -> CustodyRecord | None:
        row = self.table.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def new_event(self, event: str, corrects: CustodyRecord | None = None) -> CustodyEventDialog:
        dialog = CustodyEventDialog(event, holder=current_holder(self.events),
                                    seal=current_seal(self.events), corrects=corrects,
                                    parent=self)
        dialog.accepted.connect(lambda: self.save(dialog))
        dialog.open()
        return dialog

    def correct_selected(self) -> None:
        event = self.selected()
        if event is not None:
            self.new_event(event.event, corrects=event)

    def save(self, dialog: CustodyEventDialog) -> Any:
        values = dialog.values()
        event = dialog.event_box.currentText()

        def job(_progress: Any, _cancel: Any) -> CustodyRecord:
            return self.ws.custody.add_event(self.case_ref, self.exhibit_uid, event, values)

        def failed(exc: BaseException) -> bool:
            dialog.show_error(getattr(exc, "message", str(exc)))
            dialog.open()   # back to the dialog, values kept, to fix and save again
            return True

        return self.run(Operation(f"Record {event.replace('_', ' ')}", job,
                                  Changes.of("custody", None),
                                  on_success=lambda _r: self.refresh(), on_failure=failed))

    def print_form(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Print custody form",
                                              f"custody-{self.case_ref}.pdf", "PDF (*.pdf)")
        if name:
            self.write_form(Path(name))

    def write_form(self, path: Path) -> Any:
        from caseapp.services.exhibits import custody_form

        def job(_progress: Any, _cancel: Any) -> int:
            return custody_form(self.ws, self.case_ref, self.exhibit_uid, path)

        def show(_pages: int) -> None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        # Its audit entry shows in the History tab.
        return self.run(Operation("Print the custody form", job,
                                  Changes(case_uid=None), long=True, on_success=show))


class LabResultDialog(QDialog):
    """A new lab result (the fields of `caseapp lab add`)."""

    FIELDS = (("sample_id", "Sample id *"), ("laboratory", "Laboratory"),
              ("method", "Method (GC-MS, FTIR, …)"), ("substance", "Identified substance"),
              ("purity_percent", "Purity %"), ("uncertainty_percent", "Uncertainty ± %"),
              ("analysed_on", "Analysed on (YYYY-MM-DD)"), ("report_ref", "Lab report ref"),
              ("attachment", "Report file (attachment name)"), ("notes", "Notes"))

    def __init__(self, substance: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New lab result")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for name, label in self.FIELDS:
            self.edits[name] = QLineEdit(self)
            form.addRow(label, self.edits[name])
        self.edits["substance"].setText(substance)
        self.accepted_box = QCheckBox("Accepted: the seizure's purity follows this result", self)
        form.addRow("", self.accepted_box)
        self.error = QLabel(self)
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> dict[str, str]:
        out = {n: e.text().strip() for n, e in self.edits.items() if e.text().strip()}
        if self.accepted_box.isChecked():
            out["accepted"] = "yes"
        return out

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class LabPanel(QWidget):
    """The exhibit's lab results; accepting one sets the seizure's purity."""

    HEADERS = ["Sample", "Laboratory", "Method", "Substance", "Purity %", "±", "Analysed",
               "Report", "Accepted"]

    def __init__(self, ws: Workspace, seizure: SeizureRecord, run: Run,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.seizure, self.run = ws, seizure, run
        self.results: list[LabResultRecord] = []
        self.table = _table(self.HEADERS)
        for i, w in enumerate((140, 200, 150, 100, 65, 45, 85, 150)):
            self.table.setColumnWidth(i, w)
        self.add_button = QPushButton("Add result\u2026", self)
        self.accept_button = QPushButton("Accept selected", self)
        self.accept_button.setToolTip("The seizure's purity and lab confirmation follow it")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.note, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.accept_button.clicked.connect(self.accept_selected)
        self.add_button.clicked.connect(self.new_result)
        self.refresh()

    def refresh(self) -> None:
        self.seizure = self.ws.seizures.get(self.seizure.uid)
        self.results = [r for r in self.ws.lab_results.case_results(self.seizure.case_uid)
                        if r.exhibit == self.seizure.uid]
        names = self.ws.lab_results.substance_names({r.substance for r in self.results
                                                     if r.substance})
        self.table.setRowCount(len(self.results))
        for row, r in enumerate(self.results):
            for col, value in enumerate((
                    r.sample_id, r.laboratory, r.method, names.get(r.substance or "", ""),
                    r.purity_percent, r.uncertainty_percent, r.analysed_on, r.report_ref,
                    "yes" if r.accepted else "")):
                self.table.setItem(row, col, _item(value))
        purity = self.seizure.purity_percent
        self.note.setText(f"Seizure purity: {purity if purity is not None else 'unknown'} %"
                          f"{' (lab confirmed)' if self.seizure.lab_confirmed else ''}; "
                          "it follows the accepted result.")

    def new_result(self) -> LabResultDialog:
        names = self.ws.lab_results.substance_names({self.seizure.substance})
        dialog = LabResultDialog(names.get(self.seizure.substance, ""), self)
        dialog.accepted.connect(lambda: self.save(dialog))
        dialog.open()
        return dialog

    def save(self, dialog: LabResultDialog) -> Any:
        values, seizure = dialog.values(), self.seizure
        case_ref = self.ws.cases.get(seizure.case_uid).ref

        def failed(exc: BaseException) -> bool:
            dialog.show_error(getattr(exc, "message", str(exc)))
            dialog.open()
            return True

        return self.run(Operation(
            "Add a lab result",
            lambda _p, _c: self.ws.lab_results.add_result(case_ref, seizure.uid, values),
            Changes(frozenset({"lab_result", "seizure"}), seizure.case_uid),
            on_success=lambda _r: self.refresh(), on_failure=failed))

    def accept_selected(self) -> Any:
        row = self.table.currentRow()
        if not 0 <= row < len(self.results):
            return None
        uid = self.results[row].uid
        return self.run(Operation("Accept the lab result",
                                  lambda _p, _c: self.ws.lab_results.accept(uid),
                                  Changes(frozenset({"lab_result", "seizure"}),
                                          self.seizure.case_uid),
                                  on_success=lambda _r: self.refresh()))


class AttachmentsPanel(QWidget):
    """Files kept with the case: open, save as, verify the hash, attach another."""

    HEADERS = ["File", "Size", "SHA-256", "Attached to", "Added"]

    def __init__(self, ws: Workspace, case_ref: str, run: Run, *,
                 target: SeizureRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.case_ref, self.run, self.target = ws, case_ref, run, target
        self.docs: list[dict[str, Any]] = []
        self.table = _table(self.HEADERS)
        for i, w in enumerate((200, 80, 220, 120)):
            self.table.setColumnWidth(i, w)
        self.open_button = QPushButton("Open", self)
        self.save_button = QPushButton("Save as\u2026", self)
        self.verify_button = QPushButton("Verify hash", self)
        self.attach_button = QPushButton("Attach file\u2026", self)
        bar = QHBoxLayout()
        for b in (self.open_button, self.save_button, self.verify_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.attach_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.open_button.clicked.connect(self.open_selected)
        self.save_button.clicked.connect(self.save_selected)
        self.verify_button.clicked.connect(self.verify_selected)
        self.attach_button.clicked.connect(self.attach)
        self.table.doubleClicked.connect(self.open_selected)
        self.refresh()

    def refresh(self) -> None:
        from caseapp.services.exhibits import attachments_json

        self.docs = attachments_json(self.ws, self.case_ref)
        self.table.setRowCount(len(self.docs))
        for row, d in enumerate(self.docs):
            target = d["target"]["name"] if d["target"] else "the case"
            for col, value in enumerate((d["filename"], f"{d['size']:,}", d["sha256"], target,
                                         (d["created_at"] or "")[:16].replace("T", " "))):
                self.table.setItem(row, col, _item(value))

    def selected(self) -> dict[str, Any] | None:
        row = self.table.currentRow()
        return self.docs[row] if 0 <= row < len(self.docs) else None

    def read_selected(self) -> tuple[dict[str, Any], bytes] | None:
        """The selected attachment and its bytes (hash checked); an error dialog if damaged."""
        from caseapp.views import error_dialog

        doc = self.selected()
        if doc is None:
            return None
        try:
            return doc, self.ws.attachments.read(doc["uid"])
        except Exception as exc:  # noqa: BLE001 - shown to the user
            error_dialog.show_error(self, exc)
            return None

    def open_selected(self) -> Path | None:
        got = self.read_selected()
        if got is None:
            return None
        doc, data = got
        path = Path(tempfile.mkdtemp(prefix="caseapp-attachment-")) / Path(doc["filename"]).name
        path.write_bytes(data)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def save_selected(self) -> None:
        doc = self.selected()
        if doc is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save attachment as", doc["filename"])
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        got = self.read_selected()
        if got is None:
            return False
        path.write_bytes(got[1])
        return True

    def verify_selected(self) -> bool | None:
        doc = self.selected()
        if doc is None:
            return None
        ok = self.read_selected() is not None
        if ok:
            QMessageBox.information(self, "Hash verified",
                                    f"{doc['filename']}: the stored content matches its "
                                    f"SHA-256\n{doc['sha256']}.")
        return ok

    def attach(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Attach file")
        if name:
            self.attach_path(Path(name))

    def attach_path(self, path: Path) -> Any:
        target = self.target

        def job(_progress: Any, _cancel: Any) -> AttachmentRecord:
            return self.ws.attachments.add_file(
                self.case_ref, path, target_kind="seizure" if target else None,
                target_uid=target.uid if target else None)

        return self.run(Operation(f"Attach {path.name}", job, Changes.of("attachment", None),
                                  long=True, on_success=lambda _r: self.refresh()))


class ExhibitDialog(QDialog):
    """Custody, lab results and attachments of one seizure."""

    def __init__(self, ws: Workspace, case_ref: str, seizure: SeizureRecord, run: Run,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Exhibit {seizure.exhibit_ref}: custody, lab, attachments")
        self.tabs = QTabWidget(self)
        self.custody = CustodyPanel(ws, case_ref, seizure.uid, run, self)
        self.lab = LabPanel(ws, seizure, run, self)
        self.attachments = AttachmentsPanel(ws, case_ref, run, target=seizure, parent=self)
        self.tabs.addTab(self.custody, "Custody")
        self.tabs.addTab(self.lab, "Lab results")
        self.tabs.addTab(self.attachments, "Attachments")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(1000, 620)


class AttachmentsDialog(QDialog):
    """Every attachment of the case (Case menu)."""

    def __init__(self, ws: Workspace, case_ref: str, run: Run,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Attachments of {case_ref}")
        self.panel = AttachmentsPanel(ws, case_ref, run, parent=self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.resize(860, 420)
