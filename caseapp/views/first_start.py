"""The first start: who is the investigator? Their name goes on every change, audit entry
and report; the key pair made with it signs what they send to colleagues."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class FirstStartDialog(QDialog):
    """Asks the investigator's name; says where the public key for colleagues will be."""

    def __init__(self, public_key: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to caseapp")
        intro = QLabel(
            "Your name goes on every change you make, in the case history and on the reports "
            "you print (\u201cPrepared by\u201d). caseapp also makes your signing key now.", self)
        intro.setWordWrap(True)
        self.name = QLineEdit(self)
        self.name.setObjectName("investigator_name")
        self.name.setPlaceholderText("e.g. Det. Ana Ruiz")
        key = QLabel(
            f"Colleagues who receive your case bundles need your public key file:<br>"
            f"<code>{public_key}</code><br>They add it with "
            f"<code>caseapp trust add {public_key.name}</code>.", self)
        key.setWordWrap(True)
        key.setObjectName("public_key_note")
        form = QFormLayout()
        form.addRow("Your name", self.name)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(key)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._on_name_text_changed)
        self._on_name_text_changed("")
        self.resize(520, 0)

    def _on_name_text_changed(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))

    def investigator_name(self) -> str:
        return " ".join(self.name.text().split())


def ask_investigator_name(public_key: Path) -> str | None:
    """The name typed, or None when the user cancelled (nothing is made then)."""
    dialog = FirstStartDialog(public_key)
    if dialog.exec() != QDialog.DialogCode.Accepted.value or not dialog.investigator_name():
        return None
    return dialog.investigator_name()
