"""The window's "Export table..." on the record tabs, the case list and the History tab:
runs as an operation (writer thread), writes the table as shown."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_window_exports_each_table(window: Any, qtbot: Any, tmp_path: Path,
                                   monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QFileDialog

    targets = iter([tmp_path / "seizures.xlsx", tmp_path / "cases.csv",
                    tmp_path / "history.csv"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(next(targets)), ""))
    tab = window.tabs_by_kind["seizure"]
    tab.filter.setText("Leipzig")
    tab.apply_filter()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10000)
    assert tab.export_button.text() == "Export table\u2026"
    tab.export_button.click()  # writes on the writer thread, not the UI thread
    qtbot.waitUntil(lambda: (tmp_path / "seizures.xlsx").exists(), timeout=20000)
    rows = list(load_workbook(tmp_path / "seizures.xlsx").active.values)
    assert len(rows) == 2 and "EX-0007-02" in rows[1]
    assert any(a.text() == "Export table\u2026" for a in window.case_view.actions())
    window.export_table("case")
    qtbot.waitUntil(lambda: (tmp_path / "cases.csv").exists(), timeout=20000)
    assert len(read_csv(tmp_path / "cases.csv")) == 2
    window.export_table("history")
    qtbot.waitUntil(lambda: (tmp_path / "history.csv").exists(), timeout=20000)
    assert read_csv(tmp_path / "history.csv")[0]["action"] == "export"
    qtbot.waitUntil(lambda: "Wrote" in window.statusBar().currentMessage(), timeout=5000)


def test_window_exports_stix_and_ftm_and_imports_ftm(window: Any, qtbot: Any,
                                                     tmp_path: Path) -> None:
    import json

    from caseapp.views import file_actions

    stix, ftm = tmp_path / "case.json", tmp_path / "case.ftm.json"
    file_actions.export_interchange(window, "stix", stix)
    qtbot.waitUntil(stix.exists, timeout=20000)
    assert json.loads(stix.read_text(encoding="utf-8"))["type"] == "bundle"
    file_actions.export_interchange(window, "ftm", ftm)
    qtbot.waitUntil(ftm.exists, timeout=20000)
    window.ws.cases.add({"ref": "NEW-3", "title": "Partner data"})
    window.set_case(window.ws.cases.find("NEW-3").uid)
    assert window.current_case_ref() == "NEW-3"
    file_actions.import_ftm(window, ftm)
    companies = window.tabs_by_kind["company"]
    qtbot.waitUntil(lambda: companies.model.rowCount() == 5, timeout=20000)
    assert "Imported 0 companies" in window.statusBar().currentMessage()
