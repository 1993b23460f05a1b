"""Case > Timeline: the case's dated records on a time axis (docs/timeline.md).

`TimelineWindow` loads the case's items through `TimelineService` off the UI thread, filters
them by kind and date range with `domain.timeline.filter_items` (the definition `caseapp
timeline` uses), and shows them in a `TimelineCanvas`. Double-clicking an item opens its
record the way the main window does (`open_item`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QThreadPool
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain.records import SeizureRecord
from caseapp.domain.timeline import (
    KIND_COLOURS,
    KIND_TITLES,
    TIMELINE_KINDS,
    TimelineItem,
    filter_items,
)
from caseapp.errors import CaseAppError
from caseapp.services.timeline import TimelineService
from caseapp.services.workspace import Workspace
from caseapp.views.timeline_canvas import TimelineCanvas
from caseapp.views.workers import BackgroundTask

if TYPE_CHECKING:
    from caseapp.views.main_window import MainWindow

NO_DATE = QDate(1900, 1, 1)   # the minimum of the date fields: "any" (no bound)
OpenItem = Callable[[TimelineItem], None]


def _swatch(kind: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(KIND_COLOURS[kind]))
    return QIcon(pixmap)


def _date_edit(parent: QWidget, tip: str) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(NO_DATE)
    edit.setToolTip(tip)
    return edit


class TimelineWindow(QDialog):
    """The timeline of one case: lanes, zoom, pan, filter, export."""

    def __init__(self, ws: Workspace, case_ref: str, open_item: OpenItem | None = None,
                 parent: QWidget | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.ws, self.case_ref, self.open_item, self.pool = ws, case_ref, open_item, pool
        self.all_items: list[TimelineItem] = []
        self.shown: list[TimelineItem] = []
        self.loaded = False
        self._tasks: set[BackgroundTask] = set()
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._build_ui()
        self._build_actions()
        self._connect()
        self.resize(1280, 720)
        self.reload()

    # --- building ------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle(f"Timeline \u2014 {self.case_ref}")
        self.canvas = TimelineCanvas(self)
        self.lane_mode = QComboBox(self)
        self.lane_mode.addItem("Lanes per entity", "entity")
        self.lane_mode.addItem("Lanes per kind", "kind")
        self.lane_mode.setToolTip("One lane per shipment, exhibit, company… or per kind (Ctrl+L)")
        self.kind_boxes: dict[str, QCheckBox] = {}
        kinds_row = QHBoxLayout()
        kinds_row.addWidget(QLabel("Show:", self))
        for kind in TIMELINE_KINDS:
            box = QCheckBox(KIND_TITLES[kind], self)
            box.setIcon(_swatch(kind))
            box.setChecked(True)
            self.kind_boxes[kind] = box
            kinds_row.addWidget(box)
        kinds_row.addStretch(1)
        self.date_from = _date_edit(self, "Show what touches this day or later ('any': no bound)")
        self.date_to = _date_edit(self, "Show what touches this day or earlier ('any': no bound)")
        kinds_row.addWidget(QLabel("From", self))
        kinds_row.addWidget(self.date_from)
        kinds_row.addWidget(QLabel("to", self))
        kinds_row.addWidget(self.date_to)
        tools = QHBoxLayout()
        tools.addWidget(self.lane_mode)
        self.buttons: dict[str, QToolButton] = {}
        for key, text in (("zoom_in", "Zoom in"), ("zoom_out", "Zoom out"), ("fit", "Fit"),
                          ("export", "Export PNG\u2026")):
            button = QToolButton(self)
            button.setText(text)
            self.buttons[key] = button
            tools.addWidget(button)
        self.span_label = QLabel(self)
        self.span_label.setStyleSheet("color: #4b5563")
        tools.addStretch(1)
        tools.addWidget(self.span_label)
        self.detail = QLabel("Click an item to see it; double-click (or Return) opens it.", self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumHeight(36)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addLayout(kinds_row)
        self.scroll = QScrollBar(Qt.Orientation.Vertical, self)
        self.scroll.setRange(0, 0)
        plot = QHBoxLayout()
        plot.setSpacing(0)
        plot.addWidget(self.canvas, 1)
        plot.addWidget(self.scroll)
        layout.addLayout(plot, 1)
        layout.addWidget(self.detail)

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], Any], *keys: Any) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.act_zoom_in = action("Zoom in", self.canvas.zoom_in, QKeySequence.StandardKey.ZoomIn,
                                  "Ctrl+=")
        self.act_zoom_out = action("Zoom out", self.canvas.zoom_out,
                                   QKeySequence.StandardKey.ZoomOut)
        self.act_fit = action("Fit", self.canvas.fit, "Ctrl+0")
        self.act_export = action("Export PNG\u2026", self.export_dialog, "Ctrl+S")
        self.act_lanes = action("Switch lanes", self.toggle_lanes, "Ctrl+L")
        self.act_reload = action("Reload", self.reload, QKeySequence.StandardKey.Refresh)
        for key, act in (("zoom_in", self.act_zoom_in), ("zoom_out", self.act_zoom_out),
                         ("fit", self.act_fit), ("export", self.act_export)):
            self.buttons[key].setDefaultAction(act)
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                             for k in act.shortcuts())
            act.setToolTip(f"{act.text().rstrip(chr(0x2026))} ({keys})")
        self.buttons["zoom_in"].setToolTip("Zoom in (Ctrl++, wheel up, +)")

    def _connect(self) -> None:
        self.lane_mode.currentIndexChanged.connect(self._on_lane_mode_changed)
        for box in self.kind_boxes.values():
            box.toggled.connect(self.apply_filter)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.canvas.sig_selected.connect(self._on_canvas_selected)
        self.canvas.sig_activated.connect(self._on_canvas_activated)
        self.canvas.sig_view_changed.connect(self._on_canvas_view_changed)
        self.scroll.valueChanged.connect(self._on_scroll_value_changed)

    # --- data ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the case's items again (in the background) and show them filtered."""
        ref = self.case_ref

        def job(_progress: Any, _cancel: Any) -> list[TimelineItem]:
            return list(TimelineService(self.ws).timeline(ref).items)

        self.detail.setText("Reading the case\u2026")
        task = BackgroundTask(self, "Reading the timeline", job,
                              on_done=lambda items: self._loaded(task, items),
                              on_failed=lambda exc: self._failed(task, exc),
                              writes=False, pool=self.pool, progress=False)
        self._tasks.add(task)
        task.start()

    def _loaded(self, task: BackgroundTask, items: list[TimelineItem]) -> None:
        self._tasks.discard(task)
        first = not self.loaded
        self.all_items, self.loaded = items, True
        self.apply_filter(fit=first)
        self.detail.setText(f"{len(items)} dated records and events. Click an item to see it; "
                            "double-click (or Return) opens it.")

    def _failed(self, task: BackgroundTask, exc: BaseException) -> None:
        self._tasks.discard(task)
        text = exc.message if isinstance(exc, CaseAppError) else f"{type(exc).__name__}: {exc}"
        self.detail.setText(f"Could not read the timeline: {text}")

    def kinds(self) -> list[str]:
        return [k for k, box in self.kind_boxes.items() if box.isChecked()]

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        def day(edit: QDateEdit) -> dt.date | None:
            d = edit.date()
            return None if d == NO_DATE else dt.date(d.year(), d.month(), d.day())

        return day(self.date_from), day(self.date_to)

    def apply_filter(self, *_: object, fit: bool = False) -> None:
        start, end = self.date_range()
        self.shown = filter_items(self.all_items, kinds=self.kinds(), start=start, end=end)
        self.canvas.set_items(self.shown, fit=fit)

    def toggle_lanes(self) -> None:
        self.lane_mode.setCurrentIndex(1 - self.lane_mode.currentIndex())

    # --- export --------------------------------------------------------------------------
    def export_png(self, path: Path | str) -> Path:
        """Save the timeline as shown to `path` (PNG). Raises CaseAppError if it cannot."""
        out = Path(path)
        if out.suffix.lower() != ".png":
            out = out.with_name(out.name + ".png")
        if not self.canvas.grab().save(str(out), "PNG"):
            raise CaseAppError(f"Could not write {out}: check that the folder exists and "
                               "that you may write there.")
        return out

    def export_dialog(self) -> None:
        from caseapp.views.error_dialog import show_error

        name, _ = QFileDialog.getSaveFileName(self, "Export timeline as PNG",
                                              f"timeline-{self.case_ref}.png", "PNG (*.png)")
        if not name:
            return
        try:
            out = self.export_png(name)
        except CaseAppError as exc:
            show_error(self, exc)
            return
        self.detail.setText(f"Wrote {out}.")

    # --- slots ---------------------------------------------------------------------------
    def _on_lane_mode_changed(self, _index: int) -> None:
        self.canvas.set_mode(str(self.lane_mode.currentData()))

    def _on_canvas_selected(self, item: TimelineItem | None) -> None:
        if item is not None:
            self.detail.setText(self.canvas.tooltip_of(item).replace("\n", " \u2014 "))

    def _on_canvas_activated(self, item: TimelineItem) -> None:
        if self.open_item is not None:
            self.open_item(item)

    def _on_scroll_value_changed(self, value: int) -> None:
        self.canvas.set_y_offset(value)

    def _on_window_changed(self, _changes: object) -> None:
        """The main window wrote something: read the case again."""
        self.reload()

    def _on_canvas_view_changed(self) -> None:
        start, end = self.canvas.visible_span()
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, int(self.canvas.max_y()))
        self.scroll.setPageStep(max(1, self.canvas.height() - 40))
        self.scroll.setSingleStep(22)
        self.scroll.setValue(int(self.canvas.y_offset))
        self.scroll.blockSignals(False)
        self.span_label.setText(f"{start:%Y-%m-%d} \u2013 {end:%Y-%m-%d}")


def open_item(window: MainWindow, case_ref: str, item: TimelineItem) -> None:
    """Open `item`'s record as the main window would: its editor, or for a custody event or
    lab result the exhibit window of its seizure."""
    from caseapp.views.error_dialog import show_error

    try:
        if item.kind in ("custody", "lab_result"):
            from caseapp.views.exhibit_dialog import ExhibitDialog

            seizure = window.ws.seizures.get(item.lane_uid)
            if isinstance(seizure, SeizureRecord):
                ExhibitDialog(window.ws, case_ref, seizure, window.run, window).show()
            return
        window.edit_record(window.ws.service(item.record_kind).get(item.uid))
    except CaseAppError as exc:  # deleted since the timeline was read
        show_error(window, exc)


def show_timeline(window: MainWindow) -> TimelineWindow | None:
    """Case > Timeline: the selected case's timeline (one window per case, kept up to date
    with the window's edits)."""
    case_ref = window.current_case_ref()
    if case_ref is None:
        window.statusBar().showMessage("Select a case first.", 5000)
        return None
    dialog = TimelineWindow(window.ws, case_ref, lambda item: open_item(window, case_ref, item),
                            window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.runner.sig_changed.connect(dialog._on_window_changed)
    dialog.show()
    return dialog
