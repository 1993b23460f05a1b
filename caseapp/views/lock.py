"""Passphrases in the window: unlock at start, a new database's passphrase, auto-lock after
an idle time (File > Auto-lock…), File > Change passphrase…, Encrypt this database… and
Decrypt this database… (docs/security.md).

A wrong passphrase is said in the dialog, which stays open; nothing on disk changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseapp.errors import CaseAppError
from caseapp.services import encryption

if TYPE_CHECKING:
    from caseapp.views.main_window import MainWindow
    from caseapp.views.workers import BackgroundTask

AUTO_LOCK_KEY = "security/auto_lock_minutes"
DEFAULT_AUTO_LOCK_MIN = 10
Check = Callable[[str], None]  # raises CaseAppError when the passphrase does not fit


def _secret_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class PassphraseDialog(QDialog):
    """Asks a passphrase: `unlock` or `decrypt` (one field), `new` (twice, with a plain
    option), `encrypt` (twice), or `change` (the current one, then the new one twice). `check`
    runs on OK; its error is shown and the dialog stays open."""

    def __init__(self, mode: str, db_name: str, check: Check | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.check = check
        titles = {"unlock": f"Unlock {db_name}", "new": f"New database {db_name}",
                  "change": f"Change the passphrase of {db_name}",
                  "encrypt": f"Encrypt {db_name}", "decrypt": f"Decrypt {db_name}"}
        self.setWindowTitle(titles[mode])
        intro = {
            "unlock": f"{db_name} is encrypted. Enter its passphrase.",
            "new": "The new database will be encrypted under a passphrase (at least "
                   f"{encryption.MIN_PASSPHRASE} characters; a few words are easy to remember). "
                   "There is no way back in without it: nobody, not even an administrator, can "
                   "recover a lost passphrase.",
            "change": "Enter the current passphrase, then the new one twice. A copy of the "
                      "database under the current passphrase is kept in its backups folder.",
            "encrypt": f"{db_name} will be encrypted under a passphrase (at least "
                       f"{encryption.MIN_PASSPHRASE} characters; a few words are easy to "
                       "remember), and so will your signing key if it is not yet. There is "
                       "no way back in without it: nobody, not even an administrator, can "
                       "recover a lost passphrase. Older plain backups stay as they are.",
            "decrypt": f"{db_name} will be stored in the clear: anyone who gets the file can "
                       "read it. Enter its passphrase to go on. An encrypted copy is kept in "
                       "its backups folder; your signing key stays protected.",
        }[mode]
        label = QLabel(intro, self)
        label.setWordWrap(True)
        label.setMinimumWidth(440)  # the layout's minimum size rules, not setMinimumWidth
        form = QFormLayout()
        self.current = _secret_field(self, "passphrase")
        self.new = _secret_field(self, "new_passphrase")
        self.repeat = _secret_field(self, "repeat_passphrase")
        self.plain = QCheckBox("Do not encrypt this database (not recommended)", self)
        self.plain.setObjectName("plain")
        if mode in ("unlock", "change", "decrypt"):
            form.addRow("Current passphrase" if mode == "change" else "Passphrase", self.current)
        else:
            self.current.hide()
        if mode in ("new", "change", "encrypt"):
            form.addRow("New passphrase", self.new)
            form.addRow("The same again", self.repeat)
        else:
            self.new.hide()
            self.repeat.hide()
        if mode != "new":
            self.plain.hide()
        self.error = QLabel("", self)
        self.error.setObjectName("passphrase_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        if mode == "new":
            layout.addWidget(self.plain)
            self.plain.toggled.connect(self._on_plain_toggled)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setMinimumWidth(480)

    def _on_plain_toggled(self, plain: bool) -> None:
        self.new.setEnabled(not plain)
        self.repeat.setEnabled(not plain)

    def passphrase(self) -> str:
        return self.current.text() if self.mode in ("unlock", "decrypt") else self.new.text()

    def try_accept(self) -> None:
        if self.mode in ("new", "change", "encrypt") and not self.plain.isChecked():
            if self.new.text() != self.repeat.text():
                self._fail("The two new passphrases differ.")
                return
            try:
                encryption.check_new_passphrase(self.new.text())
            except CaseAppError as exc:
                self._fail(exc.message)
                return
        if self.check is not None:
            QApplication.setOverrideCursor(self.cursor())
            try:
                self.check(self.current.text() if self.mode not in ("new", "encrypt")
                           else self.new.text())
            except CaseAppError as exc:
                self._fail(exc.message)
                self.current.clear()
                self.current.setFocus()
                return
            finally:
                QApplication.restoreOverrideCursor()
        self.accept()

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.adjustSize()


def ask_to_open(path: Path, parent: QWidget | None = None) -> tuple[str | None, bool] | None:
    """What opening `path` needs from the user: (passphrase, plain); (None, False) when
    nothing is needed; None when they cancelled. The passphrase in CASEAPP_PASSPHRASE_FILE,
    if set and fitting, is taken without asking."""
    if not encryption.needs_passphrase(path):
        return None, False
    given = encryption.passphrase_from_env()  # CASEAPP_PASSPHRASE_FILE, as for commands
    if given is not None:
        try:
            if path.exists():
                _unlock(path, given)
            else:
                encryption.check_new_passphrase(given)
        except CaseAppError:
            pass  # it does not fit: asked below
        else:
            return given, False
    if path.exists():
        dialog = PassphraseDialog("unlock", path.name, check=lambda p: _unlock(path, p),
                                  parent=parent)
        if dialog.exec() != QDialog.DialogCode.Accepted.value:
            return None
        return dialog.passphrase(), False
    dialog = PassphraseDialog("new", path.name, parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted.value:
        return None
    if dialog.plain.isChecked():
        return None, True
    return dialog.passphrase(), False


def _unlock(path: Path, passphrase: str) -> None:
    """Check the passphrase against the database and the signing key (both unlocked)."""
    from caseapp.services.identity import local_signer

    encryption.unlock_with(path, passphrase)
    try:
        local_signer(passphrase=passphrase)
    except CaseAppError:
        encryption.lock(path)
        raise


class AutoLock(QObject):
    """Locks the window's database after `minutes` without keyboard or mouse input."""

    ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                QEvent.Type.Wheel)

    def __init__(self, window: MainWindow, minutes: float) -> None:
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.lock_now)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def set_minutes(self, minutes: float) -> None:
        """A new idle time, counted from now."""
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        if not self.window.ws.locked:
            self.timer.start()

    def stop(self) -> None:
        """No more locking (the database was made plain, or auto-lock turned off)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in self.ACTIVITY:
            try:
                if not self.window.ws.locked:
                    self.timer.start()
            except RuntimeError:  # the window is being destroyed
                pass
        return False

    def lock_now(self) -> None:
        """Lock (close the database, drop the keys), then ask to unlock; contents of open
        editors stay as they are, behind the unlock dialog."""
        window = self.window
        if window.ws.locked or not window.isVisible():  # closed: nothing to ask
            return
        if window.runner.busy:  # a write in progress finishes first
            window.runner.wait()
        window.ws.lock()
        window.centralWidget().setVisible(False)
        window.menuBar().setEnabled(False)
        window.statusBar().showMessage("Locked: enter the passphrase to go on.")
        QTimer.singleShot(0, self.ask_unlock)

    def ask_unlock(self) -> bool:
        window = self.window
        dialog = PassphraseDialog("unlock", window.db_path.name,
                                  check=lambda p: window.ws.unlock(p), parent=window)
        dialog.setObjectName("unlock_dialog")
        self.dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted.value:
            # Cancel keeps the window, locked: what was typed stays, and the Unlock button
            # in the status bar asks again (closing the window is still the user's choice).
            self._show_unlock_button()
            return False
        if self.unlock_button is not None:
            window.statusBar().removeWidget(self.unlock_button)
            self.unlock_button.deleteLater()
            self.unlock_button = None
        window.centralWidget().setVisible(True)
        window.menuBar().setEnabled(True)
        window.statusBar().showMessage("Unlocked.", 3000)
        self.timer.start()
        return True

    unlock_button: QPushButton | None = None

    def _show_unlock_button(self) -> None:
        window = self.window
        window.statusBar().showMessage("Locked: press Unlock\u2026 and enter the passphrase to "
                                       "go on; what you typed is kept.")
        if self.unlock_button is None:
            button = QPushButton("&Unlock\u2026", window)
            button.setObjectName("unlock_button")
            button.setToolTip("Enter the passphrase to open the database again")
            button.clicked.connect(self.ask_unlock)
            window.statusBar().addPermanentWidget(button)
            self.unlock_button = button
        self.unlock_button.setFocus()


def auto_lock_minutes() -> float:
    """The idle time before the window locks (settings; 0 turns it off)."""
    from caseapp.views import settings

    value = settings.settings().value(AUTO_LOCK_KEY, DEFAULT_AUTO_LOCK_MIN)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(DEFAULT_AUTO_LOCK_MIN)


def change_passphrase(window: MainWindow) -> BackgroundTask | None:
    """File > Change passphrase…: the current passphrase and a new one (twice), then the
    open database (and the signing key) re-encrypted off the UI thread."""
    return _convert(window, "change")


def refresh_security(window: MainWindow) -> None:
    """Fit the File menu's entries and the auto-lock to the open database: Encrypt for a
    plain one; Decrypt, Change passphrase and auto-lock (unless set to never) for an
    encrypted one. Runs when the window is built and after a conversion or a new setting."""
    encrypted = encryption.is_encrypted(window.db_path)
    window.act_encrypt.setVisible(not encrypted)
    window.act_decrypt.setVisible(encrypted)
    window.act_change_passphrase.setEnabled(encrypted)
    minutes = auto_lock_minutes()
    current: AutoLock | None = getattr(window, "auto_lock", None)
    if encrypted and minutes > 0:
        if current is None:
            window.auto_lock = AutoLock(window, minutes)
        else:
            current.set_minutes(minutes)
    elif current is not None:
        current.stop()
        window.auto_lock = None
    else:
        window.auto_lock = None


def _set_usable(window: MainWindow, usable: bool) -> None:
    """While a conversion runs the database is closed: nothing in the window may read it."""
    window.centralWidget().setVisible(usable)
    window.menuBar().setEnabled(usable)


def _convert(window: MainWindow, mode: str) -> BackgroundTask | None:
    """Ask the passphrases of `mode` ("encrypt": a new one twice; "decrypt": the current one;
    "change": both), then convert the open database on the writer thread (progress dialog),
    the window hidden meanwhile; then fit the menu and auto-lock, and say where the backup
    is."""
    from caseapp.views.operations import EVERYTHING, Operation

    path = window.db_path
    encrypted = encryption.is_encrypted(path)
    if encrypted == (mode == "encrypt"):
        window.statusBar().showMessage(
            f"{path.name} is encrypted already." if encrypted else
            f"{path.name} is not encrypted: File > Encrypt this database\u2026 encrypts it.",
            10000)
        return None
    check = (encryption.check_signing_key if mode == "encrypt"
             else lambda p: encryption.unlock_with(path, p))
    dialog = PassphraseDialog(mode, path.name, check=check, parent=window)
    dialog.setObjectName(f"{mode}_dialog" if mode != "change" else "change_passphrase_dialog")
    if dialog.exec() != QDialog.DialogCode.Accepted.value:
        return None
    current, new = dialog.current.text(), dialog.new.text()
    run, title, outcome = {
        "encrypt": (lambda p, c: encryption.encrypt_open(window.ws, new, p, c),
                    f"Encrypting {path.name}", f"{path.name} is encrypted"),
        "decrypt": (lambda p, c: encryption.decrypt_open(window.ws, current, p, c),
                    f"Decrypting {path.name}", f"{path.name} is no longer encrypted"),
        "change": (lambda p, c: encryption.change_passphrase_open(window.ws, current, new,
                                                                 p, c),
                   f"Changing the passphrase of {path.name}",
                   f"The passphrase of {path.name} was changed"),
    }[mode]
    if window.runner.busy:  # a write in progress finishes first
        window.runner.wait()
    _set_usable(window, False)
    window.statusBar().showMessage(f"{title}\u2026")

    def done(result: Any) -> None:
        _set_usable(window, True)
        refresh_security(window)
        window.statusBar().showMessage(
            f"{outcome} ({result.rows} rows checked); the database as it was is kept, "
            f"encrypted, in {result.backup}.", 15000)

    def failed(_exc: BaseException) -> bool:
        _set_usable(window, True)
        refresh_security(window)
        return False  # the error dialog says what happened; the database is as it was

    return window.run(Operation(title, run, EVERYTHING, long=True, on_success=done,
                                on_failure=failed))


def encrypt_database(window: MainWindow) -> BackgroundTask | None:
    """File > Encrypt this database…: a new passphrase (twice), then the conversion off the UI
    thread; the window goes on with the database unlocked."""
    return _convert(window, "encrypt")


def decrypt_database(window: MainWindow) -> BackgroundTask | None:
    """File > Decrypt this database…: its passphrase, then the conversion off the UI thread."""
    return _convert(window, "decrypt")


class AutoLockDialog(QDialog):
    """File > Auto-lock…: the idle minutes before an encrypted database locks (0: never)."""

    def __init__(self, minutes: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Auto-lock")
        self.setObjectName("auto_lock_dialog")
        label = QLabel("An encrypted database locks itself after this long without keyboard "
                       "or mouse input: the database is closed and its keys are dropped from "
                       "memory; what you typed stays in the window until you unlock it. "
                       "Plain databases never lock.", self)
        label.setWordWrap(True)
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("auto_lock_minutes")
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setSuffix(" min")
        self.minutes.setSpecialValueText("Never")
        self.minutes.setValue(round(minutes))
        form = QFormLayout()
        form.addRow("Lock after", self.minutes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)


def set_auto_lock(window: MainWindow) -> AutoLockDialog:
    """File > Auto-lock…: store the idle time (QSettings) and apply it at once."""
    dialog = AutoLockDialog(auto_lock_minutes(), window)
    if dialog.exec() == QDialog.DialogCode.Accepted.value:
        minutes = dialog.minutes.value()
        from caseapp.views import settings

        settings.settings().setValue(AUTO_LOCK_KEY, minutes)
        refresh_security(window)
        window.statusBar().showMessage(
            "Auto-lock is off." if minutes == 0 else
            f"An encrypted database now locks after {minutes} idle minutes.", 5000)
    return dialog
