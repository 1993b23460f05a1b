"""The Connections dialog: possible duplicates side by side with a decision, and hits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool

from tests.views.conftest import open_window


def test_duplicates_and_hits_show_and_a_decision_removes_the_pair(
        ws: Any, db_path: Path, qtbot: Any, tmp_path: Path) -> None:
    from caseapp.views.connections_dialog import ConnectionsDialog

    ws.cases.add({"ref": "CASE-A", "title": "A"})
    ws.companies.add({"name": "湖北精奥生物科技有限公司", "country": "CN"}, case="CASE-A")
    ws.companies.add({"name": "Hubei Jingao Biotechnology Co Ltd", "country": "CN"},
                     case="CASE-A")
    ws.companies.add({"name": "Hubei Vast Chemical Company Limited", "country": "CN"},
                     case="CASE-A")
    window = open_window(qtbot, ws, db_path)
    dialog = ConnectionsDialog(ws, "CASE-A", window.run, window, pool=QThreadPool())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.dup_table.rowCount() == 1, timeout=60000)
    names = {dialog.dup_table.item(0, 1).text(), dialog.dup_table.item(0, 3).text()}
    assert names == {"湖北精奥生物科技有限公司", "Hubei Jingao Biotechnology Co Ltd"}
    assert "trade name" in dialog.dup_why.text()
    assert "CASE-A" in dialog.side_a.text() and "name:" in dialog.side_b.text()
    assert dialog.hit_table.rowCount() == 1
    assert dialog.hit_table.item(0, 3).text() == "HUBEI VAST CHEMICAL CO., LIMITED"
    assert "OFAC SDN" in dialog.lists_label.text()
    dialog.grab().save(str(tmp_path / "connections.png"))

    dialog.btn_different.click()
    qtbot.waitUntil(lambda: dialog.dup_table.rowCount() == 0, timeout=60000)
    assert ws.dedup.decisions("company")  # the decision is a record
    assert "No possible duplicates" in dialog.side_a.text()


def test_records_seen_in_another_case_carry_a_badge(demo_ws: Any, db_path: Path,
                                                    qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    window = open_window(qtbot, demo_ws, db_path)
    tab = window.tabs_by_kind["company"]
    model = tab.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=30000)
    badged = {}
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        icon = model.data(index, Qt.ItemDataRole.DecorationRole)
        badged[model.data(index)] = (icon is not None,
                                     model.data(index, Qt.ItemDataRole.ToolTipRole))
    has_icon, tip = badged["Harbourline Swiftlink Logistics Limited"]
    assert has_icon and "also seen in CASE-2026-00" in tip
    assert not any(icon for name, (icon, _t) in badged.items() if "Arrecife" in name)


def test_the_company_editor_shows_a_sanctions_hit_while_typing(demo_ws: Any, db_path: Path,
                                                               qtbot: Any) -> None:
    demo_ws.screening.ensure_preloaded()
    window = open_window(qtbot, demo_ws, db_path)
    dialog = window.editor("company")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_values({"name": "Hubei Vast Chemical Company Ltd", "country": "CN"})
    qtbot.waitUntil(lambda: dialog.screening_badge.isVisible(), timeout=10000)
    text = dialog.screening_badge.text()
    assert "HUBEI VAST CHEMICAL CO., LIMITED" in text and "45393" in text
    dialog.set_values({"name": "Harbour Kitten Bakery"})
    qtbot.waitUntil(lambda: not dialog.screening_badge.isVisible(), timeout=10000)


def test_a_seen_before_entry_opens_the_other_cases_record(demo_ws: Any, db_path: Path,
                                                          qtbot: Any) -> None:
    from caseapp.views.connections_dialog import ConnectionsDialog

    window = open_window(qtbot, demo_ws, db_path)
    assert window.current_case_ref() == "CASE-2026-0007"
    dialog = ConnectionsDialog(demo_ws, "CASE-2026-0007", window.run, window,
                               pool=QThreadPool())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.seen_table.rowCount() > 0, timeout=60000)
    rows = [(dialog.seen_table.item(r, 0).text(), dialog.seen_table.item(r, 1).text(),
             dialog.seen_table.item(r, 2).text()) for r in range(dialog.seen_table.rowCount())]
    target = next(r for r, row in enumerate(rows)
                  if row[2] == "Shenzhen Kairuo Xinda New Material Co., Ltd.")
    dialog.seen_table.selectRow(target)
    dialog.btn_open.click()
    assert window.current_case_ref() == "CASE-2026-0011"
    record = window.tabs_by_kind["company"].current_record()
    assert record is not None and record.name == "Shenzhen Kairuo Xinda New Material Co., Ltd."
