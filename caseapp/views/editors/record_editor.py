"""One editor dialog for every record kind, built from `field_specs(kind)` plus kind-specific
pickers. Rules are checked as the user types (nothing can be saved while a field is invalid);
the service's own messages (unknown substance, duplicate exhibit) appear beside the field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain import kinds
from caseapp.domain.fields import FieldSpec
from caseapp.domain.records import Record, SubstanceRecord, field_specs
from caseapp.domain.validation import validate
from caseapp.errors import CaseAppError, ValidationError
from caseapp.services.paging import NAME_FIELDS, PagingService
from caseapp.services.records import ListQuery
from caseapp.services.workspace import Workspace
from caseapp.views.editors import pickers as p

HIDDEN = {"case_uid", "deleted_at", "target_kind", "target_uid"}
LONG_TEXT = {"summary", "notes", "body", "evidence", "sanctions_note", "declared_description"}
COUNTRY = {"country", "origin_country", "destination_country", "nationality"}
NOT_FUTURE = {"seized_on", "shipped_on", "opened_on", "closed_on", "date_of_birth"}
COMPANY_REFS = {"shipper", "consignee", "carrier"}
TITLES = {k: kinds.spec_of(k).label for k in kinds.EDITOR_KINDS}
ERROR_STYLE = "color: #b00020;"

Saved = Callable[[Record], None]
"""Told the saved record (on the UI thread) when the save's operation succeeded."""
SaveFailed = Callable[[BaseException], bool]
"""Told why the save failed; True when the editor showed it (else the error dialog does)."""
Save = Callable[[dict[str, Any], Saved, SaveFailed], None]
"""Starts saving what the user entered (the window runs it as an operation, off the UI
thread) and answers through `Saved` or `SaveFailed`."""
Saver = Callable[[str, "Record | None", "str | None"], Save]
"""The save function for (kind, record to edit or None to add, case a new record joins)."""


@dataclass
class EditorContext:
    """What an editor needs: the workspace, the case the record belongs to, and how to save
    a record of another kind (the company picker's + button)."""

    ws: Workspace
    case_uid: str | None
    saver: Saver


class RecordEditorDialog(QDialog):
    """Add (record=None) or edit one record; `save(raw, saved, failed)` starts the service
    call; the dialog closes when it succeeded, keeps the user's input when it failed."""

    def __init__(self, ctx: EditorContext, kind: str, save: Save,
                 record: Record | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.kind, self.record, self._save = ctx, kind, record, save
        self.saved: Record | None = None
        self.saving = False
        self.specs = [s for s in field_specs(kind) if s.name not in HIDDEN]
        self.widgets: dict[str, Any] = {}
        self.errors: dict[str, QLabel] = {}
        self._timer = QTimer(self, singleShot=True, interval=200)
        # A blank new form does not greet the user with "X is required" everywhere: those
        # messages appear once the user has typed something (Save stays disabled meanwhile).
        self._touched = record is not None
        self._build_ui()
        self._connect()
        if record is not None:
            self._load(record)
        elif kind == "seizure":
            self._set(next(s for s in self.specs if s.name == "unit"), "kg")
        self._timer.stop()  # the defaults just set are not the user typing
        self.check()

    # --- building ------------------------------------------------------------------------
    def _build_ui(self) -> None:
        verb = "Edit" if self.record else "New"
        self.setWindowTitle(f"{verb} {TITLES.get(self.kind, self.kind)}")
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.hide()
        # Companies and persons: a sanctions-list hit for the name while typing (a lead).
        self.screening_badge = QLabel(self)
        self.screening_badge.setObjectName("screening_badge")
        self.screening_badge.setWordWrap(True)
        self.screening_badge.setStyleSheet("QLabel { background: #fff3cd; color: #664d03; "
                                           "padding: 4px; border: 1px solid #e6c36a; }")
        self.screening_badge.hide()
        form_host = QWidget(self)
        form = QFormLayout(form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for spec in self.specs:
            widget = self._widget_for(spec)
            widget.setObjectName(f"field_{spec.name}")
            error = QLabel(form_host)
            error.setObjectName(f"error_{spec.name}")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QWidget(form_host)
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(error)
            # Rows keep their natural height (a text box would otherwise spread the form).
            cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            label = spec.title + (" *" if spec.required else "")
            form.addRow(label, cell)
            self.widgets[spec.name] = widget
            self.errors[spec.name] = error
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(form_host)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.screening_badge)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(560, min(120 + 46 * len(self.specs), 760))
        widgets = list(self.widgets.values())
        for first, second in zip(widgets, widgets[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _widget_for(self, spec: FieldSpec) -> QWidget:
        name, ws = spec.name, self.ctx.ws
        paging = PagingService(ws)
        if name == "substance":
            subs = [r for r in ws.substances.list_all(ListQuery(sort="name"))
                    if isinstance(r, SubstanceRecord)]
            return p.SubstancePicker(subs, self)
        if name in COUNTRY:
            return p.CountryPicker(self)
        if name in COMPANY_REFS:
            picker = p.CompanyPicker(paging.choices("company"), self)
            picker.sig_create.connect(self._on_picker_create)
            return picker
        if name == "shipment":
            return p.EditableCombo(paging.choices("shipment", self.ctx.case_uid), self)
        if name in ("subject", "object"):
            return p.EditableCombo([], self)
        if name == "source_reliability":
            return p.ChoiceCombo([(k, f"{k} \u2014 {v}") for k, v in p.ADMIRALTY_SOURCE.items()],
                                 False, self)
        if name == "info_credibility":
            return p.ChoiceCombo([(k, f"{k} \u2014 {v}") for k, v in p.ADMIRALTY_INFO.items()],
                                 False, self)
        if spec.type in ("enum", "kind"):
            return p.ChoiceCombo([(c, c.replace("_", " ")) for c in spec.choices],
                                 spec.required, self)
        if spec.type == "date":
            return p.DatePicker(spec.required, name in NOT_FUTURE, self)
        if spec.type == "bool":
            return QCheckBox(self)
        if name in LONG_TEXT:
            edit = QPlainTextEdit(self)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(70)
            return edit
        edit = QLineEdit(self)
        if spec.type == "list":
            edit.setPlaceholderText("separate items with ;")
        return edit

    def _connect(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._timer.timeout.connect(self._on_timer_timeout)
        for w in self.widgets.values():
            signal = getattr(w, "changed", None) or getattr(w, "textChanged", None) \
                or w.toggled
            signal.connect(self._timer.start)
        for side in ("subject", "object"):
            chooser = self.widgets.get(f"{side}_kind")
            if chooser is not None:
                chooser.changed.connect(lambda s=side: self._fill_nodes(s))
                self._fill_nodes(side)

    def _fill_nodes(self, side: str) -> None:
        kind = self.widgets[f"{side}_kind"].value()
        combo = self.widgets[side]
        case = self.ctx.case_uid if kind in ("seizure", "shipment") else None
        combo.set_items(PagingService(self.ctx.ws).choices(kind, case) if kind else [])

    # --- values --------------------------------------------------------------------------
    def _load(self, record: Record) -> None:
        paging = PagingService(self.ctx.ws)
        for spec in self.specs:
            value = getattr(record, spec.name)
            ref_kind = spec.ref or (getattr(record, f"{spec.name}_kind", None)
                                    if spec.name in ("subject", "object") else None)
            if ref_kind in NAME_FIELDS and value:
                value = paging.names(ref_kind, {value}).get(value, value)
            self._set(spec, value)

    def _set(self, spec: FieldSpec, value: Any) -> None:
        w = self.widgets[spec.name]
        if hasattr(w, "set_value"):
            w.set_value(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText("" if value is None else str(value))
        else:
            text = "; ".join(value) if isinstance(value, tuple) else value
            w.setText("" if text is None else str(text))
            w.setCursorPosition(0)  # a long title shows its beginning

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill fields by name (tests and "duplicate" actions)."""
        specs = {s.name: s for s in self.specs}
        for name, value in values.items():
            self._set(specs[name], value)
        self._touched = True
        self.check()

    def raw_values(self) -> dict[str, Any]:
        """What the user entered, by field (text or Python values the service parses)."""
        out: dict[str, Any] = {}
        for name, w in self.widgets.items():
            if hasattr(w, "value"):
                out[name] = w.value()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QPlainTextEdit):
                out[name] = w.toPlainText()
            else:
                out[name] = w.text()
        return out

    # --- checking and saving -------------------------------------------------------------
    def check(self) -> bool:
        """Parse and check the rules now; show each message beside its field."""
        errors: dict[str, str] = {}
        parsed: dict[str, Any] = {}
        raw = self.raw_values()
        for spec in self.specs:
            try:
                parsed[spec.name] = spec.parse(raw[spec.name])
            except ValidationError as exc:
                widget = self.widgets.get(spec.name)
                errors[spec.name] = (widget.not_a_date(spec.title)
                                     if isinstance(widget, p.DatePicker) else exc.message)
                continue
            if spec.required and parsed[spec.name] in (None, "", ()):
                errors[spec.name] = f"{spec.title} is required."
        for name, message in validate(self.kind, parsed).items():
            errors.setdefault(name, message)
        self.show_errors(errors)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not errors)
        return not errors

    def _on_timer_timeout(self) -> None:
        self._touched = True
        self.check()
        self.check_screening()

    def check_screening(self) -> None:
        """Show the best sanctions-list hit of the typed name (companies and persons)."""
        names = {"company": ("name", "country"), "person": ("full_name", "nationality")}
        if self.kind not in names:
            return
        raw = self.raw_values()
        name, country = (str(raw.get(f) or "").strip() for f in names[self.kind])
        hits = self.ctx.ws.screening.check_name(self.kind, name, country.upper() or None)
        if not hits:
            self.screening_badge.hide()
            return
        best = hits[0]
        entry = best["entry"]
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        self.screening_badge.setText(
            f"Possible sanctions-list match{more}: {entry['name']} — {entry['list']} "
            f"{entry['id']}, score {best['score']:.2f}. A lead to check, not a finding.")
        self.screening_badge.show()

    def show_errors(self, errors: dict[str, str], banner: str = "") -> None:
        if not self._touched:
            errors = {n: m for n, m in errors.items() if not m.endswith(" is required.")}
        for name, label in self.errors.items():
            label.setText(errors.get(name, ""))
            label.setVisible(name in errors)
        unplaced = [m for n, m in errors.items() if n not in self.errors]
        text = " ".join([banner, *unplaced]).strip()
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _on_buttons_accepted(self) -> None:
        self._touched = True
        if self.saving or not self.check():
            return
        self.saving = True
        self.buttons.setEnabled(False)  # one save at a time; Cancel waits for its answer
        self._save(self.raw_values(), self._on_saved, self._on_save_failed)

    def _on_saved(self, record: Record) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.saved = record
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> bool:
        """Rules the service checks go beside their field (or in the banner); anything else
        goes to the error dialog. Nothing was saved: the input stays for the user to fix."""
        self.saving = False
        self.buttons.setEnabled(True)
        self.check()
        if isinstance(exc, ValidationError):
            self.show_errors(exc.field_errors, "" if exc.field_errors else exc.message)
            return True
        if isinstance(exc, CaseAppError):
            self.show_errors({}, exc.message)
            return True
        return False

    def reject(self) -> None:
        if not self.saving:  # the save's answer is on its way: it closes or keeps the dialog
            super().reject()

    def _on_picker_create(self, picker: p.CompanyPicker) -> None:
        """Open a company editor; the new company's name goes into the picker."""
        save = self.ctx.saver("company", None, None)
        dialog = RecordEditorDialog(self.ctx, "company", save, parent=self)
        if dialog.exec() and dialog.saved is not None:
            names = PagingService(self.ctx.ws).choices("company")
            for w in self.widgets.values():
                if isinstance(w, p.CompanyPicker):
                    w.combo.set_items(names)
            picker.set_value(dialog.saved.name)
