"""Everyday data entry through the real window (issue 13, items 4-7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale, Qt

from tests.views.test_main_window import idle, save, save_button


def editor(window: Any, qtbot: Any, kind: str, record: Any = None) -> Any:
    dialog = window.editor(kind, record)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.fixture
def german_locale() -> Any:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(before)


# --- item 4: dates ---------------------------------------------------------------------------
def test_optional_dates_can_be_typed_in_iso_form(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "shipment")
    picker = dialog.widgets["shipped_on"]
    assert picker.value() is None
    qtbot.keyClicks(picker.edit, "2026-11-02")
    assert picker.value() == dt.date(2026, 11, 2)
    assert dialog.raw_values()["shipped_on"] == dt.date(2026, 11, 2)


def test_dates_in_the_locale_short_form(window: Any, qtbot: Any, german_locale: Any) -> None:
    dialog = editor(window, qtbot, "case")
    picker = dialog.widgets["closed_on"]
    qtbot.keyClicks(picker.edit, "02.11.2025")
    assert picker.value() == dt.date(2025, 11, 2)
    picker.edit.editingFinished.emit()
    assert picker.edit.text() == "2025-11-02"


def test_a_date_that_is_not_one_is_said_so(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "shipment")
    dialog.set_values({"ref": "SH-X"})
    qtbot.keyClicks(dialog.widgets["arrived_on"].edit, "next tuesday")
    assert not dialog.check()
    message = dialog.errors["arrived_on"].text()
    assert "'next tuesday' is not a date" in message and "2026-11-02" in message
    assert QLocale().toString(QDate(2026, 11, 2), QLocale.FormatType.ShortFormat) in message


def test_the_calendar_opens_at_today_or_the_date_shown(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "shipment")
    calendar = dialog.widgets["shipped_on"].open_calendar()
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    case = window.ws.cases.get(window.case_uid)
    dialog = editor(window, qtbot, "case", case)
    calendar = dialog.widgets["opened_on"].open_calendar()
    assert calendar.yearShown() == case.opened_on.year
    assert calendar.selectedDate() == QDate(case.opened_on.year, case.opened_on.month,
                                            case.opened_on.day)
    calendar.clicked.emit(QDate(2025, 1, 3))
    assert dialog.widgets["opened_on"].value() == dt.date(2025, 1, 3)


def test_a_future_date_is_refused(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "seizure")
    dialog.set_values({"seized_on": dt.date.today() + dt.timedelta(days=30)})
    assert not save_button(dialog).isEnabled()
    assert "in the future" in dialog.errors["seized_on"].text()


# --- item 5: completers ----------------------------------------------------------------------
def popup_rows(combo: Any) -> list[str]:
    completer = combo.completer()
    model = completer.completionModel()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_exact_country_code_comes_first_and_is_chosen(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "shipment")
    dialog.activateWindow()
    combo = dialog.widgets["origin_country"]
    combo.setFocus()
    qtbot.keyClicks(combo.lineEdit(), "US")
    rows = popup_rows(combo)
    assert rows[0].startswith("US ") and any(r.startswith("AU ") for r in rows)
    popup = combo.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert combo.value() == "US"


def test_exact_substance_abbreviation_before_longer_ones(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "seizure")
    combo = dialog.widgets["substance"].combo
    qtbot.keyClicks(combo.lineEdit(), "NPP")
    rows = popup_rows(combo)
    assert rows[0] == "NPP" and "4-ANPP" in rows
    assert rows.index("NPP") < rows.index("4-ANPP")


# --- item 6: the window keeps its place --------------------------------------------------
def test_new_case_through_the_action_selects_it(window: Any, qtbot: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp.views.editors.record_editor import RecordEditorDialog

    def run_dialog(dialog: Any) -> int:
        dialog.set_values({"ref": "CASE-2026-0101", "title": "New one"})
        dialog._on_buttons_accepted()
        qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)
        return 1

    monkeypatch.setattr(RecordEditorDialog, "exec", run_dialog)
    window.act_new_case.trigger()
    idle(window, qtbot)
    qtbot.waitUntil(lambda: window.current_case_ref() == "CASE-2026-0101", timeout=5000)
    assert window.case_view.selectionModel().hasSelection()


def test_saving_a_case_keeps_it_selected(window: Any, qtbot: Any) -> None:
    uid = window.case_uid
    case = window.ws.cases.get(uid)
    dialog = editor(window, qtbot, "case", case)
    dialog.set_values({"title": case.title + " (edited)"})
    save(dialog, qtbot)
    idle(window, qtbot)
    qtbot.wait(50)
    assert window.case_uid == uid
    assert window.case_view.selectionModel().isRowSelected(window.case_view.currentIndex().row())
    assert window.overview.isEnabled() and window.tabs_by_kind["seizure"].model.rowCount() > 0


def test_case_actions_say_why_they_are_unavailable(window: Any, qtbot: Any) -> None:
    window.case_search.setText("no case is called like this")
    qtbot.waitUntil(lambda: window.case_uid is None, timeout=5000)
    action = window.act_new["seizure"]
    assert not action.isEnabled()
    assert "Select or create a case first" in action.toolTip()
    window.new_record("seizure")
    assert "Select or create a case first" in window.statusBar().currentMessage()
    from caseapp.views import file_actions

    assert file_actions.print_report(window) is None
    assert "Select the case to print first" in window.statusBar().currentMessage()
    window.case_search.clear()
    window.case_view.selectRow(0)
    assert window.case_uid is not None and action.isEnabled()


# --- item 7: small things that cost time every day -------------------------------------------
def test_ctrl_y_redoes(window: Any, qtbot: Any) -> None:
    from PySide6.QtGui import QKeySequence

    assert QKeySequence("Ctrl+Y") in window.act_redo.shortcuts()
    record = window.tabs_by_kind["seizure"].model.record_at(0)
    window.delete_record(record)
    idle(window, qtbot)
    window.undo_stack.undo()
    idle(window, qtbot)
    assert not window.ws.seizures.get(record.uid).deleted
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.case_view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    idle(window, qtbot)
    assert window.ws.seizures.get(record.uid).deleted


def test_menus_show_an_ampersand(window: Any) -> None:
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    texts = [a.text() for a in view.actions()]
    assert "Companies && persons" in texts  # shown as "Companies & persons"


def test_a_new_seizure_shows_no_errors_before_typing(window: Any, qtbot: Any) -> None:
    dialog = editor(window, qtbot, "seizure")
    qtbot.wait(400)  # longer than the check-as-you-type delay
    assert [n for n, label in dialog.errors.items() if label.isVisible()] == []
    assert not save_button(dialog).isEnabled()
    qtbot.keyClicks(dialog.widgets["exhibit_ref"], "EX-9")
    qtbot.waitUntil(lambda: dialog.errors["net_quantity"].isVisible(), timeout=3000)


def test_notes_show_when_they_were_written_in_local_time(window: Any, qtbot: Any) -> None:
    import re

    window.ws.notes.add({"body": "Called the forwarder."}, case=window.case_uid)
    tab = window.tabs_by_kind["note"]
    tab.model.refresh()
    text = tab.model.data(tab.model.index(0, 0))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", text), text


def test_an_empty_case_overview_reads_as_sentences(window: Any, qtbot: Any) -> None:
    from caseapp.services.overview import OverviewService
    from caseapp.views.overview_tab import overview_html

    case = window.ws.cases.add({"ref": "C-EMPTY", "title": "Nothing yet"})
    html = overview_html(OverviewService(window.ws).overview(case.uid))
    assert "no lead investigator yet" in html and "Nothing recorded yet" in html
    assert "lead \u2014" not in html and "\u00b7 \n" not in html


def test_the_seizure_filter_finds_substance_names_and_synonyms(window: Any,
                                                                qtbot: Any) -> None:
    tab = window.tabs_by_kind["seizure"]
    for text, exhibit in (("NPP", "EX-0007-02"), ("phenethyl", "EX-0007-03"),
                          ("4-AP", "EX-0007-01")):
        tab.model.set_query(text=text)
        model = tab.model
        rows = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
        assert exhibit in rows, (text, rows)


def test_conflicts_dialog_shows_authors_whole_and_takes_a_typed_value(
        window: Any, qtbot: Any, tmp_path: Any) -> None:
    from caseapp.services.conflicts import ConflictService
    from caseapp.views.conflicts_dialog import ConflictsDialog
    from tests.sync.helpers import title_conflict

    a, ref = window.ws, window.current_case_ref()
    title_conflict(a, ref, tmp_path, "Investigator Bartholomew Okonkwo-Lindqvist",
                   "from the window " * 8, "from bob " * 8)
    dialog = ConflictsDialog(a, ref, window.run, window)
    qtbot.addWidget(dialog)
    dialog.show()
    authors = [dialog.values.item(r, 1).text() for r in range(dialog.values.rowCount())]
    assert any("Okonkwo-Lindqvist" in x for x in authors)
    metrics = dialog.values.fontMetrics()
    widest = max(metrics.horizontalAdvance(x) for x in authors)
    assert dialog.values.columnWidth(1) >= widest
    dialog.typed.setText("Agreed title")
    dialog.use_typed.click()
    qtbot.waitUntil(lambda: not window.runner.busy and dialog.list.count() == 0, timeout=10000)
    assert ConflictService(a).list_open(ref) == []
    assert a.cases.find(ref).title == "Agreed title"


# --- item 8: report and bundle file names ----------------------------------------------------
def test_report_and_bundle_names_are_safe_and_proposed_in_documents(
        window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    from caseapp.paths import documents_dir
    from caseapp.views import file_actions

    case = window.ws.cases.add({"ref": "JPITF/2026/0042", "title": "Slash in the ref"})
    window.set_case(case.uid)
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _w, _title, start, _filter: (asked.append(start), ("", ""))[1])
    file_actions.print_report(window)
    file_actions.export_bundle(window)
    assert [Path(a).name for a in asked] == ["JPITF-2026-0042-summary.pdf",
                                            "JPITF-2026-0042.casebundle"]
    assert all(Path(a).parent == documents_dir() for a in asked)


# --- item 9: the case's own history, in names ------------------------------------------------
def history_rows(window: Any, qtbot: Any) -> list[str]:
    model = window.history_model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    return [" | ".join(str(model.index(r, c).data() or "") for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_history_shows_who_opened_and_changed_the_case_in_names(
        window: Any, qtbot: Any, tmp_path: Any) -> None:
    import re

    from pypdf import PdfReader

    from caseapp.services.reporting import ReportService

    ws = window.ws
    case = ws.cases.add({"ref": "C-HIST", "title": "History"})
    ws.cases.edit(case.uid, {"status": "suspended", "handling": "OFFICIAL USE ONLY"})
    company = ws.companies.add({"name": "Ningbo Kaixin Trading Co., Ltd.", "country": "CN"},
                               case=case.uid)
    ws.shipments.add({"ref": "SH-H1", "consignee": company.name}, case=case.uid)
    window.case_model.refresh()
    window.set_case(case.uid)
    rows = history_rows(window, qtbot)
    text = "\n".join(rows)
    assert any("create" in r and "C-HIST" in r for r in rows), text
    assert any("suspended" in r for r in rows), text
    assert "Ningbo Kaixin Trading" in text
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}|[0-9a-f]{8}\u2026", text), text
    out = tmp_path / "r.pdf"
    ReportService(ws).render("C-HIST", out)
    pdf = " ".join(p.extract_text() for p in PdfReader(out).pages)
    appendix = pdf.split("Appendix B")[-1]
    assert "case: C-HIST" in appendix and "status" in appendix
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", appendix), appendix
