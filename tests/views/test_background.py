"""Background work: a cancelled CSV import leaves the database unchanged; a finished one
refreshes the table."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from caseapp.services.records import ListQuery
from caseapp.views import file_actions


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["exhibit_ref", "seized_on", "substance", "net_quantity", "unit", "place"])
        for i in range(rows):
            out.writerow([f"IMP-{i:05d}", "2026-01-02", "NPP", "1.5", "kg", f"Dock {i % 7}"])
    return path


def test_cancelled_import_leaves_database_unchanged(window: Any, qtbot: Any, tmp_path: Path,
                                                    no_dialogs: list[BaseException]) -> None:
    from caseapp.errors import Cancelled

    q = ListQuery(case_uid=window.case_uid)
    before = window.ws.seizures.count(q)
    path = write_csv(tmp_path / "many.csv", 4000)
    task = file_actions.import_csv(window, path, "seizures")
    assert task is not None
    # Cancel as soon as the worker reports progress, as a user pressing Cancel would.
    from PySide6.QtWidgets import QPushButton

    cancel_button = task.dialog.findChild(QPushButton)
    task.worker.signals.sig_progress.connect(lambda *_: cancel_button.click())
    ended: list[str] = []
    task.worker.signals.sig_failed.connect(lambda *_: ended.append("failed"))
    task.worker.signals.sig_done.connect(lambda *_: ended.append("done"))
    qtbot.waitUntil(lambda: bool(ended), timeout=20000)
    assert ended == ["failed"]
    assert any(isinstance(e, Cancelled) for e in no_dialogs)
    assert window.ws.seizures.count(q) == before


def test_finished_import_refreshes_the_table(window: Any, qtbot: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "few.csv", 30)
    task = file_actions.import_csv(window, path, "seizures")
    assert task is not None
    with qtbot.waitSignal(task.worker.signals.sig_done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: window.tabs_by_kind["seizure"].model.rowCount() == 35,
                    timeout=5000)
    assert "Imported 30 seizures" in window.statusBar().currentMessage()
