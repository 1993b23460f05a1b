"""File > Encrypt this database…, Decrypt this database… and Auto-lock… (views/lock.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from caseapp.db import cipher
from caseapp.services import identity
from caseapp.services.encryption import is_encrypted, lock
from caseapp.services.workspace import Workspace
from caseapp.sync.signing import is_encrypted_key
from caseapp.views.lock import AUTO_LOCK_KEY, AutoLockDialog, PassphraseDialog
from tests.views.conftest import open_window

SECRET = "correct horse battery staple"
TITLE = "Precursors by sea via Manzanillo"
HEADER = b"SQLite format 3\x00"


def when_modal(kind: type[QDialog], act: Callable[[Any], None]) -> None:
    """Once a modal dialog of `kind` shows, do `act` with it."""

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, step)
            return
        act(dialog)

    QTimer.singleShot(20, step)


def make_db(path: Path, passphrase: str | None) -> Path:
    with Workspace.open(path, passphrase=passphrase, plain=passphrase is None) as ws:
        ws.cases.add({"ref": "CASE-1", "title": TITLE})
    lock(path)
    identity.lock_keys()
    return path


def convert(qtbot: Any, window: Any, action: Any, answer: Any) -> None:
    """Trigger File > Encrypt/Decrypt this database…, answer its passphrase dialog with
    `answer`, and wait until the conversion has finished and the window is usable again."""
    when_modal(PassphraseDialog, answer)
    action.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy and window.menuBar().isEnabled(),
                    timeout=30000)


def test_encrypt_this_database_from_the_file_menu(qtbot: Any, tmp_path: Path,
                                                  no_dialogs: list[BaseException]) -> None:
    path = make_db(tmp_path / "cases.db", None)
    ws = Workspace.open(path)
    window = open_window(qtbot, ws, path)
    assert window.act_encrypt.isVisible() and not window.act_decrypt.isVisible()
    assert not window.act_change_passphrase.isEnabled() and window.auto_lock is None
    seen: list[str] = []

    def answer(dialog: PassphraseDialog) -> None:
        dialog.grab().save(str(tmp_path / "encrypt.png"))
        dialog.new.setText(SECRET)
        dialog.repeat.setText(SECRET + "!")
        dialog.try_accept()
        seen.append(dialog.error.text())
        dialog.repeat.setText(SECRET)
        dialog.try_accept()

    convert(qtbot, window, window.act_encrypt, answer)
    assert "differ" in seen[0] and not no_dialogs
    data = path.read_bytes()
    assert is_encrypted(path) and not data.startswith(HEADER) and TITLE.encode() not in data
    assert is_encrypted_key(identity.key_path())  # the signing key went with it
    assert window.act_decrypt.isVisible() and not window.act_encrypt.isVisible()
    assert window.act_change_passphrase.isEnabled() and window.auto_lock is not None
    assert window.centralWidget().isVisible()
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=5000)  # reads again
    ws.cases.add({"ref": "CASE-2", "title": "Written after"})  # and writes, encrypted
    window.auto_lock.timer.stop()
    window.close()
    ws.close()
    lock(path)
    identity.lock_keys()
    with Workspace.open(path, passphrase=SECRET) as again:
        assert {c.ref for c in again.cases.list_all(_all())} == {"CASE-1", "CASE-2"}


def test_decrypt_this_database_asks_its_passphrase(qtbot: Any, tmp_path: Path,
                                                   no_dialogs: list[BaseException]) -> None:
    path = make_db(tmp_path / "cases.db", SECRET)
    ws = Workspace.open(path, passphrase=SECRET)
    window = open_window(qtbot, ws, path)
    before = path.read_bytes()
    seen: list[str] = []

    def answer(dialog: PassphraseDialog) -> None:
        dialog.grab().save(str(tmp_path / "decrypt.png"))
        dialog.current.setText("not the passphrase")
        dialog.try_accept()
        seen.append(dialog.error.text())
        seen.append(str(path.read_bytes() == before))
        dialog.current.setText(SECRET)
        dialog.try_accept()

    convert(qtbot, window, window.act_decrypt, answer)
    assert "does not open" in seen[0] and seen[1] == "True" and not no_dialogs
    data = path.read_bytes()
    assert not is_encrypted(path) and data.startswith(HEADER)
    assert window.act_encrypt.isVisible() and not window.act_decrypt.isVisible()
    assert window.auto_lock is None and cipher.known_key(path) is None
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 1, timeout=5000)
    window.close()
    ws.close()


def test_auto_lock_minutes_are_stored_and_apply_at_once(qtbot: Any, tmp_path: Path,
                                                        no_dialogs: list[BaseException]
                                                        ) -> None:
    from caseapp.views import settings

    path = make_db(tmp_path / "cases.db", SECRET)
    ws = Workspace.open(path, passphrase=SECRET)
    window = open_window(qtbot, ws, path)
    assert window.auto_lock.timer.interval() == 10 * 60_000  # the default

    def set_to(minutes: int) -> Callable[[AutoLockDialog], None]:
        def act(dialog: AutoLockDialog) -> None:
            if minutes == 3:
                dialog.grab().save(str(tmp_path / "auto-lock.png"))
            dialog.minutes.setValue(minutes)
            dialog.accept()
        return act

    when_modal(AutoLockDialog, set_to(3))
    window.security("set_auto_lock")
    assert int(settings.settings().value(AUTO_LOCK_KEY)) == 3
    assert window.auto_lock.timer.interval() == 3 * 60_000 and window.auto_lock.timer.isActive()
    when_modal(AutoLockDialog, set_to(0))
    window.security("set_auto_lock")
    assert int(settings.settings().value(AUTO_LOCK_KEY)) == 0 and window.auto_lock is None
    when_modal(AutoLockDialog, set_to(1))
    window.security("set_auto_lock")
    assert window.auto_lock.timer.interval() == 60_000
    window.auto_lock.timer.stop()
    window.close()
    ws.close()


@pytest.mark.parametrize("value", ["7", "nonsense"])
def test_the_auto_lock_dialog_starts_at_the_stored_time(qtbot: Any, value: str) -> None:
    from caseapp.views import lock, settings

    settings.settings().setValue(AUTO_LOCK_KEY, value)
    dialog = AutoLockDialog(lock.auto_lock_minutes())
    qtbot.addWidget(dialog)
    assert dialog.minutes.value() == (7 if value == "7" else 10)


def _all() -> Any:
    from caseapp.services.records import ListQuery

    return ListQuery()


def test_the_passphrase_file_opens_without_asking(qtbot: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """CASEAPP_PASSPHRASE_FILE serves the window as it serves commands; one that does not
    fit is not used, and the dialog asks."""
    from caseapp.views.lock import ask_to_open

    path = make_db(tmp_path / "cases.db", SECRET)
    secret = tmp_path / "passphrase.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("CASEAPP_PASSPHRASE_FILE", str(secret))
    monkeypatch.delenv("CASEAPP_PLAIN", raising=False)
    asked: list[str] = []
    monkeypatch.setattr(PassphraseDialog, "exec", lambda d: asked.append(d.mode) or 0)
    assert ask_to_open(path) == (SECRET, False) and not asked
    assert ask_to_open(tmp_path / "new.db") == (SECRET, False) and not asked
    lock(path)
    identity.lock_keys()
    secret.write_text("not the passphrase at all\n", encoding="utf-8")
    assert ask_to_open(path) is None and asked == ["unlock"]  # asked; cancelled here


def test_a_closed_window_never_locks_nor_asks(qtbot: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A window closed but not yet deleted (as after caseapp's own start in a test) keeps no
    auto-lock running: it would ask for the passphrase of a window nobody sees."""
    path = make_db(tmp_path / "cases.db", SECRET)
    ws = Workspace.open(path, passphrase=SECRET)
    window = open_window(qtbot, ws, path)
    assert window.auto_lock.timer.isActive()
    window.close()
    assert not window.auto_lock.timer.isActive()
    asked: list[str] = []
    monkeypatch.setattr(PassphraseDialog, "exec", lambda d: asked.append(d.mode) or 0)
    window.auto_lock.lock_now()
    qtbot.wait(50)
    assert not ws.locked and not asked
    ws.close()
