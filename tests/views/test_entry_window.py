"""`caseapp --demo` and `caseapp --db PATH` through the entry point (caseapp/__main__.py) open
the window, as README's first command does."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from caseapp.__main__ import main
from caseapp.views.main_window import MainWindow
from tests.views.test_app import close_soon


@pytest.fixture(autouse=True)
def keep_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def test_demo_opens_the_window_on_a_fresh_demo_database(qapp: Any, caseapp_home: Path) -> None:
    seen: list[MainWindow] = []
    close_soon(seen)
    assert main(["--demo"]) == 0
    assert seen and seen[0].case_model.rowCount() == 2
    assert seen[0].db_path.is_relative_to(caseapp_home) and seen[0].db_path.name == "demo.db"


def test_db_from_the_environment_opens_that_database(qapp: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEAPP_DB", str(tmp_path / "env.db"))
    seen: list[MainWindow] = []
    close_soon(seen)
    assert main([]) == 0
    assert seen[0].db_path == tmp_path / "env.db"


def test_db_and_demo_load_the_demo_into_that_database(qapp: Any, tmp_path: Path) -> None:
    seen: list[MainWindow] = []
    close_soon(seen)
    assert main(["--db", str(tmp_path / "mine.db"), "--demo"]) == 0
    assert seen[0].db_path == tmp_path / "mine.db" and seen[0].case_model.rowCount() == 2
