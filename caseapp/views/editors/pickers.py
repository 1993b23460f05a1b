"""Field widgets of the editors: substance, country, company and record pickers, dates.

Every picker has `value()` (what the service parses) and `set_value(v)`, and emits `changed`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain.records import SubstanceRecord
from caseapp.domain.validation import all_countries, country_name

NO_DATE = QDate(1800, 1, 1)
ADMIRALTY_SOURCE = {
    "A": "Completely reliable", "B": "Usually reliable", "C": "Fairly reliable",
    "D": "Not usually reliable", "E": "Unreliable", "F": "Reliability cannot be judged"}
ADMIRALTY_INFO = {
    "1": "Confirmed by other sources", "2": "Probably true", "3": "Possibly true",
    "4": "Doubtful", "5": "Improbable", "6": "Truth cannot be judged"}


def _contains_completer(words: list[str], parent: QWidget) -> QCompleter:
    completer = QCompleter(QStringListModel(words, parent), parent)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setMaxVisibleItems(12)
    return completer


class ChoiceCombo(QComboBox):
    """A fixed list of codes shown with descriptions; "" for none unless required."""

    changed = Signal()

    def __init__(self, choices: list[tuple[str, str]], required: bool, parent: Any = None):
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        if not required:
            self.addItem("", "")
        for code, text in choices:
            self.addItem(text, code)
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def value(self) -> str:
        return str(self.currentData() or "")

    def set_value(self, value: Any) -> None:
        i = self.findData("" if value is None else str(value))
        self.setCurrentIndex(max(i, 0))


class EditableCombo(QComboBox):
    """Free text with suggestions (records by name, countries "CN — China")."""

    changed = Signal()

    def __init__(self, items: list[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # Long company names must not widen the editor past its window.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(16)
        self.set_items(items)
        self.editTextChanged.connect(lambda _t: self.changed.emit())

    def set_items(self, items: list[str]) -> None:
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(["", *items])
        self.setCompleter(_contains_completer(items, self))
        self.setEditText(text)
        self.blockSignals(False)

    def value(self) -> str:
        return self.currentText().strip()

    def set_value(self, value: Any) -> None:
        self.setEditText("" if value is None else str(value))
        self.lineEdit().setCursorPosition(0)  # show the start of a long name


class CountryPicker(EditableCombo):
    """ISO 3166 codes with names; value() is what was typed up to the " — " (the code)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([f"{code} \u2014 {name}" for code, name in all_countries()], parent)

    def value(self) -> str:
        return self.currentText().split("\u2014")[0].strip()

    def set_value(self, value: Any) -> None:
        super().set_value(f"{value} \u2014 {country_name(value)}" if value else "")


class SubstancePicker(QWidget):
    """Completes on name, synonym, abbreviation and CAS; shows CAS and UN table below."""

    changed = Signal()

    def __init__(self, substances: list[SubstanceRecord], parent: Any = None) -> None:
        super().__init__(parent)
        self._by_word: dict[str, SubstanceRecord] = {}
        words: list[str] = []
        for s in substances:
            for w in (s.name, *s.synonyms, s.cas or ""):
                if w and w.lower() not in self._by_word:
                    self._by_word[w.lower()] = s
                    words.append(w)
        self.combo = EditableCombo(sorted(words, key=str.lower), self)
        self.info = QLabel(self)
        self.info.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.info)
        self.setFocusProxy(self.combo)
        self.combo.changed.connect(self._on_combo_changed)
        self._on_combo_changed()

    def _on_combo_changed(self) -> None:
        sub = self._by_word.get(self.combo.value().lower())
        if sub is None:
            self.info.setText("Type a name, synonym, abbreviation or CAS number.")
        else:
            table = f"UN Table {sub.un_table}" if sub.un_table else "not scheduled"
            cas = sub.cas or "\u2014"
            self.info.setText(f"{sub.name} \u00b7 CAS {cas} \u00b7 {table}")
        self.changed.emit()

    def value(self) -> str:
        return self.combo.value()

    def set_value(self, value: Any) -> None:
        self.combo.set_value(value)


class CompanyPicker(QWidget):
    """A company by name; the + button creates one (through the company editor)."""

    changed = Signal()
    sig_create = Signal(object)
    """Emitted with this picker when the user asks for a new company."""

    def __init__(self, names: list[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.combo = EditableCombo(names, self)
        self.add = QToolButton(self)
        self.add.setText("+")
        self.add.setToolTip("New company\u2026")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.add)
        self.setFocusProxy(self.combo)
        self.combo.changed.connect(self.changed)
        self.add.clicked.connect(lambda: self.sig_create.emit(self))

    def value(self) -> str:
        return self.combo.value()

    def set_value(self, value: Any) -> None:
        self.combo.set_value(value)


class DatePicker(QDateEdit):
    """A date with a calendar; empty when optional; the future refused where the model says."""

    changed = Signal()

    def __init__(self, required: bool, not_future: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.required = required
        if not required:
            self.setMinimumDate(NO_DATE)
            self.setSpecialValueText("\u2014")  # shown at the minimum date: no date
        if not_future:
            self.setMaximumDate(QDate.currentDate())
        self.set_value(None)
        self.dateChanged.connect(lambda _d: self.changed.emit())

    def value(self) -> dt.date | None:
        d = self.date()
        if not self.required and d == NO_DATE:
            return None
        return dt.date(d.year(), d.month(), d.day())

    def set_value(self, value: Any) -> None:
        if isinstance(value, str) and value:
            value = dt.date.fromisoformat(value)
        if isinstance(value, dt.date):
            self.setDate(QDate(value.year, value.month, value.day))
        else:
            self.setDate(QDate.currentDate() if self.required else NO_DATE)
