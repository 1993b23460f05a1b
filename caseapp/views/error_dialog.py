"""The one error dialog: a sentence for domain errors, details for anything unexpected."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from caseapp.errors import CaseAppError
from caseapp.logs import log_file

log = logging.getLogger("caseapp.views")


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the user what went wrong: a warning for CaseAppError, else a critical dialog."""
    box = QMessageBox(parent)
    box.setWindowTitle("caseapp")
    if isinstance(exc, CaseAppError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(exc.message)
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
