"""Composition root of the window: the one place that knows both Qt and the engine.

`caseapp` with no command (or only `--db PATH` / `--demo`) calls `run_window(db_path, demo)`:
`caseapp/__main__.py` makes that choice, so the command line never loads this module.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from caseapp.logs import setup_logging
from caseapp.paths import data_dir, default_db_path

log = logging.getLogger("caseapp.app")


def demo_database() -> Path:
    """A fresh database path for `--demo` (in the data dir, never reusing an old one)."""
    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=data_dir()))
    return folder / "demo.db"


def open_workspace(db_path: Path, demo: bool, passphrase: str | None = None,
                   plain: bool = False):  # type: ignore[no-untyped-def]
    from caseapp.services.workspace import Workspace

    ws = Workspace.open(db_path, passphrase=passphrase, plain=plain)
    if demo:
        from caseapp.services.demo import load_demo

        load_demo(ws)
    return ws


def _has_application() -> bool:
    """A QApplication already runs (tests, or a second window): Qt found its display."""
    qt = sys.modules.get("PySide6.QtWidgets")
    return qt is not None and qt.QApplication.instance() is not None


def _plain_file(path: Path) -> bool:
    """An existing database file that is not encrypted: opening it asks nothing."""
    from caseapp.db.cipher import is_encrypted

    return path.is_file() and not is_encrypted(path)


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
    """Open the main window on `db_path` (or a fresh demo database) and run until closed.

    Exits 1 with one sentence on stderr when the window cannot open here (no display, a
    missing system library): Qt itself would abort the process."""
    from caseapp.display import display_problem

    problem = None if _has_application() else display_problem()
    if problem is not None:
        print(f"caseapp: {problem}", file=sys.stderr)
        return 1
    setup_logging()
    app = make_application()
    from caseapp.services import identity
    from caseapp.views.error_dialog import show_error
    from caseapp.views.main_window import MainWindow, after_first_paint

    first_start = identity.needs_name()
    if first_start:
        from caseapp.views.first_start import ask_investigator_name

        name = ask_investigator_name(identity.public_key_path())
        if name is None:
            return 0  # cancelled: nothing was made; the next start asks again
        identity.create_identity(name)

    path = Path(db_path) if db_path is not None else (
        demo_database() if demo else default_db_path())
    # The frame is painted first. Right after, a passphrase is asked over it if needed; a
    # database at the schema head shows its case list at once through the SQLite driver
    # (`preview`), and the workspace (SQLAlchemy and the services imported, the key trusted)
    # is opened after that paint and bound to the window, which then fills the case's tabs.
    # Any other database is opened first (upgraded if due) and the window built on it is
    # filled after its next paint (docs/performance.md).
    window = MainWindow(None, path)
    opened: list[Any] = []  # the workspace, once open
    failed: list[BaseException] = []

    def open_and_attach() -> None:
        if not window.isVisible():
            return  # closed before it was painted
        # A fresh demo database holds fictional data only: plain, so trying caseapp out asks
        # for no passphrase (docs/security.md).
        passphrase, plain = None, demo and db_path is None
        if not plain and not _plain_file(path):  # a plain file asks nothing: no dialog code
            from caseapp.views.lock import ask_to_open

            answer = ask_to_open(path, window)  # unlock, or a new database's passphrase
            if answer is None:
                window.close()  # cancelled: nothing was opened or made
                return
            passphrase, plain = answer
        from caseapp.services.case_list import CaseListReader

        reader = None if demo else CaseListReader.open(path)
        if reader is None:
            attach(passphrase, plain, None)
            return
        window.preview(reader)
        window.start = after_first_paint(window, lambda: attach(passphrase, plain, reader))

    def attach(passphrase: str | None, plain: bool, reader: Any) -> None:
        try:
            if reader is not None and not window.isVisible():
                return  # closed while it showed the case list
            try:
                opened.append(open_workspace(path, demo, passphrase, plain))
            except Exception as exc:  # noqa: BLE001 - the user sees why it did not open
                log.exception("cannot open %s", path)
                failed.append(exc)
                show_error(window, exc)
                window.close()
                return
            window.attach(opened[0], fill_after_paint=reader is None)
        finally:
            if reader is not None:
                reader.close()
        if first_start:
            window.statusBar().showMessage(
                f"Your public key for colleagues (caseapp trust add): "
                f"{identity.public_key_path()}", 60000)

    window.start = after_first_paint(window, open_and_attach)  # kept with the window
    window.show()
    code = int(app.exec())
    from PySide6.QtCore import QThreadPool

    from caseapp.views.workers import writer_pool

    # Let running workers finish before the database closes under them.
    writer_pool().waitForDone()
    QThreadPool.globalInstance().waitForDone()
    for ws in opened:
        ws.close()
    return 1 if failed else code
