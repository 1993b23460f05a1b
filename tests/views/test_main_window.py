"""Through the real window: add, validate, undo/redo, delete, keyboard."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from caseapp.services.records import ListQuery


def seizure_rows(window: Any) -> list[str]:
    model = window.tabs_by_kind["seizure"].model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def save_button(dialog: Any) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def idle(window: Any, qtbot: Any) -> None:
    """Wait until the window's writes (run on the writer thread) have landed and refreshed."""
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)


def save(dialog: Any, qtbot: Any) -> None:
    """Press Save and wait for the save's answer."""
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)


def new_seizure(window: Any, qtbot: Any, **values: Any) -> Any:
    dialog = window.editor("seizure")
    qtbot.addWidget(dialog)
    dialog.show()
    fields = {"exhibit_ref": "EX-NEW-1", "substance": "NPP", "net_quantity": "12.5",
              "unit": "kg", "place": "Port of Veracruz", **values}
    dialog.set_values(fields)
    return dialog


def test_window_opens_on_first_case_with_status_bar(window: Any) -> None:
    assert window.case_uid is not None
    assert window.case_model.rowCount() == 2
    assert "CASE-2026-0007" in window.windowTitle()
    assert str(window.db_path) in window.db_label.text()
    assert "tester" in window.user_label.text()
    assert seizure_rows(window)[0].startswith("EX-0007")


def test_add_seizure_via_editor_shows_in_table_and_database(window: Any, qtbot: Any) -> None:
    dialog = new_seizure(window, qtbot)
    assert save_button(dialog).isEnabled()
    save(dialog, qtbot)
    assert dialog.saved is not None and not dialog.isVisible()
    assert "EX-NEW-1" in seizure_rows(window)
    stored = window.ws.seizures.find("EX-NEW-1", case=window.current_case_ref())
    assert str(stored.net_quantity) == "12.5" and stored.unit == "kg"
    assert window.act_undo.text() == "Undo Add seizure EX-NEW-1"


def test_invalid_entry_shows_message_and_saves_nothing(window: Any, qtbot: Any) -> None:
    before = window.ws.seizures.count(ListQuery(case_uid=window.case_uid))
    dialog = new_seizure(window, qtbot, net_quantity="-3", purity_percent="140")
    error = dialog.findChild(QLabel, "error_purity_percent")
    assert error.isVisible() and "100" in error.text()
    assert not save_button(dialog).isEnabled()
    # A rule only the service knows: the substance must exist.
    dialog.set_values({"net_quantity": "3", "purity_percent": "40", "substance": "Unobtainium"})
    assert save_button(dialog).isEnabled()
    save(dialog, qtbot)
    assert dialog.isVisible() and dialog.saved is None
    sub_error = dialog.findChild(QLabel, "error_substance")
    assert sub_error.isVisible() and "Unobtainium" in sub_error.text()
    assert window.ws.seizures.count(ListQuery(case_uid=window.case_uid)) == before
    assert window.undo_stack.count() == 0


def test_undo_removes_and_redo_brings_back(window: Any, qtbot: Any) -> None:
    dialog = new_seizure(window, qtbot)
    save(dialog, qtbot)
    case = window.current_case_ref()
    window.act_undo.trigger()
    idle(window, qtbot)
    assert "EX-NEW-1" not in seizure_rows(window)
    assert window.ws.seizures.find("EX-NEW-1", case=case).deleted
    assert window.act_redo.text() == "Redo Add seizure EX-NEW-1"
    window.act_redo.trigger()
    idle(window, qtbot)
    assert "EX-NEW-1" in seizure_rows(window)
    assert not window.ws.seizures.find("EX-NEW-1", case=case).deleted


def test_edit_and_delete_are_undoable(window: Any, qtbot: Any) -> None:
    tab = window.tabs_by_kind["seizure"]
    record = tab.model.record_at(0)
    dialog = window.editor("seizure", record)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_values({"place": "Edited place"})
    save(dialog, qtbot)
    assert window.ws.seizures.get(record.uid).place == "Edited place"
    assert window.act_undo.text().startswith("Undo Edit seizure")
    window.undo_stack.undo()
    idle(window, qtbot)
    assert window.ws.seizures.get(record.uid).place == record.place
    window.delete_record(record)
    idle(window, qtbot)
    assert window.ws.seizures.get(record.uid).deleted
    assert window.act_undo.text() == f"Undo Delete seizure {record.exhibit_ref}"
    window.undo_stack.undo()
    idle(window, qtbot)
    assert not window.ws.seizures.get(record.uid).deleted


def test_ctrl_f_focuses_the_filter_and_tab_shortcuts(window: Any, qtbot: Any) -> None:
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    window.activateWindow()
    window.act_find.trigger()
    assert QApplication.focusWidget() is window.tabs_by_kind["seizure"].filter


def test_case_search_and_status_filter(window: Any) -> None:
    window.case_search.setText("Kairuo")
    assert window.case_model.rowCount() == 1
    window.case_search.setText("")
    window.case_status.setCurrentIndex(window.case_status.findData("closed"))
    assert window.case_model.rowCount() == 0
    assert window.case_uid is None


def test_chinese_names_display(window: Any) -> None:
    from caseapp.views.fonts import ensure_cjk_font

    assert ensure_cjk_font() is not None
    window.tabs.setCurrentIndex(3)
    model = window.tabs_by_kind["company"].model
    originals = [model.data(model.index(r, 1)) for r in range(model.rowCount())]
    assert any("武汉" in (text or "") for text in originals)


def test_history_tab_lists_the_case_audit_entries(window: Any) -> None:
    model = window.history_model
    assert model.rowCount() > 10
    actions = {model.data(model.index(r, 2)) for r in range(model.rowCount())}
    assert "create" in actions


def test_overview_shows_key_figures(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.overview.loaded is not None, timeout=5000)
    text = window.overview.browser.toPlainText()
    assert "N-Phenethyl-4-piperidone" in text and "Companies by country" in text


def test_pyside_does_not_leak_none() -> None:
    """pitfalls.md #1: 6.12.0 dropped a reference to None on every void call."""
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("x")
    assert sys.getrefcount(None) > before - 100


def test_file_menu_dialog_free_paths(window: Any, qtbot: Any, tmp_path: Any,
                                     monkeypatch: Any) -> None:
    """Print report renders in the background; conflicts dialog opens on an empty list."""
    from PySide6.QtWidgets import QFileDialog

    from caseapp.views import file_actions
    from caseapp.views.conflicts_dialog import ConflictsDialog

    pdf = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), ""))
    shown: list[Any] = []
    monkeypatch.setattr(file_actions, "preview_pdf", lambda _w, path, png: shown.append(png))
    task = file_actions.print_report(window)
    assert task is not None
    qtbot.waitUntil(lambda: bool(shown), timeout=60000)
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert shown[0] is None or shown[0].read_bytes().startswith(b"\x89PNG")
    dialog = ConflictsDialog(window.ws, window.current_case_ref(), window.run, window)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 0 and "No open conflicts" in dialog.reason.text()


def test_restore_a_deleted_record_is_undoable(window: Any, qtbot: Any) -> None:
    tab = window.tabs_by_kind["seizure"]
    record = tab.model.record_at(0)
    window.delete_record(record)
    idle(window, qtbot)
    assert record.exhibit_ref not in seizure_rows(window)
    tab.show_deleted.setChecked(True)
    row = seizure_rows(window).index(record.exhibit_ref)
    assert tab.model.data(tab.model.index(row, 0), Qt.ItemDataRole.FontRole).strikeOut()
    window.tabs.setCurrentIndex(1)
    tab.view.selectRow(row)
    window.act_restore.trigger()
    idle(window, qtbot)
    assert not window.ws.seizures.get(record.uid).deleted
    assert window.act_undo.text() == f"Undo Restore seizure {record.exhibit_ref}"
    window.undo_stack.undo()
    idle(window, qtbot)
    assert window.ws.seizures.get(record.uid).deleted


def test_tab_walks_every_editor_field_in_order(window: Any, qtbot: Any) -> None:
    dialog = window.editor("seizure")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    fields = list(dialog.widgets.values())
    fields[0].setFocus()
    reached: list[Any] = []
    for _ in range(len(fields) * 3):
        focus = QApplication.focusWidget()
        owner = next((f for f in fields if f is focus or f.isAncestorOf(focus)), None)
        if owner is not None and (not reached or reached[-1] is not owner):
            reached.append(owner)
        if owner is fields[-1]:
            break
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert reached == fields


def test_column_widths_are_remembered(window: Any, qtbot: Any, demo_ws: Any) -> None:
    from tests.views.conftest import open_window

    window.tabs_by_kind["seizure"].view.setColumnWidth(2, 333)
    qtbot.wait(600)  # saved once the user stops resizing
    window.close()
    again = open_window(qtbot, demo_ws, window.db_path)
    assert again.tabs_by_kind["seizure"].view.columnWidth(2) == 333


def test_company_picker_creates_a_company(window: Any, qtbot: Any,
                                          monkeypatch: Any) -> None:
    from caseapp.views.editors.pickers import CompanyPicker
    from caseapp.views.editors.record_editor import RecordEditorDialog

    def fill_and_save(self: RecordEditorDialog) -> int:
        self.set_values({"name": "Kowloon Bay Freight (HK) Ltd", "country": "HK"})
        self._on_buttons_accepted()
        qtbot.waitUntil(lambda: not self.saving, timeout=10000)
        return int(self.result())

    dialog = window.editor("shipment")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(RecordEditorDialog, "exec", fill_and_save)
    picker = dialog.widgets["carrier"]
    assert isinstance(picker, CompanyPicker)
    picker.add.click()
    assert picker.value() == "Kowloon Bay Freight (HK) Ltd"
    assert window.ws.companies.find("Kowloon Bay Freight (HK) Ltd").country == "HK"
    assert window.act_undo.text() == "Undo Add company Kowloon Bay Freight (HK) Ltd"
