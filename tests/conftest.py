"""Shared fixtures: every test gets its own data dir (keys, logs) and database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def caseapp_home(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CASEAPP_HOME (key pair, logs) for each test; the investigator is 'tester'."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CASEAPP_HOME", str(home))
    monkeypatch.setenv("CASEAPP_USER", "tester")
    monkeypatch.delenv("CASEAPP_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "case.db"


@pytest.fixture
def ws(db_path: Path) -> Iterator[object]:
    """An open Workspace on a new database (made by the real migrations)."""
    from caseapp.services.workspace import Workspace

    workspace = Workspace.open(db_path)
    yield workspace
    workspace.close()


@pytest.fixture
def demo_ws(ws: object) -> object:
    """A workspace holding the demo data."""
    from caseapp.services.demo import load_demo

    load_demo(ws)  # type: ignore[arg-type]
    return ws
