"""Window fixtures: fresh QSettings per test, a window on the demo data, a 100k-seizure db."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

BIG_ROWS = 100_000
BIG_PLACES = 97
BASE_DAY = dt.date(2015, 1, 1)


@pytest.fixture(autouse=True)
def qt_settings(tmp_path: Path, qapp: Any) -> Path:
    """Window state goes to a per-test folder, never the user's real settings."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("caseapp")
    qapp.setApplicationName("caseapp")
    return folder


@pytest.fixture
def no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """Errors the window would show, captured instead of popping a dialog."""
    shown: list[BaseException] = []
    import caseapp.views.error_dialog as ed

    # Window actions show errors through operations.py, which calls error_dialog.show_error.
    monkeypatch.setattr(ed, "show_error", lambda _p, exc: shown.append(exc))
    return shown


def open_window(qtbot: Any, ws: Any, path: Path) -> Any:
    from caseapp.views.main_window import MainWindow

    window = MainWindow(ws, path)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot: Any, demo_ws: Any, db_path: Path, no_dialogs: list[BaseException]) -> Any:
    """The main window on the demo data, first case selected."""
    return open_window(qtbot, demo_ws, db_path)


def big_seizure_values(i: int) -> dict[str, Any]:
    return {"exhibit_ref": f"BX-{i:06d}",
            "seized_on": BASE_DAY + dt.timedelta(days=(i * 7919) % 3650),
            "place": f"Place {i % BIG_PLACES}", "net_quantity": Decimal(i % 1000), "unit": "g"}


@pytest.fixture(scope="session")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database with one case of 100,000 seizures, written with bulk inserts (a few s)."""
    from sqlalchemy import insert

    from caseapp.services.workspace import Workspace

    folder = tmp_path_factory.mktemp("big")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEAPP_HOME", str(folder / "home"))
        mp.setenv("CASEAPP_USER", "bulk")
        ws = Workspace.open(folder / "big.db")
        case = ws.cases.add({"ref": "BIG-1", "title": "Hundred thousand seizures"})
        substance = ws.substances.lookup("NPP").uid
        now = "2026-01-01T00:00:00.000Z"
        rows = [{"uid": str(uuid.uuid4()), "created_at": now, "updated_at": now,
                 "created_by": "bulk", "case_uid": case.uid, "substance": substance,
                 "lab_confirmed": False, **big_seizure_values(i)} for i in range(BIG_ROWS)]
        with ws.db.begin() as s:
            for start in range(0, BIG_ROWS, 20_000):
                s.execute(insert(ws.seizures.table), rows[start:start + 20_000])
        ws.close()
    yield folder / "big.db"
