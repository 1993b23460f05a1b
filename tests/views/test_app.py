"""`caseapp --demo` and `caseapp --db PATH` open the window (run_window, the composition root)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from caseapp.views.main_window import MainWindow


def close_soon(seen: list[MainWindow]) -> None:
    def close() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append(w)
                w.close()
    QTimer.singleShot(300, close)


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
