"""Composition root of the window: the one place that knows both Qt and the engine.

`caseapp` with no command (or only `--db PATH` / `--demo`) calls `run_window(db_path, demo)`:
`caseapp/__main__.py` makes that choice, so the command line never loads this module.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from caseapp.logs import setup_logging
from caseapp.paths import data_dir, default_db_path

log = logging.getLogger("caseapp.app")


def demo_database() -> Path:
    """A fresh database path for `--demo` (in the data dir, never reusing an old one)."""
    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=data_dir()))
    return folder / "demo.db"


def open_workspace(db_path: Path, demo: bool):  # type: ignore[no-untyped-def]
    from caseapp.services.workspace import Workspace

    ws = Workspace.open(db_path)
    if demo:
        from caseapp.services.demo import load_demo

        load_demo(ws)
    return ws


def make_application(argv: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The QApplication with names (for QSettings), fonts and the error hook."""
    from PySide6.QtWidgets import QApplication

    from caseapp.views import settings
    from caseapp.views.error_dialog import install_excepthook
    from caseapp.views.fonts import ensure_cjk_font

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    ensure_cjk_font()
    install_excepthook()
    return app


def run_window(db_path: Path | None, demo: bool = False) -> int:
    """Open the main window on `db_path` (or a fresh demo database) and run until closed."""
    setup_logging()
    app = make_application()
    from caseapp.views.error_dialog import show_error
    from caseapp.views.main_window import MainWindow

    path = Path(db_path) if db_path is not None else (
        demo_database() if demo else default_db_path())
    try:
        ws = open_workspace(path, demo)
    except Exception as exc:  # noqa: BLE001 - the user sees why the database did not open
        log.exception("cannot open %s", path)
        show_error(None, exc)
        return 1
    window = MainWindow(ws, path)
    window.show()
    code = int(app.exec())
    from PySide6.QtCore import QThreadPool

    from caseapp.views.workers import writer_pool

    # Let running workers finish before the database closes under them.
    writer_pool().waitForDone()
    QThreadPool.globalInstance().waitForDone()
    ws.close()
    return code
