"""Window state in QSettings (geometry, splitter, column layout); data lives in the database."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView

ORGANIZATION = "caseapp"
APPLICATION = "caseapp"
SETTINGS_VERSION = 1


def settings() -> QSettings:
    """The app's settings (INI format, so tests can redirect them with QSettings.setPath)."""
    s = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                  APPLICATION)
    if s.value("version", 0, int) != SETTINGS_VERSION:
        # Older layouts would restore columns that no longer exist: start over.
        s.clear()
        s.setValue("version", SETTINGS_VERSION)
    return s


def save_header(name: str, header: QHeaderView) -> None:
    settings().setValue(f"headers/{name}", header.saveState())


def restore_header(name: str, header: QHeaderView) -> bool:
    state = settings().value(f"headers/{name}")
    if isinstance(state, QByteArray) and not state.isEmpty():
        return bool(header.restoreState(state))
    return False

