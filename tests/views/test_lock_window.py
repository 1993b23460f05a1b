"""The window on an encrypted database: unlock dialog, auto-lock, change of passphrase."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from caseapp.services import identity
from caseapp.services.workspace import Workspace
from caseapp.views.lock import PassphraseDialog, ask_to_open
from tests.views.conftest import open_window

SECRET = "correct horse battery staple"


@pytest.fixture
def encrypted_db(tmp_path: Path) -> Path:
    path = tmp_path / "cases.db"
    with Workspace.open(path, passphrase=SECRET) as ws:
        ws.cases.add({"ref": "CASE-1", "title": "Precursors by sea"})
    from caseapp.services.encryption import lock

    lock(path)
    identity.lock_keys()
    return path


def answer_dialog(qtbot: Any, typed: list[str], seen: list[str]) -> None:
    """When the next passphrase dialog shows, type each of `typed` in turn and press OK
    (noting the error shown after each)."""

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, step)
            return
        passphrase = typed.pop(0)
        field = dialog.current if dialog.mode != "new" else dialog.new
        field.setText(passphrase)
        dialog.repeat.setText(passphrase)
        dialog.try_accept()
        seen.append(dialog.error.text())
        if typed:
            QTimer.singleShot(20, step)

    QTimer.singleShot(20, step)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_unlock_says_a_wrong_passphrase_and_changes_nothing(qtbot: Any, encrypted_db: Path
                                                            ) -> None:
    before = digest(encrypted_db.parent)
    seen: list[str] = []
    answer_dialog(qtbot, ["not the passphrase", SECRET], seen)
    answer = ask_to_open(encrypted_db)
    assert answer == (SECRET, False)
    assert "passphrase does not open cases.db" in seen[0]
    assert digest(encrypted_db.parent) == before


def test_a_new_database_asks_for_a_passphrase_or_plain(qtbot: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEAPP_PLAIN", raising=False)
    dialog = PassphraseDialog("new", "new.db")
    qtbot.addWidget(dialog)
    dialog.new.setText("short")
    dialog.repeat.setText("short")
    dialog.try_accept()
    assert "at least 8 characters" in dialog.error.text()
    dialog.repeat.setText("different words")
    dialog.new.setText("different wordz")
    dialog.try_accept()
    assert "differ" in dialog.error.text()
    dialog.plain.setChecked(True)
    assert not dialog.new.isEnabled()
    dialog.try_accept()
    assert dialog.result() == QDialog.DialogCode.Accepted.value


def test_auto_lock_closes_the_database_and_unlock_resumes(qtbot: Any, encrypted_db: Path,
                                                          no_dialogs: list[BaseException]
                                                          ) -> None:
    ws = Workspace.open(encrypted_db, passphrase=SECRET)
    window = open_window(qtbot, ws, encrypted_db)
    assert window.auto_lock is not None
    typed_note = "unsaved words in the search box"
    window.case_search.setText(typed_note)
    seen: list[str] = []
    answer_dialog(qtbot, ["wrong words here", SECRET], seen)
    window.auto_lock.timer.setInterval(10)
    window.auto_lock.timer.start()
    qtbot.waitUntil(lambda: ws.locked, timeout=3000)
    assert not window.centralWidget().isVisible()
    from caseapp.db import cipher  # the test looks below the window: the key is gone

    assert cipher.known_key(encrypted_db) is None and not identity._unlocked
    qtbot.waitUntil(lambda: not ws.locked and window.centralWidget().isVisible(),
                    timeout=15000)
    assert "passphrase does not open" in seen[0]
    assert window.case_search.text() == typed_note  # kept across the lock
    window.case_search.clear()
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=3000)  # reads again
    window.auto_lock.timer.stop()
    window.close()
    ws.close()


def test_cancel_on_the_unlock_dialog_keeps_the_window_locked_and_the_typing(
        qtbot: Any, encrypted_db: Path, no_dialogs: list[BaseException]) -> None:
    ws = Workspace.open(encrypted_db, passphrase=SECRET)
    window = open_window(qtbot, ws, encrypted_db)
    window.case_search.setText("typed before the lock")

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, cancel)
            return
        dialog.reject()

    QTimer.singleShot(20, cancel)
    window.auto_lock.timer.setInterval(10)
    window.auto_lock.timer.start()
    qtbot.waitUntil(lambda: window.auto_lock.unlock_button is not None, timeout=5000)
    assert window.isVisible() and ws.locked and not window.centralWidget().isVisible()
    assert window.case_search.text() == "typed before the lock"
    seen: list[str] = []
    answer_dialog(qtbot, [SECRET], seen)
    window.auto_lock.unlock_button.click()
    assert not ws.locked and window.centralWidget().isVisible()
    assert window.auto_lock.unlock_button is None
    assert window.case_search.text() == "typed before the lock"
    window.auto_lock.timer.stop()
    window.close()
    ws.close()


def test_change_passphrase_from_the_file_menu(qtbot: Any, encrypted_db: Path,
                                              no_dialogs: list[BaseException]) -> None:
    ws = Workspace.open(encrypted_db, passphrase=SECRET)
    window = open_window(qtbot, ws, encrypted_db)
    window.auto_lock.timer.stop()
    new = "a brand new passphrase"

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PassphraseDialog):
            QTimer.singleShot(20, fill)
            return
        dialog.current.setText(SECRET)
        dialog.new.setText(new)
        dialog.repeat.setText(new)
        dialog.try_accept()

    QTimer.singleShot(20, fill)
    window.act_change_passphrase.trigger()  # the conversion runs on the writer thread
    assert window.runner.busy and not window.menuBar().isEnabled()
    qtbot.waitUntil(lambda: not window.runner.busy and window.menuBar().isEnabled(),
                    timeout=30000)
    assert not no_dialogs, no_dialogs
    assert window.statusBar().currentMessage().startswith(
        f"The passphrase of {encrypted_db.name} was changed")
    assert not ws.locked and window.case_model.rowCount() == 1
    window.close()
    ws.close()
    from caseapp.services.encryption import WrongPassphrase, lock

    lock(encrypted_db)
    identity.lock_keys()
    with pytest.raises(WrongPassphrase):
        Workspace.open(encrypted_db, passphrase=SECRET)
    with Workspace.open(encrypted_db, passphrase=new) as again:
        assert again.cases.list_page(_query()).total == 1


def _query() -> Any:
    from caseapp.services.records import ListQuery

    return ListQuery(limit=1)
