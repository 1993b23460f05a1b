"""The one error dialog: a sentence for domain errors, details for anything unexpected."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from caseapp.errors import (
    CaseAppError,
    DatabaseDamaged,
    NotFoundError,
    PermissionDenied,
    UntrustedKey,
)
from caseapp.logs import log_file

log = logging.getLogger("caseapp.views")


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the user what went wrong: a warning for CaseAppError, else a critical dialog."""
    box = QMessageBox(parent)
    box.setWindowTitle("caseapp")
    if isinstance(exc, CaseAppError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(exc.message)
        step = hint(exc)
        if step:
            box.setInformativeText(step)
        if exc.details:
            box.setDetailedText("\n".join(exc.details))
    else:
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
        box.setIcon(QMessageBox.Icon.Critical)
        box.setText(f"Something went wrong: {type(exc).__name__}: {exc}")
        box.setInformativeText(f"Nothing was saved by the failed step. The details are in the "
                               f"log file {log_file()}.")
        box.setDetailedText("".join(traceback.format_exception(type(exc), exc,
                                                               exc.__traceback__)))
    box.exec()


def hint(exc: CaseAppError) -> str | None:
    """The next step, in the window's words, for an error whose facts point to one (services
    name no front end's controls; the command line words its own, caseapp/cli/main.py)."""
    if isinstance(exc, UntrustedKey):
        return ("If you know this colleague, ask for their public key file (.pub), check its "
                "fingerprint with them, and trust it (on the command line: caseapp trust add "
                "THEIR_KEY.pub); then import the bundle again.")
    if isinstance(exc, PermissionDenied):
        return "File > Team… shows the roles and who the admins are; an admin can change them."
    if isinstance(exc, NotFoundError) and exc.kind == "substance":
        return "Add it to the catalogue with Case > New substance\u2026"
    if isinstance(exc, DatabaseDamaged):
        return ("The full check of the database (on the command line: caseapp verify) says "
                "what is wrong; the backups folder beside the database holds earlier copies.")
    return None


def install_excepthook() -> None:
    """Route uncaught exceptions (e.g. in slots) to `show_error` instead of stderr only."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback__ = tb
        parent = QApplication.activeWindow()
        show_error(parent, exc)

    sys.excepthook = hook
