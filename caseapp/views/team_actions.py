"""Team roles in the window: the Team dialog, Report > Approve… and Check report…, and the
role shown in the status bar with the actions a role may not use greyed out (services/team.py
decides; the window only mirrors it, and a refused write still says why)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseapp.errors import CaseAppError
from caseapp.views import error_dialog
from caseapp.views.operations import Changes, Operation
from caseapp.views.workers import BackgroundTask

if TYPE_CHECKING:
    from caseapp.views.main_window import MainWindow


def _fingerprint(key_id: str) -> str:
    # Loaded on use: the window's first screen is shown before the signing code (and the
    # cryptography package) is imported (app.py).
    from caseapp.sync.signing import short_fingerprint

    return short_fingerprint(key_id)


def identity_text(window: MainWindow) -> str:
    """`Investigator: NAME · ROLE · key XXXX XXXX …` for the status bar."""
    signer = window.ws.identity.signer
    role = window.ws.team.role_of(signer.key_id) if window.ws.team.active() else None
    return (f"Investigator: {signer.name} \u00b7 {role or 'no team role'} \u00b7 key "
            f"{_fingerprint(signer.key_id)}")


def write_actions(window: MainWindow) -> list[Any]:
    return [window.act_new_case, *window.act_new.values(), window.act_edit, window.act_delete,
            window.act_restore, window.act_import_csv, window.act_edit_case]


def apply_role(window: MainWindow) -> None:
    """Status bar and greyed-out actions for the local investigator's role."""
    window.user_label.setText(identity_text(window))
    why = window.write_refusal = window.ws.team.write_refusal()
    for action in write_actions(window):
        action.setEnabled(why is None)
        action.setToolTip(f"Not allowed: {why}." if why else action.text().replace("&", ""))
    window.act_approve.setEnabled(
        window.ws.team.role_of(window.ws.identity.signer.key_id) == "supervisor")
    window.user_label.setToolTip(f"You may read, search and print, but not change records: "
                                 f"{why}." if why else "")
    window.update_case_actions()  # the case actions also depend on the selected case


def _pick_pdf(window: MainWindow, title: str) -> str | None:
    name, _ = QFileDialog.getOpenFileName(window, title, "", "PDF (*.pdf)")
    return name or None


def approve_report(window: MainWindow, name: str | None = None) -> BackgroundTask | None:
    """Report > Approve…: the supervisor's signature in the report's sign-off block."""
    name = name or _pick_pdf(window, "Approve report")
    if not name:
        return None

    def done(check: Any) -> None:
        QMessageBox.information(window, "Report approved", "\n".join(check.lines()))

    return window.run(Operation(f"Approving {Path(name).name}",
                                lambda progress, cancel: window.ws.reports.approve(name),
                                Changes(case_uid=window.case_uid), long=True, on_success=done))


def check_report(window: MainWindow, name: str | None = None) -> BackgroundTask | None:
    """Report > Check report…: verify-report in the window."""
    name = name or _pick_pdf(window, "Check report")
    if not name:
        return None

    def done(check: Any) -> None:
        box = QMessageBox.information if check.matches else QMessageBox.warning
        box(window, "Report checks out" if check.matches else "Report does not check out",
            "\n".join(check.lines()))

    return window.run(Operation(f"Checking {Path(name).name}",
                                lambda progress, cancel: window.ws.reports.verify(name),
                                Changes(), long=True, on_success=done))


class TeamDialog(QDialog):
    """The team list: members, roles, fingerprints; an admin adds and revokes."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.ws = window.ws
        self.setWindowTitle("Team")
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(["Name", "Role", "Fingerprint", "From", "Until"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.found_button = QPushButton("Found team\u2026", self)
        self.add_button = QPushButton("Add member\u2026", self)
        self.revoke_button = QPushButton("Revoke key", self)
        self.found_button.clicked.connect(self.found)
        self.add_button.clicked.connect(lambda: self.add())
        self.revoke_button.clicked.connect(self.revoke)
        row = QHBoxLayout()
        for button in (self.found_button, self.add_button, self.revoke_button):
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(close)
        self.resize(820, 420)
        self.refresh()

    def refresh(self) -> None:
        team = self.ws.team.current()
        me = self.ws.identity.signer.key_id
        admin = team is not None and self.ws.team.role_of(me) == "admin"
        if team is None:
            self.heading.setText("No team list: keys in the trust store may send bundles and "
                                 "anyone with this database may write. Found a team to give "
                                 "roles; your key becomes its first admin.")
        else:
            self.heading.setText(
                f"Team <b>{team.name}</b>, version {team.version} ({team.issued_at}). "
                f"Your key {_fingerprint(me)} is "
                f"<b>{self.ws.team.role_of(me) or 'not a member'}</b>."
                + ("" if admin else " Only an admin changes the list."))
        members = team.members if team else ()
        self.table.setRowCount(len(members))
        for r, m in enumerate(members):
            for c, text in enumerate((m.name, m.role, _fingerprint(m.key_id), m.start,
                                      m.end or "")):
                item = QTableWidgetItem(text)
                item.setData(256, m.key_id)  # Qt.UserRole
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.found_button.setEnabled(team is None)
        self.add_button.setEnabled(admin)
        self.revoke_button.setEnabled(admin)
        apply_role(self.window_)

    def _do(self, job: Any) -> bool:
        try:
            job()
        except CaseAppError as exc:
            error_dialog.show_error(self, exc)
            return False
        self.refresh()
        return True

    def found(self) -> bool:
        name, ok = QInputDialog.getText(self, "Found team", "Team name:")
        return ok and self._do(lambda: self.ws.team.init(name.strip() or None))

    def add(self, path: str | None = None, role: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Member's public key", "",
                                                  "Public key (*.pub)")
        if not path:
            return False
        if role is None:
            from caseapp.sync.team import ROLES

            role, ok = QInputDialog.getItem(self, "Role", "Role of this member:", list(ROLES),
                                            0, False)
            if not ok:
                return False
        chosen = str(role)
        return self._do(lambda: self.ws.team.add(Path(str(path)), chosen))

    def revoke(self) -> bool:
        item = self.table.item(self.table.currentRow(), 0)
        if item is None:
            return False
        key_id, name = str(item.data(256)), item.text()
        answer = QMessageBox.question(self, "Revoke key",
                                      f"Revoke {name}'s key {_fingerprint(key_id)} from "
                                      "now? Their changes made from now on will be refused.")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._do(lambda: self.ws.team.revoke(key_id))


def show_team(window: MainWindow) -> None:
    TeamDialog(window).exec()
