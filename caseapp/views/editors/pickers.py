"""Field widgets of the editors: substance, country, company and record pickers, dates.

Every picker has `value()` (what the service parses) and `set_value(v)`, and emits `changed`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QLocale, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from caseapp.domain.records import SubstanceRecord
from caseapp.domain.validation import all_countries, country_name

ADMIRALTY_SOURCE = {
    "A": "Completely reliable", "B": "Usually reliable", "C": "Fairly reliable",
    "D": "Not usually reliable", "E": "Unreliable", "F": "Reliability cannot be judged"}
ADMIRALTY_INFO = {
    "1": "Confirmed by other sources", "2": "Probably true", "3": "Possibly true",
    "4": "Doubtful", "5": "Improbable", "6": "Truth cannot be judged"}


def rank(word: str, typed: str) -> int:
    """0 when `typed` is the whole of `word` or of one of its parts ("US" in "US — United
    States", "NPP"), 1 when a part starts with it, 2 when it only occurs inside, 3 not at
    all. Case-insensitive."""
    t = typed.strip().lower()
    if not t:
        return 2
    parts = [word.lower(), *(x.strip().lower() for x in word.split("\u2014"))]
    if t in parts:
        return 0
    if any(x.startswith(t) for x in parts):
        return 1
    return 2 if t in word.lower() else 3


class RankedCompleter(QCompleter):
    """Suggestions that contain what was typed, best first: exact code, name or abbreviation,
    then those starting with it, then the rest (each group in its original order)."""

    def __init__(self, words: list[str], parent: QWidget) -> None:
        self.words = list(words)
        self.model_ = QStringListModel(self.words, parent)
        super().__init__(self.model_, parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setMaxVisibleItems(12)

    def order_for(self, typed: str) -> None:
        """Reorder the suggestions for `typed` (called before the completer filters)."""
        ranked = sorted(self.words, key=lambda w: rank(w, typed))
        if ranked != self.model_.stringList():
            self.model_.setStringList(ranked)


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
        # QLineEdit emits textEdited before it asks the completer: the order is ready then.
        self.lineEdit().textEdited.connect(self._on_line_text_edited)

    def _on_line_text_edited(self, text: str) -> None:
        completer = self.completer()
        if isinstance(completer, RankedCompleter):
            completer.order_for(text)

    def best_match(self) -> str | None:
        """The suggestion that is exactly what was typed, if any."""
        completer = self.completer()
        words = completer.words if isinstance(completer, RankedCompleter) else []
        return next((w for w in words if rank(w, self.currentText()) == 0), None)

    def set_items(self, items: list[str]) -> None:
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(["", *items])
        self.setCompleter(RankedCompleter(items, self))
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


class DatePicker(QWidget):
    """A date typed as YYYY-MM-DD or in the locale's short form (11/2/26, 02.11.2026), or
    picked on a calendar that opens at the date shown, else at today. Empty when optional;
    what cannot be read as a date goes to the service's parser, which says why."""

    changed = Signal()

    def __init__(self, required: bool, not_future: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.required = required
        self.not_future = not_future
        self.edit = QLineEdit(self)
        example = QLocale().toString(QDate(2026, 11, 2), QLocale.FormatType.ShortFormat)
        self.edit.setPlaceholderText(f"YYYY-MM-DD or {example}")
        self.edit.setClearButtonEnabled(not required)
        self.button = QToolButton(self)
        self.button.setText("\u25be")
        self.button.setToolTip("Choose on a calendar")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes field to field
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.calendar: QCalendarWidget | None = None
        self.edit.textChanged.connect(lambda _t: self.changed.emit())
        self.edit.editingFinished.connect(self._on_edit_editing_finished)
        self.button.clicked.connect(self.open_calendar)
        self.set_value(None)

    def value(self) -> dt.date | str | None:
        """The date entered; None when empty; the text itself when it is not a date."""
        text = self.edit.text().strip()
        if not text:
            return None
        return parse_date(text) or text

    def not_a_date(self, title: str) -> str:
        """The message for text that is not a date, naming both forms this field takes."""
        example = QLocale().toString(QDate(2026, 11, 2), QLocale.FormatType.ShortFormat)
        return (f"{title}: {self.edit.text().strip()!r} is not a date; type it as 2026-11-02 "
                f"or in your locale's short form, {example}.")

    def set_value(self, value: Any) -> None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is None or value == "":
            value = dt.date.today() if self.required else None
        self.edit.setText(value.isoformat() if isinstance(value, dt.date) else str(value or ""))

    def _on_edit_editing_finished(self) -> None:
        value = self.value()
        if isinstance(value, dt.date) and self.edit.text().strip() != value.isoformat():
            self.edit.setText(value.isoformat())  # 02.11.2026 shows as 2026-11-02

    def open_calendar(self) -> QCalendarWidget:
        """The calendar popup, at the date shown (else today); a click fills the field."""
        value = self.value()
        day = value if isinstance(value, dt.date) else dt.date.today()
        menu = QMenu(self)
        calendar = QCalendarWidget(menu)
        if self.not_future:
            calendar.setMaximumDate(QDate.currentDate())
        calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        calendar.setCurrentPage(day.year, day.month)
        action = QWidgetAction(menu)
        action.setDefaultWidget(calendar)
        menu.addAction(action)
        calendar.clicked.connect(lambda d: (self.set_value(
            dt.date(d.year(), d.month(), d.day())), menu.close()))
        self.calendar = calendar
        menu.popup(self.button.mapToGlobal(self.button.rect().bottomLeft()))
        return calendar


def _short_format() -> str:
    return QLocale().dateFormat(QLocale.FormatType.ShortFormat)


def parse_date(text: str) -> dt.date | None:
    """`text` as a date: ISO (2026-11-02) or the locale's short form, with a two- or
    four-digit year (11/2/26, 11/2/2026 in English; 02.11.26, 02.11.2026 in German)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    locale = QLocale()
    short = _short_format()
    formats = [short, short.replace("yyyy", "yy").replace("yy", "yyyy")]
    for fmt in dict.fromkeys(formats):
        d = locale.toDate(text.strip(), fmt)
        if d.isValid():
            year = d.year()
            if year < 100:
                year += 2000  # "26" in a four-digit field
            elif "yyyy" not in fmt and year < 2000:
                year += 100  # Qt reads "26" as 1926; investigators mean this century
            return dt.date(year, d.month(), d.day())
    return None
