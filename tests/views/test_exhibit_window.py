"""The exhibit window: the chain and its warning, Transfer… proposing the current holder,
corrections, accepting a lab result, and attachments opened, saved and verified."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from caseapp.errors import IntegrityProblem
from tests import rawdb


def idle(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)


def exhibit(window: Any, qtbot: Any, ref: str) -> Any:
    tab = window.tabs_by_kind["seizure"]
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 5, timeout=10000)
    rows = [tab.model.record_at(r).exhibit_ref for r in range(tab.model.rowCount())]
    tab.view.selectRow(rows.index(ref))
    dialog = window.show_exhibit()
    qtbot.addWidget(dialog)
    return dialog


def test_the_custody_tab_shows_the_gap_and_a_transfer_proposes_the_holder(
        window: Any, qtbot: Any, tmp_path: Path) -> None:
    dialog = exhibit(window, qtbot, "EX-0007-05")
    panel = dialog.custody
    assert "C. Lee" in panel.summary.text() and "LSSD-SD-90155" in panel.summary.text()
    assert panel.warnings.isVisibleTo(dialog) and "M. Pryor" in panel.warnings.text()
    assert panel.table.rowCount() == 6
    assert [line.split(":")[0] for line in window.custody_warning_lines()] == ["EX-0007-05"]
    assert len(panel.timeline.flagged) == 1
    dialog.resize(1000, 620)
    dialog.grab().save(str(tmp_path / "custody.png"))
    form = panel.new_event("transferred")
    qtbot.addWidget(form)
    assert form.edits["released_by"].text() == "C. Lee, chemist (CBP LSSD San Diego)"
    assert form.edits["seal_no"].text() == "LSSD-SD-90155"
    form.edits["received_by"].setText("SA T. Whitfield (HSI San Diego)")
    form.seal_intact.setCurrentText("yes")
    form.accept()
    idle(window, qtbot)
    assert panel.table.rowCount() == 7
    assert "SA T. Whitfield" in panel.summary.text()
    # a bad event comes back to its dialog with the reason; nothing is written
    bad = panel.new_event("destroyed")
    qtbot.addWidget(bad)
    bad.accept()
    idle(window, qtbot)
    assert bad.isVisible() and "authority" in bad.error.text()
    assert panel.table.rowCount() == 7


def test_the_custody_form_prints_a_signature_line_per_transfer(
        window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import subprocess

    import caseapp.views.exhibit_dialog as ed

    monkeypatch.setattr(ed.QDesktopServices, "openUrl", lambda url: None)
    dialog = exhibit(window, qtbot, "EX-0007-05")
    pdf = tmp_path / "form.pdf"
    dialog.custody.write_form(pdf)
    idle(window, qtbot)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Chain of custody form" in text and "EX-0007-05" in text
    assert "M. Pryor, evidence technician" in text   # the gap, in the warning and the chain
    # received, transferred, sent to lab: 3 recorded hand-overs + 3 blank ones, 2 lines each
    assert text.count("Signature:") == 2 * (3 + 3)


def test_a_correction_from_the_window_replaces_the_selected_event(
        window: Any, qtbot: Any) -> None:
    dialog = exhibit(window, qtbot, "EX-0007-05")
    panel = dialog.custody
    row = next(i for i, e in enumerate(panel.shown) if e.event == "sent_to_lab")
    panel.table.selectRow(row)
    corrected = panel.selected()
    fix = panel.new_event(corrected.event, corrects=corrected)
    qtbot.addWidget(fix)
    assert fix.event_box.currentText() == "sent_to_lab"
    assert fix.edits["released_by"].text().startswith("M. Pryor")
    fix.edits["released_by"].setText("SA T. Whitfield (HSI San Diego)")
    fix.accept()
    idle(window, qtbot)
    assert not panel.warnings.isVisibleTo(dialog)
    assert panel.table.rowCount() == 7   # the corrected event stays, struck out
    assert any(panel.table.item(r, 0).font().strikeOut() for r in range(7))


def test_accepting_a_lab_result_sets_the_seizure_purity(window: Any, qtbot: Any) -> None:
    dialog = exhibit(window, qtbot, "EX-0007-05")
    lab = dialog.lab
    assert lab.table.rowCount() == 2
    row = next(i for i, r in enumerate(lab.results) if not r.accepted)
    lab.table.selectRow(row)
    lab.accept_selected()
    idle(window, qtbot)
    assert window.ws.seizures.get(lab.seizure.uid).purity_percent == Decimal("11.9")
    assert "11.9" in lab.note.text()
    form = lab.new_result()
    qtbot.addWidget(form)
    assert form.edits["substance"].text() == "Fentanyl"
    form.edits["purity_percent"].setText("12.4")
    form.accept()   # no sample id: refused beside the fields, nothing written
    idle(window, qtbot)
    assert form.isVisible() and "Sample id" in form.error.text()
    form.edits["sample_id"].setText("DEA-SW-26-1872-B")
    form.accepted_box.setChecked(True)
    form.accept()
    idle(window, qtbot)
    assert lab.table.rowCount() == 3
    assert window.ws.seizures.get(lab.seizure.uid).purity_percent == Decimal("12.4")


def test_attachments_open_save_and_verify_the_hash(window: Any, qtbot: Any, tmp_path: Path,
                                                   db_path: Path, no_dialogs: list[Any],
                                                   monkeypatch: Any) -> None:
    import caseapp.views.exhibit_dialog as ed

    opened: list[Any] = []
    monkeypatch.setattr(ed.QDesktopServices, "openUrl", lambda url: opened.append(url))
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    dialog = exhibit(window, qtbot, "EX-0007-01")
    panel = dialog.attachments
    photo = tmp_path / "seal-photo.jpg"
    photo.write_bytes(b"\xff\xd8 photo of seal CBP-IMF-20931")
    panel.attach_path(photo)
    idle(window, qtbot)
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 3).text() == "EX-0007-01"
    panel.table.selectRow(0)
    assert panel.open_selected().read_bytes() == photo.read_bytes() and opened
    assert panel.save_to(tmp_path / "copy.jpg")
    assert (tmp_path / "copy.jpg").read_bytes() == photo.read_bytes()
    assert panel.verify_selected() is True
    with rawdb.connect(db_path) as con:
        con.execute("UPDATE blobs SET data = ? WHERE size = ?", (b"forged", photo.stat().st_size))
    assert panel.verify_selected() is False
    assert isinstance(no_dialogs[-1], IntegrityProblem)
