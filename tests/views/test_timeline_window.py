"""Case > Timeline: every dated record shown, filters, zoom and pan, select and open, export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.services.test_timeline import REF, dated_records


def open_timeline(window: Any, qtbot: Any) -> Any:
    from caseapp.views.timeline_view import show_timeline

    action = next(a for a in window.menuBar().actions()[3].menu().actions()
                  if a.text() == "T&imeline\u2026")
    assert action.shortcut() == QKeySequence("Ctrl+Shift+T")
    dialog = show_timeline(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=30000)
    dialog.resize(1200, 700)
    return dialog


def test_the_timeline_shows_every_dated_record_and_filters(window: Any, qtbot: Any) -> None:
    assert window.current_case_ref() == REF
    dialog = open_timeline(window, qtbot)
    canvas = dialog.canvas
    expected = dated_records(window.ws, REF)
    for kind, uids in expected.items():
        assert {i.uid for i in canvas.items if i.kind == kind} == uids, kind
    assert len(canvas.items) == sum(map(len, expected.values())) + 1  # + case opened
    assert len(canvas.placed) == len(canvas.items)  # every item is laid out in a lane
    assert canvas.lane_rows[0][0] == f"Case {REF}"

    dialog.kind_boxes["custody"].setChecked(False)
    dialog.kind_boxes["note"].setChecked(False)
    assert canvas.items and not {i.kind for i in canvas.items} & {"custody", "note"}
    assert len(canvas.items) == len(dialog.all_items) - len(expected["custody"]) - len(
        expected["note"])
    dialog.date_from.setDate(QDate(2026, 1, 1))
    dialog.date_to.setDate(QDate(2026, 3, 31))
    assert canvas.items and all(i.start < dt.datetime(2026, 4, 1) and
                                (i.open_end or i.last >= dt.datetime(2026, 1, 1))
                                for i in canvas.items)
    assert "SH-0007-02" in {i.key for i in canvas.items}  # shipped in November, still open
    dialog.date_from.setDate(dialog.date_from.minimumDate())  # "any"
    dialog.date_to.setDate(dialog.date_to.minimumDate())
    dialog.kind_boxes["custody"].setChecked(True)
    dialog.kind_boxes["note"].setChecked(True)
    assert len(canvas.items) == len(dialog.all_items)

    dialog.lane_mode.setCurrentIndex(1)
    assert [t for t, _a, _b in canvas.lane_rows][:3] == ["Case events", "Shipments", "Seizures"]

    # An edit in the main window reaches the open timeline.
    note = next(i for i in canvas.items if i.kind == "note")
    window.delete_record(window.ws.notes.get(note.uid))
    qtbot.waitUntil(lambda: note.uid not in {i.uid for i in canvas.items}, timeout=30000)


def test_zoom_pan_select_open_and_export(window: Any, qtbot: Any, tmp_path: Path,
                                         monkeypatch: Any) -> None:
    dialog = open_timeline(window, qtbot)
    canvas = dialog.canvas
    QApplication.processEvents()
    start, end = canvas.visible_span()
    first = min(i.start for i in canvas.items)
    assert start <= first and (end - start).days > 365  # fitted: the whole case, in years
    dialog.act_zoom_in.trigger()
    z_start, z_end = canvas.visible_span()
    assert abs((z_end - z_start) / (end - start) - 1 / 1.5) < 0.01
    for _ in range(20):  # down to days
        canvas.zoom_in()
    d_start, d_end = canvas.visible_span()
    assert (d_end - d_start).days < 7
    canvas.fit()
    assert canvas.visible_span() == (start, end)
    wheel = QWheelEvent(QPointF(600, 200), canvas.mapToGlobal(QPointF(600, 200)), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, wheel)
    w_start, w_end = canvas.visible_span()
    assert w_end - w_start < end - start and w_start > start
    canvas.fit()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.visible_span()[0] > start  # panned later

    canvas.fit()
    seizure = next(i for i in canvas.items if i.key == "EX-0007-03" and i.kind == "seizure")
    rect = canvas.rect_of(seizure)
    assert rect is not None
    opened: list[Any] = []
    monkeypatch.setattr(window, "edit_record", opened.append)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert canvas.selected == seizure and "EX-0007-03" in dialog.detail.text()
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert [r.uid for r in opened] == [seizure.uid] and opened[0].exhibit_ref == "EX-0007-03"
    qtbot.keyClick(canvas, Qt.Key.Key_Tab)
    assert canvas.selected is not None and canvas.selected != seizure
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert len(opened) == 2

    # A custody event opens its exhibit's window; a note, the note's editor.
    from caseapp.views.exhibit_dialog import ExhibitDialog

    custody = next(i for i in canvas.items if i.kind == "custody" and i.key == "EX-0007-01")
    canvas.sig_activated.emit(custody)
    shown = [d for d in window.findChildren(ExhibitDialog) if d.isVisible()]
    assert len(shown) == 1 and "EX-0007-01" in shown[0].windowTitle()
    shown[0].close()
    note = next(i for i in canvas.items if i.kind == "note")
    canvas.sig_activated.emit(note)
    assert opened[-1].KIND == "note" and opened[-1].uid == note.uid

    out = dialog.export_png(tmp_path / "timeline")
    assert out.name == "timeline.png"
    image = QImage(str(out))
    assert image.width() == canvas.width() and image.height() == canvas.height()
