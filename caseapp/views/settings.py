"""Window state in QSettings (geometry, splitter, column layout); data lives in the database.

Settings are versioned and upgraded, never wiped (after Picard's config upgrades): the file
keeps the number of its format under `settings_version`, and on every open the steps in
`UPGRADES` run in order, each taking the file from version N to N+1 in place and recording
N+1 when it is done (so an interrupted upgrade resumes at the step it stopped at). A change of
the stored format bumps `SETTINGS_VERSION` and adds one step; a table whose columns change
gets a step that drops that table's `headers/<name>` state only.

A file of a newer caseapp, or whose version is unreadable, is kept untouched: it is read
best-effort (values of an unexpected type are ignored) and nothing is written to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView

log = logging.getLogger("caseapp.views")

ORGANIZATION = "caseapp"
APPLICATION = "caseapp"
SETTINGS_VERSION = 2
VERSION_KEY = "settings_version"
# Version 1 kept its number under this key.
LEGACY_VERSION_KEY = "version"


def _upgrade_1_to_2(s: QSettings) -> None:
    """Version 2 keeps its number under `settings_version`; every value stays as it was."""
    s.remove(LEGACY_VERSION_KEY)


# UPGRADES[n] takes a file from version n to n + 1; one entry for every n below
# SETTINGS_VERSION (a test checks there is no gap).
UPGRADES: dict[int, Callable[[QSettings], None]] = {
    1: _upgrade_1_to_2,
}


class KeptSettings(QSettings):
    """The settings of a newer caseapp (or of an unreadable version): read, never written."""

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802 - Qt's name
        log.debug("settings of another version kept untouched: not saving %s", key)

    def remove(self, key: str) -> None:
        log.debug("settings of another version kept untouched: not removing %s", key)


_noticed: set[str] = set()


def settings() -> QSettings:
    """The app's settings, upgraded to this version (INI format, so tests can redirect them
    with QSettings.setPath); a KeptSettings for a file this version cannot upgrade."""
    s = _open(QSettings)
    if not s.allKeys():  # a new file
        s.setValue(VERSION_KEY, SETTINGS_VERSION)
        return s
    found = stored_version(s)
    if found is None or not 1 <= found <= SETTINGS_VERSION:
        return _kept(s, "an unreadable version" if found is None else f"version {found}")
    if found < SETTINGS_VERSION:
        try:
            upgrade(s, found)
        except Exception:  # noqa: BLE001 - a failed step must not stop the window opening
            log.exception("settings %s: upgrade from version %s failed", s.fileName(),
                          stored_version(s))
            return _kept(s, f"version {stored_version(s)}, whose upgrade failed,")
    return s


def _open(kind: type[QSettings]) -> QSettings:
    return kind(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                APPLICATION)


def _kept(s: QSettings, what: str) -> QSettings:
    if s.fileName() not in _noticed:
        _noticed.add(s.fileName())
        log.warning("%s holds settings of %s (this caseapp writes version %d): read as far "
                    "as they fit, left unchanged", s.fileName(), what, SETTINGS_VERSION)
    return _open(KeptSettings)


def stored_version(s: QSettings) -> int | None:
    """The version the file says it is in: `settings_version`, else version 1's `version`,
    else 1 (caseapp never wrote settings without a version, so that is the best guess); None
    when the version is not a whole number."""
    for key in (VERSION_KEY, LEGACY_VERSION_KEY):
        value = s.value(key)
        if value is None:
            continue
        try:
            return int(str(value))
        except ValueError:
            return None
    return 1


def upgrade(s: QSettings, found: int) -> None:
    """Run the steps from version `found` up to SETTINGS_VERSION, in order, in place."""
    for version in range(found, SETTINGS_VERSION):
        UPGRADES[version](s)
        s.setValue(VERSION_KEY, version + 1)
        log.info("settings %s upgraded from version %d to %d", s.fileName(), version,
                 version + 1)
    s.sync()


def saved_bytes(key: str) -> QByteArray | None:
    """A saved state (geometry, header, splitter), or None when there is none or the value is
    not one (a file of another version is read best-effort)."""
    value = settings().value(key)
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    return None


def save_header(name: str, header: QHeaderView) -> None:
    settings().setValue(f"headers/{name}", header.saveState())


def restore_header(name: str, header: QHeaderView) -> bool:
    state = saved_bytes(f"headers/{name}")
    return state is not None and bool(header.restoreState(state))
