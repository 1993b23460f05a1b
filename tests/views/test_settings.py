"""Window settings are versioned and upgraded in place, never wiped (views/settings.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QSettings

from caseapp.views import settings

# A settings file as caseapp wrote it at version 1 (its number under `version`), by hand.
VERSION_1 = """\
[General]
version=1

[window]
geometry=@ByteArray(geometry bytes)
splitter=@ByteArray(splitter bytes)

[headers]
seizure=@ByteArray(header bytes)
"""


def settings_file(folder: Path) -> Path:
    path = folder / settings.ORGANIZATION / f"{settings.APPLICATION}.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def on_disk(path: Path) -> QSettings:
    """The file as a fresh reader sees it."""
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_every_older_version_has_an_upgrade_step() -> None:
    assert sorted(settings.UPGRADES) == list(range(1, settings.SETTINGS_VERSION))


def test_a_version_1_file_is_upgraded_in_place_with_its_values_kept(qt_settings: Path) -> None:
    path = settings_file(qt_settings)
    path.write_text(VERSION_1, encoding="utf-8")
    s = settings.settings()
    assert settings.stored_version(s) == settings.SETTINGS_VERSION
    assert settings.saved_bytes("window/geometry") == QByteArray(b"geometry bytes")
    assert settings.saved_bytes("window/splitter") == QByteArray(b"splitter bytes")
    assert settings.saved_bytes("headers/seizure") == QByteArray(b"header bytes")
    disk = on_disk(path)
    assert int(disk.value(settings.VERSION_KEY)) == settings.SETTINGS_VERSION
    assert disk.value(settings.LEGACY_VERSION_KEY) is None
    assert disk.value("window/geometry") == QByteArray(b"geometry bytes")
    assert disk.value("headers/seizure") == QByteArray(b"header bytes")


def test_steps_run_in_order_from_the_stored_version(qt_settings: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []

    def step_2_to_3(s: QSettings) -> None:
        ran.append(2)
        assert settings.stored_version(s) == 2  # step 1 -> 2 ran and was recorded first
        s.setValue("window/renamed", s.value("window/splitter"))
        s.remove("window/splitter")

    monkeypatch.setattr(settings, "SETTINGS_VERSION", 3)
    monkeypatch.setitem(settings.UPGRADES, 2, step_2_to_3)
    path = settings_file(qt_settings)
    path.write_text(VERSION_1, encoding="utf-8")
    settings.settings()
    settings.settings()  # already current: nothing runs again
    assert ran == [2]
    disk = on_disk(path)
    assert int(disk.value(settings.VERSION_KEY)) == 3
    assert disk.value("window/renamed") == QByteArray(b"splitter bytes")
    assert disk.value("window/geometry") == QByteArray(b"geometry bytes")


@pytest.mark.parametrize("version", ["99", "0", "two"])
def test_a_newer_or_unknown_version_is_read_but_never_written(qt_settings: Path,
                                                              version: str) -> None:
    path = settings_file(qt_settings)
    path.write_text(VERSION_1.replace("version=1", f"settings_version={version}\n"
                                      "future=kept as it is"), encoding="utf-8")
    before = path.read_bytes()
    s = settings.settings()
    assert isinstance(s, settings.KeptSettings)
    assert settings.saved_bytes("window/geometry") == QByteArray(b"geometry bytes")
    s.setValue("window/geometry", QByteArray(b"other"))
    s.remove("headers")
    s.sync()
    del s
    assert path.read_bytes() == before


def test_a_value_of_an_unexpected_type_is_ignored(qt_settings: Path) -> None:
    path = settings_file(qt_settings)
    path.write_text(VERSION_1.replace("@ByteArray(geometry bytes)", "a text now"),
                    encoding="utf-8")
    assert settings.saved_bytes("window/geometry") is None
    assert settings.saved_bytes("window/splitter") == QByteArray(b"splitter bytes")


def test_a_new_file_is_stamped_with_this_version(qt_settings: Path) -> None:
    settings.settings().sync()
    disk = on_disk(settings_file(qt_settings))
    assert int(disk.value(settings.VERSION_KEY)) == settings.SETTINGS_VERSION


def test_the_window_keeps_its_column_widths_across_an_upgrade(
        window: Any, qtbot: Any, demo_ws: Any, qt_settings: Path) -> None:
    from tests.views.conftest import open_window

    window.tabs_by_kind["seizure"].view.setColumnWidth(2, 333)
    qtbot.wait(600)  # saved once the user stops resizing
    window.close()
    # The same state, as version 1 stored it.
    path = settings_file(qt_settings)
    text = path.read_text(encoding="utf-8")
    assert f"settings_version={settings.SETTINGS_VERSION}" in text
    path.write_text(text.replace(f"settings_version={settings.SETTINGS_VERSION}", "version=1"),
                    encoding="utf-8")
    again = open_window(qtbot, demo_ws, window.db_path)
    assert again.tabs_by_kind["seizure"].view.columnWidth(2) == 333
    assert int(on_disk(path).value(settings.VERSION_KEY)) == settings.SETTINGS_VERSION
