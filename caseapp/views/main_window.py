"""The main window: case list on the left, the selected case's workspace tabs on the right,
menus, toolbar, status bar and the undo stack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseapp.domain import kinds
from caseapp.domain import types as t
from caseapp.domain.records import Record, SeizureRecord
from caseapp.services.preferences import load_preferences, save_preferences
from caseapp.views import file_actions, settings, team_actions
from caseapp.views.operations import Changes, Operation, OperationRunner
from caseapp.views.workers import BackgroundTask

# The window paints its frame before the database is opened (`MainWindow(None, path)`, then
# `attach`): what reads the database (services, the table models, the tabs, editors, undo
# commands; SQLAlchemy with them) is imported where it is used, never when this module loads.
if TYPE_CHECKING:
    from caseapp.services.case_list import CaseListReader
    from caseapp.services.workspace import Workspace
    from caseapp.views.editors.record_editor import RecordEditorDialog, Save
    from caseapp.views.lock import AutoLock
    from caseapp.views.record_tab import RecordTabWidget
    from caseapp.views.undo_commands import EditRecordCommand

TABS = kinds.TABS
NO_CASE = ("Select or create a case first (Case > New case, "
           f"{kinds.spec_of('case').new_shortcut}).")


class _FirstPaint(QObject):
    """Calls `then` once, from the event loop, after the first paint of `window`'s widgets."""

    def __init__(self, window: QMainWindow, then: Any) -> None:
        super().__init__(window)
        self.target, self.then = window, then
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if (event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                and obj.window() is self.target):
            QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
            QTimer.singleShot(0, self.then)  # after this paint has been handled
        return False


def after_first_paint(window: QMainWindow, then: Any) -> QObject:
    """Call `then` from the event loop once `window` has been painted (keep the result)."""
    return _FirstPaint(window, then)


class MainWindow(QMainWindow):
    """One open database."""

    def __init__(self, ws: Workspace | None, db_path: Path, parent: QWidget | None = None, *,
                 fill_after_paint: bool = False) -> None:
        """The window on the open workspace `ws`; with `ws` None only its frame (title, size,
        "Opening…"), which the application shows while it opens the database and then
        `attach`es it (docs/performance.md). `fill_after_paint`: the case list and the tabs
        are read right after the window's next paint, otherwise at once."""
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.attached = False
        self.built = False  # the tables, tabs and menus (by `preview` or `attach`)
        self.filled = False  # the case list read (at once, or right after a paint)
        self.auto_lock: AutoLock | None = None  # once attached to an encrypted database
        if ws is None:
            self.setWindowTitle(f"caseapp \u2014 {self.db_path.name}")
            opening = QLabel(f"Opening {self.db_path}\u2026", self)
            opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setCentralWidget(opening)
            self.resize(1400, 860)
            geometry = settings.saved_bytes("window/geometry")
            if geometry is not None:
                self.restoreGeometry(geometry)
            return
        self.attach(ws, fill_after_paint=fill_after_paint)

    def preview(self, reader: CaseListReader) -> None:
        """The whole window before its workspace is open: tables, tabs, menus and toolbar
        built, the case list read through `reader` (the SQLite driver: no SQLAlchemy yet) and
        its first case selected; the Overview says it is computing. `attach` then binds the
        workspace and fills the case's tabs (docs/performance.md)."""
        self._build(reader)
        self._fill()

    def attach(self, ws: Workspace, *, fill_after_paint: bool = False) -> None:
        """Build the window on `ws` (tables, tabs, menus, toolbar), then read the case list;
        after `preview`, read through `ws` from now on and fill the selected case's tabs."""
        from caseapp.services.history import HistoryService
        from caseapp.services.overview import OverviewService
        from caseapp.services.paging import PagingService

        self.ws = ws
        self.paging = PagingService(ws)
        previewed = self.built
        if not previewed:
            self._build(self.paging)
        for tab in self.tabs_by_kind.values():
            tab.model.paging = self.paging
        self.overview.service = OverviewService(ws)
        self.history_model.history = HistoryService(ws)
        self.attached = True
        team_actions.apply_role(self)
        # An encrypted database locks itself after an idle time; the File menu offers what
        # fits the database (views/lock.py).
        from caseapp.views import lock

        lock.refresh_security(self)
        if previewed:  # the case list again through the workspace (and any filter typed
            self.case_model.paging = self.paging  # meanwhile), its selection kept
            self._on_case_filter_changed()
            uid, self.case_uid = self.case_uid, None
            self.set_case(uid)
        elif fill_after_paint:
            self._first_paint = _FirstPaint(self, self._fill_if_shown)
        else:
            self._fill()

    def _build(self, paging: Any) -> None:
        self.built = True
        self.undo_stack = QUndoStack(self)
        self.runner = OperationRunner(self, self.undo_stack)
        self.case_uid: str | None = None
        self.write_refusal: str | None = None  # why the team list forbids writing (apply_role)
        self._pending_select: tuple[str, str] | None = None
        self.tabs_by_kind: dict[str, RecordTabWidget] = {}
        self._build_ui(paging)
        self._build_actions()
        self._connect()
        self._restore_state()

    def _fill(self) -> None:
        """Read the case list and select the first case (which fills the tabs)."""
        self.case_model.set_query(sort="ref")
        if self.case_model.rowCount():
            self.case_view.selectRow(0)
        self.filled = True

    def _fill_if_shown(self) -> None:
        if self.isVisible():  # not closed before its first paint was handled
            self._fill()

    def change_passphrase(self) -> None:
        from caseapp.views import lock  # loaded on first use

        lock.change_passphrase(self)

    def security(self, action: str) -> None:
        """File > Encrypt / Decrypt this database…, Auto-lock… (views/lock.py)."""
        from caseapp.views import lock  # loaded on first use

        getattr(lock, action)(self)

    def show_timeline(self) -> None:
        from caseapp.views.timeline_view import show_timeline  # loaded on first use

        show_timeline(self)

    # --- building ------------------------------------------------------------------------
    def _build_ui(self, paging: Any) -> None:
        """The widgets; `paging` reads the case list (the record tabs and the overview read
        nothing before `attach`)."""
        from caseapp.views.models.history_model import HistoryTableModel
        from caseapp.views.models.record_table_model import RecordTableModel
        from caseapp.views.overview_tab import OverviewWidget
        from caseapp.views.record_tab import RecordTabWidget, configure_table

        self.setWindowTitle(f"caseapp \u2014 {self.db_path.name}")
        self.case_search = QLineEdit(self)
        self.case_search.setPlaceholderText("Search cases")
        self.case_search.setClearButtonEnabled(True)
        self.case_status = QComboBox(self)
        self.case_status.addItem("All statuses", "")
        for status in t.CASE_STATUSES:
            self.case_status.addItem(status.capitalize(), status)
        self.case_model = RecordTableModel(paging, "case", self)
        self.case_view = QTableView(self)
        configure_table(self.case_view, self.case_model, "table_case")
        left = QWidget(self)
        box = QVBoxLayout(left)
        box.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(self.case_search, 1)
        row.addWidget(self.case_status)
        box.addLayout(row)
        box.addWidget(self.case_view, 1)
        self.tabs = QTabWidget(self)
        self.overview = OverviewWidget(None, self)
        self.tabs.addTab(self.overview, "Overview")
        parties = QSplitter(Qt.Orientation.Vertical, self)
        for kind, title in TABS:
            tab = RecordTabWidget(None, kind, title, self)
            self.tabs_by_kind[kind] = tab
            if kind in ("company", "person"):
                parties.addWidget(tab)
                if kind == "person":
                    self.tabs.addTab(parties, "Companies && persons")
            else:
                self.tabs.addTab(tab, title)
        self.history_model = HistoryTableModel(None, self)
        self.history_view = QTableView(self)
        self.history_view.setModel(self.history_model)
        self.history_view.verticalHeader().hide()
        self.history_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.history_view.verticalHeader().setDefaultSectionSize(24)
        self.history_view.setWordWrap(False)
        self.history_view.horizontalHeader().setStretchLastSection(True)
        for i, width in enumerate((150, 110, 70, 200)):
            self.history_view.setColumnWidth(i, width)
        self.tabs.addTab(self.history_view, "History")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 1000])
        self.setCentralWidget(self.splitter)
        self.db_label = QLabel(f"Database: {self.db_path}", self)
        self.user_label = QLabel(self)  # team_actions.apply_role: who, role, key
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.resize(1400, 860)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None,
                tip: str = "", *, anytime: bool = False) -> QAction:
        """A menu entry; unless `anytime`, it waits for the workspace (`_once_open`)."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(
            (lambda *_: slot()) if anytime else self._once_open(lambda *_: slot()))
        menu.addAction(action)
        return action

    def _once_open(self, slot: Any) -> Any:
        """`slot`, run only once the workspace is attached: between `preview` and `attach`
        (a moment) the window shows the case list but nothing can read or write records."""
        def run(*args: Any) -> None:
            if self.attached:
                slot(*args)
            else:
                self.statusBar().showMessage(f"Opening {self.db_path.name}… try again "
                                             "in a moment.", 3000)
        return run

    def _build_actions(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self.act_new_db = self._action(f, "&New database\u2026", lambda: file_actions.new_database(self))
        self._action(f, "&Open database\u2026", lambda: file_actions.open_database(self),
                     QKeySequence.StandardKey.Open)
        f.addSeparator()
        self.act_import_csv = self._action(f, "&Import CSV\u2026",
                                           lambda: file_actions.import_csv(self), "Ctrl+I")
        self._action(f, "&Export bundle\u2026", lambda: file_actions.export_bundle(self), "Ctrl+E")
        self._action(f, "Import &bundle\u2026", lambda: file_actions.import_bundle(self))
        self._action(f, "Export &table\u2026", self.export_current_table, tip=(
            "Write the table in view (the case list when it has the focus) to xlsx or CSV"))
        self._action(f, "Export &STIX\u2026",
                     lambda: file_actions.export_interchange(self, "stix"))
        self._action(f, "Export &FollowTheMoney\u2026",
                     lambda: file_actions.export_interchange(self, "ftm"))
        self._action(f, "Import Follow&TheMoney\u2026", lambda: file_actions.import_ftm(self))
        self._action(f, "&Print report\u2026", lambda: file_actions.print_report(self),
                     QKeySequence.StandardKey.Print)
        self._action(f, "&Team\u2026", lambda: team_actions.show_team(self))
        f.addSeparator()
        self.act_change_passphrase = self._action(
            f, "C&hange passphrase\u2026", self.change_passphrase,
            tip="Re-encrypt this database (and your signing key) under a new passphrase")
        self.act_encrypt = self._action(
            f, "Encr&ypt this database\u2026", lambda: self.security("encrypt_database"),
            tip="Encrypt this plain database under a passphrase")
        self.act_decrypt = self._action(
            f, "&Decrypt this database\u2026", lambda: self.security("decrypt_database"),
            tip="Store this database in the clear (an encrypted backup is kept)")
        self._action(f, "&Auto-lock\u2026", lambda: self.security("set_auto_lock"),
                     tip="How long an encrypted database stays open without input")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit, anytime=True)
        e = bar.addMenu("&Edit")
        self.act_undo = self.undo_stack.createUndoAction(self, "Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, "Redo")
        # Ctrl+Y (user guide) besides the platform's own redo key (Ctrl+Shift+Z on Linux).
        # Listed once: a key bound twice in one window is ambiguous and does nothing.
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        ctrl_y = QKeySequence("Ctrl+Y")
        self.act_redo.setShortcuts(redo_keys if ctrl_y in redo_keys else [*redo_keys, ctrl_y])
        e.addAction(self.act_undo)
        e.addAction(self.act_redo)
        e.addSeparator()
        self.act_find = self._action(e, "&Find", self.focus_filter, QKeySequence.StandardKey.Find)
        self.act_edit = self._action(e, "&Edit record\u2026", self.edit_current, "Ctrl+Return")
        self.act_delete = self._action(e, "&Delete record", self.delete_current,
                                       QKeySequence.StandardKey.Delete)
        self.act_restore = self._action(e, "Re&store record", self.restore_current,
                                        "Ctrl+Shift+R",
                                        "Restore the selected deleted record (Show deleted)")
        e.addSeparator()
        self.act_decimal_comma = self._action(
            e, "Decimal &comma in numbers", self.toggle_decimal_comma,
            tip="Type 1,5 for one and a half (and 1.500 for fifteen hundred); off: 1.5 and 1,500",
            anytime=True)
        self.act_decimal_comma.setCheckable(True)
        self.act_decimal_comma.setChecked(load_preferences().decimal_mark == "comma")
        v = bar.addMenu("&View")
        for i in range(self.tabs.count()):
            self._action(v, self.tabs.tabText(i),  # "&&" shows as "&" in menus too
                         lambda i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}", anytime=True)
        v.addSeparator()
        self._action(v, "&Refresh", self.refresh_all, QKeySequence.StandardKey.Refresh)
        c = bar.addMenu("&Case")
        self.act_new_case = self._action(c, "New &case\u2026", lambda: self.new_record("case"),
                                         kinds.spec_of("case").new_shortcut)
        self.act_edit_case = self._action(c, "Edit c&ase\u2026", self.edit_case)
        c.addSeparator()
        self.act_new = {}
        for kind, _title in kinds.TABS:  # in the order of the tabs
            spec = kinds.spec_of(kind)
            if spec.editor:
                self.act_new[kind] = self._action(
                    c, f"New {spec.label}\u2026", lambda _c=False, k=kind: self.new_record(k),
                    spec.new_shortcut)
        self.act_new_substance = self._action(
            c, "New s&ubstance\u2026", lambda: self.new_record("substance"),
            tip="Add a substance to the catalogue (name, CAS number, kind, formula)")
        c.addSeparator()
        self.act_exhibit = self._action(c, "E&xhibit: custody, lab, attachments\u2026",
                                        self.show_exhibit, "Ctrl+Shift+X",
                                        "The chain of custody of the selected seizure")
        self._action(c, "A&ttachments\u2026", self.show_attachments)
        self._action(c, "Custody &warnings\u2026", self.show_custody_warnings)
        self._action(c, "T&imeline\u2026", self.show_timeline, "Ctrl+Shift+T",
                     "The case's dated records on a time axis")
        self.act_chart = self._action(c, "&Link chart\u2026", self.show_chart, "Ctrl+Shift+G",
                                      "The case's network: records, links, shared identifiers")
        self.tabs_by_kind["seizure"].add_button(
            "Custody && lab\u2026", "Chain of custody, lab results and attachments of the "
            "selected seizure (Ctrl+Shift+X)").clicked.connect(self.show_exhibit)
        c.addSeparator()
        self._action(c, "Con&flicts\u2026", lambda: file_actions.show_conflicts(self))
        self._action(c, "Co&nnections\u2026", lambda: file_actions.show_connections(self),
                     tip="Possible duplicates and sanctions screening hits")
        r = bar.addMenu("&Report")
        self.act_approve = self._action(r, "&Approve\u2026",
                                        lambda: team_actions.approve_report(self),
                                        tip="Sign a printed report as its approving supervisor")
        self._action(r, "&Check report\u2026", lambda: team_actions.check_report(self),
                     tip="Is a report file as printed, its signatures valid, its data current?")
        h = bar.addMenu("&Help")
        self._action(h, "&User guide", lambda: file_actions.open_user_guide(self),
                     QKeySequence.StandardKey.HelpContents)
        self._action(h, "&About caseapp", lambda: file_actions.about(self))
        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        for action in (self.act_new_case, self.act_new["seizure"], self.act_new["shipment"],
                       self.act_new["company"], self.act_edit, self.act_delete):
            tb.addAction(action)
        tb.addSeparator()
        tb.addAction(self.act_undo)
        tb.addAction(self.act_redo)
        tb.addSeparator()
        tb.addAction(self.act_import_csv)

    def _connect(self) -> None:
        from caseapp.views.record_tab import add_export_menu

        self.case_view.selectionModel().currentRowChanged.connect(self._on_case_view_current)
        self.case_model.modelReset.connect(self._on_case_model_reset)
        self.case_search.textChanged.connect(self._on_case_filter_changed)
        self.case_status.currentIndexChanged.connect(self._on_case_filter_changed)
        for tab in self.tabs_by_kind.values():
            tab.sig_new.connect(self._once_open(self.new_record))
            tab.sig_edit.connect(self._once_open(self.edit_record))
            tab.sig_delete.connect(self._once_open(self.delete_record))
            tab.sig_export.connect(self._once_open(self.export_table))
        add_export_menu(self.case_view, self._once_open(lambda: self.export_table("case")))
        add_export_menu(self.history_view,
                        self._once_open(lambda: self.export_table("history")))
        self.runner.sig_changed.connect(self._on_runner_changed)

    # --- state ---------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry, state = settings.saved_bytes("window/geometry"), settings.saved_bytes(
            "window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        split = settings.saved_bytes("window/splitter")
        if split is not None:
            self.splitter.restoreState(split)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.built:  # closed while the database was opening
            super().closeEvent(event)
            return
        s = settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        if self.runner.busy:  # queued writes finish before the database may close
            self.runner.wait()
        if self.auto_lock is not None:  # a closed window never locks (nor asks to unlock)
            self.auto_lock.timer.stop()
        super().closeEvent(event)

    # --- case selection ------------------------------------------------------------------
    def _on_case_filter_changed(self, *_: object) -> None:
        if not self.attached:  # the driver's reader lists without filters; `attach` applies them
            return
        status = self.case_status.currentData() or None
        self.case_model.set_query(text=self.case_search.text().strip() or None,
                                  filters={"status": status} if status else {})

    def _on_case_model_reset(self) -> None:
        if self.case_uid is not None:
            row = self.case_model.row_of(self.case_uid)
            if row is not None:
                self.case_view.selectRow(row)
                return
        self.set_case(None)

    def _on_case_view_current(self, current: Any, _previous: Any) -> None:
        record = self.case_model.record_at(current.row()) if current.isValid() else None
        self.set_case(record.uid if record else None)

    def set_case(self, case_uid: str | None) -> None:
        if case_uid == self.case_uid and case_uid is not None:
            return
        self.case_uid = case_uid
        self.overview.set_case(case_uid)  # computed once attached
        if self.attached:  # previewed: `attach` fills the tabs
            for tab in self.tabs_by_kind.values():
                tab.set_case(case_uid)
            self.history_model.set_case(case_uid)
            self.update_case_actions()
        case = self.case_model.record_at(self.case_view.currentIndex().row())
        title = f" \u2014 {getattr(case, 'ref', '')}" if case_uid and case else ""
        self.setWindowTitle(f"caseapp \u2014 {self.db_path.name}{title}")

    def update_case_actions(self) -> None:
        """Actions on the selected case are off without one, and their tip says why."""
        needs_case = [self.act_edit_case, *(a for k, a in self.act_new.items()
                                            if k not in ("company", "person"))]
        for action in needs_case:
            if self.write_refusal is not None:  # the role forbids it, case or not
                action.setEnabled(False)
                action.setToolTip(f"Not allowed: {self.write_refusal}.")
                continue
            action.setEnabled(self.case_uid is not None)
            base = action.text().replace("&", "").rstrip("\u2026")
            action.setToolTip(base if self.case_uid is not None
                              else f"{base}: {NO_CASE}")

    def current_case_ref(self) -> str | None:
        if self.case_uid is None:
            return None
        return str(self.ws.cases.get(self.case_uid).ref)

    def refresh_all(self) -> None:
        """Reload the case list and every view of the selected case (F5)."""
        uid = self.case_uid
        self.case_uid = None
        team_actions.apply_role(self)  # a bundle may have brought a new team list
        self.case_model.refresh()
        if uid is not None:
            self.set_case(uid)
            for tab in self.tabs_by_kind.values():
                tab.model.refresh()

    # --- records -------------------------------------------------------------------------
    def current_tab(self) -> RecordTabWidget | None:
        from caseapp.views.record_tab import RecordTabWidget

        widget = self.tabs.currentWidget()
        if isinstance(widget, RecordTabWidget):
            return widget
        if isinstance(widget, QSplitter):
            for tab in (self.tabs_by_kind["company"], self.tabs_by_kind["person"]):
                if tab.view.hasFocus() or tab.filter.hasFocus():
                    return tab
            return self.tabs_by_kind["company"]
        return None

    def show_exhibit(self) -> QDialog | None:
        """The exhibit window of the seizure selected in the Seizures tab."""
        from caseapp.views.exhibit_dialog import ExhibitDialog

        record = self.tabs_by_kind["seizure"].current_record()
        case = self.current_case_ref()
        if not isinstance(record, SeizureRecord) or case is None:
            self.statusBar().showMessage("Select a seizure first.", 5000)
            return None
        dialog = ExhibitDialog(self.ws, case, record, self.run, self)
        dialog.show()
        return dialog

    def show_chart(self) -> QMainWindow | None:
        """The link chart of the selected case (views/chart_view.py)."""
        from caseapp.views.chart_view import ChartWindow

        case = self.current_case_ref()
        if case is None:
            self.statusBar().showMessage(NO_CASE, 5000)
            return None
        chart = ChartWindow(self.ws, case, self.run, self.edit_record, self)
        chart.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chart.show()
        return chart

    def custody_warning_lines(self) -> list[str]:
        """The case's custody and lab warnings, one line each (exhibit: message)."""
        if self.case_uid is None:
            return []
        return [f"{w.exhibit_ref}: {w.message}" for w in self.ws.custody.warnings(self.case_uid)]

    def show_custody_warnings(self) -> None:
        lines = self.custody_warning_lines()
        text = ("\n\n".join(lines) if lines else
                "No custody or lab warnings: every chain of custody is continuous.")
        QMessageBox.information(self, "Custody warnings", text)

    def show_attachments(self) -> QDialog | None:
        from caseapp.views.exhibit_dialog import AttachmentsDialog

        case = self.current_case_ref()
        if case is None:
            self.statusBar().showMessage("Select a case first.", 5000)
            return None
        dialog = AttachmentsDialog(self.ws, case, self.run, self)
        dialog.show()
        return dialog
    def export_table(self, table: str) -> BackgroundTask | None:
        """Export a table as shown: a record tab (its filter, sort, deleted rows), the case
        list ("case") or the History tab ("history")."""
        tab = self.tabs_by_kind.get(table)
        query = tab.model.query if tab is not None else None
        if table == "case":
            query = self.case_model.query
        return file_actions.export_table(self, table, query)

    def export_current_table(self) -> BackgroundTask | None:
        if self.case_view.hasFocus():
            return self.export_table("case")
        if self.tabs.currentWidget() is self.history_view:
            return self.export_table("history")
        tab = self.current_tab()
        return self.export_table(tab.kind if tab is not None else "case")

    def focus_filter(self) -> None:
        tab = self.current_tab()
        target = tab.filter if tab is not None else self.case_search
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        target.selectAll()

    def run(self, op: Operation[Any]) -> BackgroundTask:
        """Run a writing action through the window's operation runner (writer thread, error
        dialog, refresh of what it changed, undo push); returns its task."""
        return self.runner.run(op)

    def editor(self, kind: str, record: Record | None = None) -> RecordEditorDialog | None:
        """The editor of a new (record=None) or existing record; saving runs an operation that
        pushes an undo step."""
        from caseapp.views.editors.record_editor import EditorContext, RecordEditorDialog

        if (kind not in ("case", "substance", "company", "person")
                and self.case_uid is None):
            self.statusBar().showMessage(NO_CASE, 5000)
            return None
        # Companies/persons join the case; a substance joins the shared catalogue.
        case = self.case_uid if kind not in ("case", "substance") else None
        context = EditorContext(self.ws, self.case_uid, self.saver)
        return RecordEditorDialog(context, kind, self.saver(kind, record, case), record, self)

    def saver(self, kind: str, record: Record | None = None, case: str | None = None) -> Save:
        """The save function of an editor: add (record=None, into `case`) or edit `record`
        as an operation; the editor hears back through `saved` / `failed`."""
        from caseapp.views.editors.record_editor import Saved, SaveFailed
        from caseapp.views.undo_commands import AddRecordCommand, changes_of, label_of

        service = self.ws.service(kind)

        def save(raw: dict[str, Any], saved: Saved, failed: SaveFailed) -> None:
            if record is None:
                self.run(Operation(
                    f"Add {kind}", lambda _p, _c: service.add(raw, case=case),
                    lambda new: changes_of(new),
                    undo=lambda new: AddRecordCommand(self.runner, self.ws, new),
                    on_success=saved, on_failure=failed))
                return
            self.run(Operation(
                f"Edit {label_of(record)}", lambda _p, _c: service.edit(record.uid, raw),
                lambda changed: changes_of(changed),
                undo=lambda changed: self._edit_command(record, changed),
                on_success=saved, on_failure=failed))

        return save

    def _edit_command(self, before: Record, after: Record) -> EditRecordCommand | None:
        from caseapp.views.undo_commands import EditRecordCommand

        command = EditRecordCommand(self.runner, self.ws, before, after)
        return command if command.after else None  # nothing changed: no undo step

    def new_record(self, kind: str) -> None:
        dialog = self.editor(kind)
        if dialog is not None and dialog.exec() and dialog.saved is not None:
            if kind == "case":  # the case list keeps this case selected from now on
                self.set_case(dialog.saved.uid)
            self._pending_select = (kind, dialog.saved.uid)
            self._select(kind, dialog.saved.uid)

    def edit_record(self, record: Record) -> None:
        dialog = self.editor(record.KIND, record)
        if dialog is not None:
            dialog.exec()

    def edit_current(self) -> None:
        tab = self.current_tab()
        record = tab.current_record() if tab else None
        if record is not None:
            self.edit_record(record)

    def toggle_decimal_comma(self) -> None:
        """Save the decimal mark as the user's setting (editors and CSV imports read with it)."""
        mark = "comma" if self.act_decimal_comma.isChecked() else "point"
        save_preferences(replace(load_preferences(), decimal_mark=mark))
        self.statusBar().showMessage(f"Numbers are now read with a decimal {mark}.", 5000)

    def edit_case(self) -> None:
        if self.case_uid is not None:
            self.edit_record(self.ws.cases.get(self.case_uid))

    def delete_record(self, record: Record) -> BackgroundTask:
        """Soft-delete `record` (undoable); returns the running task."""
        from caseapp.views.undo_commands import DeleteRecordCommand, changes_of, label_of

        service = self.ws.service(record.KIND)
        return self.run(Operation(
            f"Delete {label_of(record)}", lambda _p, _c: service.delete(record.uid),
            changes_of(record),
            undo=lambda _r: DeleteRecordCommand(self.runner, self.ws, record)))

    def delete_current(self) -> None:
        tab = self.current_tab()
        record = tab.current_record() if tab else None
        if record is not None:
            self.delete_record(record)

    def restore_current(self) -> None:
        tab = self.current_tab()
        record = tab.current_record() if tab else None
        if record is None or not record.deleted:
            self.statusBar().showMessage("Tick Show deleted and select a deleted record.", 5000)
            return
        from caseapp.views.undo_commands import RestoreRecordCommand, changes_of, label_of

        service = self.ws.service(record.KIND)
        self.run(Operation(
            f"Restore {label_of(record)}", lambda _p, _c: service.restore(record.uid),
            changes_of(record),
            undo=lambda _r: RestoreRecordCommand(self.runner, self.ws, record)))

    def open_in_case(self, case_ref: str, kind: str, uid: str) -> None:
        """Show another case and select one of its records (a seen-before entry)."""
        case_uid = self.ws.cases.find(case_ref).uid
        self.case_model.set_query(text=None, filters={})
        self._select("case", case_uid)
        self.set_case(case_uid)
        tab = self.tabs_by_kind.get(kind)
        if tab is not None:
            holder = tab.parentWidget() if kind in ("company", "person") else tab
            self.tabs.setCurrentWidget(holder)
            model = tab.model
            for row in range(0, model.rowCount(), 200):  # pages load on demand: load until found
                model.record_at(row)
                if model.row_of(uid) is not None:
                    break
            tab.select_uid(uid)

    def _select(self, kind: str, uid: str) -> None:
        if kind == "case":
            row = self.case_model.row_of(uid)
            if row is not None:
                self.case_view.selectRow(row)
        elif kind in self.tabs_by_kind:
            self.tabs_by_kind[kind].select_uid(uid)

    def _on_runner_changed(self, changes: Changes) -> None:
        """An operation, undo or redo wrote `changes`: reload the views that show them (the
        case list, the tables of the changed kinds or of kinds that name them, the overview
        and history of the case shown)."""
        if changes.everything:
            self.refresh_all()
            return
        if "case" in changes.kinds:
            self.case_model.refresh()
        if self.case_uid is None or changes.case_uid not in (None, self.case_uid):
            return
        for tab in self.tabs_by_kind.values():
            if tab.model.shows_any(changes.kinds):
                tab.model.refresh()
        if changes.kinds:
            self.overview.set_case(self.case_uid)
        self.history_model.set_case(self.case_uid)
        if self._pending_select is not None:  # what was just created, once it is listed
            self._select(*self._pending_select)
            self._pending_select = None
