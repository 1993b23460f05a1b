"""`caseapp --demo` and `caseapp --db PATH` open the window (run_window, the composition root)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from caseapp.views.main_window import MainWindow


def close_soon(seen: list[MainWindow], attached: bool = False) -> None:
    """Close the window once it is filled (or `attached` to its workspace): run_window paints
    the frame first and reads the case list right after (10 s at most, so a window that never
    fills fails the test)."""
    started = time.monotonic()

    def close() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible() and (
                    (w.attached if attached else w.filled)
                    or time.monotonic() - started > 10):
                seen.append(w)
                w.close()
                return
        QTimer.singleShot(50, close)
    QTimer.singleShot(50, close)


@pytest.fixture(autouse=True)
def keep_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def test_demo_opens_the_window_on_the_demo_case(qapp: Any, caseapp_home: Path) -> None:
    from caseapp.app import run_window

    seen: list[MainWindow] = []
    close_soon(seen)
    assert run_window(None, demo=True) == 0
    assert seen and seen[0].case_model.rowCount() == 2
    assert seen[0].case_uid is not None  # the first demo case is selected
    assert seen[0].db_path.is_relative_to(caseapp_home) and seen[0].db_path.name == "demo.db"


def test_db_path_opens_that_database(qapp: Any, tmp_path: Path) -> None:
    from caseapp.app import run_window

    seen: list[MainWindow] = []
    close_soon(seen)
    assert run_window(tmp_path / "other.db") == 0
    assert seen[0].db_path == tmp_path / "other.db" and (tmp_path / "other.db").exists()
    assert seen[0].case_model.rowCount() == 0


def test_the_frame_is_painted_before_the_tables_are_read(qtbot: Any, demo_ws: Any,
                                                         db_path: Path) -> None:
    """run_window's start: the frame paints first, the case list and tabs fill right after."""
    from PySide6.QtCore import QEvent, QObject

    painted_empty: list[bool] = []

    class Paints(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and not painted_empty and \
                    obj.window() is window:
                painted_empty.append(window.case_model.rowCount() == 0 and not window.filled)
            return False

    watcher = Paints()
    QApplication.instance().installEventFilter(watcher)  # type: ignore[union-attr]
    try:
        window = MainWindow(demo_ws, db_path, fill_after_paint=True)
        qtbot.addWidget(window)
        assert not window.filled and window.case_model.rowCount() == 0
        window.show()
        qtbot.waitUntil(lambda: window.filled, timeout=10000)
    finally:
        QApplication.instance().removeEventFilter(watcher)  # type: ignore[union-attr]
    assert painted_empty == [True]
    assert window.case_model.rowCount() == 2 and window.case_uid is not None
    assert window.tabs_by_kind["seizure"].model.rowCount() > 0


def test_a_database_that_cannot_open_shows_why_and_exits_1(qapp: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame is already on screen when the database turns out not to open: the error is
    shown over it, then it closes and run_window returns 1."""
    from caseapp import app as app_module
    from caseapp.views import error_dialog

    foreign = tmp_path / "foreign.db"
    foreign.write_text("not a database at all, just text\n")
    shown: list[tuple[Any, BaseException]] = []
    monkeypatch.setattr(error_dialog, "show_error",
                        lambda parent, exc: shown.append((parent, exc)))
    assert app_module.run_window(foreign) == 1
    assert len(shown) == 1 and isinstance(shown[0][0], MainWindow)
    assert "not" in str(shown[0][1]).lower() and not shown[0][0].attached
    assert foreign.read_text() == "not a database at all, just text\n"


def test_the_frame_needs_neither_sqlalchemy_nor_the_services() -> None:
    """What the window imports before its first paint (structural, not timed)."""
    import subprocess

    code = ("import sys\n"
            "import caseapp.app, caseapp.views.main_window, caseapp.services.identity\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', "
            "'alembic', 'reportlab', 'networkx', 'igraph') or m in ('caseapp.db.models', "
            "'caseapp.services.workspace', 'caseapp.views.record_tab')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_database_at_head_shows_its_case_list_before_the_workspace_opens(
        qapp: Any, demo_ws: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run_window on a database at the schema head: the case list comes through the SQLite
    driver (`preview`) and its first case is selected before the workspace is open; the
    workspace then takes over, lists again through the services and fills the case's tabs."""
    from caseapp.app import run_window
    from caseapp.domain.records import CaseRecord

    first = demo_ws.cases.list_all()[0]
    previews: list[tuple[Any, ...]] = []
    preview = MainWindow.preview

    def watched(window: MainWindow, reader: Any) -> None:
        preview(window, reader)
        previews.append((type(reader).__name__, window.attached, window.filled,
                         window.case_model.rowCount(), window.case_uid,
                         window.tabs_by_kind["seizure"].model.rowCount(),
                         window.overview.case_uid))
        # Input before the workspace is attached: record commands wait for it (a message,
        # no error), and a search typed meanwhile applies once it is attached.
        window.act_new_case.trigger()
        window.tabs_by_kind["seizure"].sig_new.emit("seizure")
        previews.append((window.statusBar().currentMessage(), ))
        window.case_search.setText(first.ref)

    monkeypatch.setattr(MainWindow, "preview", watched)
    monkeypatch.setattr(MainWindow, "new_record", lambda *a: pytest.fail("new_record ran"))
    seen: list[MainWindow] = []
    close_soon(seen, attached=True)
    assert run_window(db_path) == 0
    assert previews[0] == ("CaseListReader", False, True, 2, first.uid, 0, first.uid)
    assert previews[1][0].startswith(f"Opening {db_path.name}")
    window = seen[0]
    assert window.case_model.query.text == first.ref  # typed before the attach, applied after
    assert window.attached and window.case_uid == first.uid
    assert window.windowTitle().endswith(first.ref)
    assert isinstance(window.case_model.record_at(0), CaseRecord)  # the services' now
    assert window.tabs_by_kind["seizure"].model.rowCount() > 0
    assert window.history_model.rowCount() > 0
    assert window.user_label.text().startswith("Investigator: ")


def test_the_first_screen_needs_no_sqlalchemy(tmp_path: Path) -> None:
    """What the window imports until its case list is shown and a case selected on a
    database at the head (structural, not timed): no SQLAlchemy, Alembic, signing keys or
    dialog code."""
    import subprocess

    from caseapp.services.workspace import Workspace

    path = tmp_path / "plain.db"
    with Workspace.open(path, plain=True) as ws:
        ws.cases.add({"ref": "CASE-1", "title": "One"})
    code = ("import sys\n"
            "from caseapp.views.main_window import MainWindow\n"
            "preview = MainWindow.preview\n"
            "def watched(window, reader):\n"
            "    preview(window, reader)\n"
            "    print(window.case_model.rowCount(), window.case_uid is not None, sorted(\n"
            "        m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic',\n"
            "                                                      'cryptography')\n"
            "        or m in ('caseapp.db.models', 'caseapp.services.workspace',\n"
            "                 'caseapp.views.lock', 'caseapp.views.editors.record_editor')))\n"
            "    sys.stdout.flush()\n"
            "    window.close()\n"
            "MainWindow.preview = watched\n"
            "from caseapp.app import run_window\n"
            f"sys.exit(run_window({str(path)!r}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1 True []", out.stdout
