"""Process start to painted window, one process per measurement (`run.py` starts it).

    python benchmarks/window_start.py app  DB     # `caseapp --db DB`: the whole main window
    python benchmarks/window_start.py bare DB     # QMainWindow + QTableView over sqlite3

Prints two wall-clock times (`time.time()`) and the peak RSS in MiB, then exits at once: when
the first Paint event of a widget inside a visible top-level QMainWindow arrived (the frame is
on screen), and when the first Paint event arrived that found the window filled: the bare
window has its rows before it is shown; the main window, once its case list has rows and the
first case is selected (caseapp paints its frame first and reads the case list right after:
views/main_window.py). The parent subtracts its own `time.time()` taken before it started this
process, so both figures include the interpreter start and every import.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _report(painted: float) -> None:
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM"))
    sys.stdout.write(f"{painted:.6f} {time.time():.6f} {int(hwm.split()[1]) / 1024:.1f}\n")
    sys.stdout.flush()
    os._exit(0)  # no teardown: workers, the database and Qt are left to the OS


def _filled(window: Any) -> bool:
    """The bare window is filled when shown; caseapp's once it has read its case list (its
    `filled`) and selected the first case."""
    return bool(getattr(window, "filled", True)) and (
        getattr(window, "case_model", None) is None or window.case_uid is not None)


def _watch(app: Any) -> None:
    """Report once a main window has been painted, and painted again once filled: the time
    of the first Paint event of its widgets that finds it filled (a window filled in one
    step with its building, as caseapp's first screen is, is not reported before its
    widgets are laid out and drawn)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QMainWindow, QWidget

    class FirstPaint(QObject):
        painted = 0.0

        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
            if (event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                    and isinstance(obj.window(), QMainWindow)):
                if not self.painted:
                    self.painted = time.time()
                    self.window = obj.window()
                    self.poll = QTimer(self)
                    self.poll.timeout.connect(self.check)
                    self.poll.start(0)
                if obj.window() is self.window and _filled(self.window):
                    _report(self.painted)
            return False

        def check(self) -> None:
            if _filled(self.window):
                self.poll.stop()
                self.window.update()  # its next paint reports (if none is due yet)

    app._first_paint = FirstPaint(app)  # kept with the application
    app.installEventFilter(app._first_paint)


def run_app(db: str) -> None:
    import caseapp.app as window_app

    make = window_app.make_application

    def make_and_watch(argv: list[str] | None = None) -> Any:
        app = make(argv)
        _watch(app)
        return app

    window_app.make_application = make_and_watch
    from caseapp.__main__ import main

    main(["--db", db])


def run_bare(db: str) -> None:
    import sqlite3

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    class PageModel(QAbstractTableModel):
        def __init__(self, rows: list[tuple[Any, ...]]) -> None:
            super().__init__()
            self.rows = rows

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else 8

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.rows[index.row()][index.column()])
            return None

    app = QApplication(sys.argv[:1])
    _watch(app)
    conn = sqlite3.connect(db)
    case_uid = conn.execute("SELECT uid FROM cases ORDER BY ref LIMIT 1").fetchone()[0]
    rows = conn.execute(
        "SELECT exhibit_ref, seized_on, substance, net_quantity, unit, purity_percent, form, "
        "place FROM seizures WHERE case_uid = ? AND deleted_at IS NULL "
        "ORDER BY seized_on DESC, id DESC LIMIT 200", (case_uid,)).fetchall()
    window = QMainWindow()
    view = QTableView()
    view.setModel(PageModel(rows))
    window.setCentralWidget(view)
    window.resize(1280, 800)
    window.show()
    app.exec()


if __name__ == "__main__":
    variant, path = sys.argv[1], sys.argv[2]
    run_app(path) if variant == "app" else run_bare(path)
