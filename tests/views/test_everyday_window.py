"""Everyday data entry through the real window (issue 13, items 4-7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import QApplication

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
    assert "is not a date" in dialog.errors["arrived_on"].text()


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
