"""Team roles in the window: the status bar names the role and key, a reviewer's write
actions are greyed out and a write attempted anyway is refused with the reason; the Team
dialog and Report > Approve…."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from caseapp.errors import PermissionDenied
from caseapp.services.identity import local_signer
from caseapp.services.workspace import Workspace
from caseapp.sync.signing import short_fingerprint
from caseapp.views.team_actions import TeamDialog, approve_report
from tests.sync.helpers import new_signer, pub_file
from tests.views.conftest import open_window

REF = "CASE-2026-0007"


def idle(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)


def test_a_reviewer_sees_why_and_changes_nothing(qtbot: Any, demo_ws: Any, db_path: Path,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path, no_dialogs: list) -> None:
    with Workspace.open(db_path, signer=new_signer("Lt. Ana Ruiz")) as admin:
        admin.team.init("Precursor desk")
        admin.team.add(pub_file(local_signer(), tmp_path), "reviewer")
    window = open_window(qtbot, demo_ws, db_path)
    fingerprint = short_fingerprint(demo_ws.identity.signer.key_id)
    assert window.user_label.text() == f"Investigator: tester \u00b7 reviewer \u00b7 key {fingerprint}"
    assert not window.act_edit.isEnabled() and not window.act_new["seizure"].isEnabled()
    assert "a reviewer may not change records" in window.act_delete.toolTip()
    seizure = demo_ws.seizures.find("EX-0007-03", case=REF)
    task = window.delete_record(seizure)  # tried anyway (e.g. from a tab's button)
    idle(window, qtbot)
    assert task is not None
    assert any(isinstance(e, PermissionDenied) and "reviewer" in e.message for e in no_dialogs)
    assert demo_ws.seizures.find("EX-0007-03", case=REF).deleted_at is None
    window.grab().save(str(tmp_path / "reviewer.png"))


def test_team_dialog_and_approve(qtbot: Any, demo_ws: Any, db_path: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                 no_dialogs: list, monkeypatch: Any) -> None:
    window = open_window(qtbot, demo_ws, db_path)
    assert "no team role" in window.user_label.text() and window.act_edit.isEnabled()
    dialog = TeamDialog(window)
    qtbot.addWidget(dialog)
    monkeypatch.setattr("PySide6.QtWidgets.QInputDialog.getText",
                        lambda *a, **k: ("Precursor desk", True))
    assert dialog.found()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "admin"
    assert "admin" in window.user_label.text()
    me = local_signer()
    assert dialog.add(str(pub_file(me, tmp_path)), "supervisor")  # admin makes herself one
    assert "supervisor" in window.user_label.text() and window.act_approve.isEnabled()
    dialog.grab().save(str(tmp_path / "team.png"))

    pdf = tmp_path / "r.pdf"
    demo_ws.reports.render(REF, pdf)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _p, _t, text, *a: shown.append(text) or 0)
    approve_report(window, str(pdf))
    idle(window, qtbot)
    assert not no_dialogs, no_dialogs
    assert shown and "Approval by tester" in shown[-1]
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True,
                             check=False).stdout
        assert out.count("Signature is Valid.") == 2
