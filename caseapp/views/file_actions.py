"""File and Help menu actions: databases, CSV import, bundles, report, conflicts, about.

Every action that writes (opening a database, imports, exports and reports, which add audit
entries) runs as a long operation (views/operations.py): on the writer thread, with a progress
dialog and Cancel, the error dialog on failure, and a refresh of what it changed.
Bundle, report and conflict services arrived with other features; each handler imports its
service when used and says so if this build lacks it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
)

from caseapp import __version__
from caseapp.domain import kinds
from caseapp.domain.words import plural, singular
from caseapp.paths import docs_dir, documents_dir, safe_file_name
from caseapp.progress import CancelToken
from caseapp.views.operations import EVERYTHING, Changes, Operation
from caseapp.views.workers import BackgroundTask

if TYPE_CHECKING:
    from caseapp.views.main_window import MainWindow

# The CSV templates, in the order of the case's tabs (seizures first).
CSV_KINDS = tuple(sorted(kinds.CSV_TEMPLATES,
                         key=lambda name: kinds.CSV_TEMPLATES[name].tab or (99, name)))


def run_task(window: MainWindow, title: str, job: Callable[..., Any],
             done: Callable[[Any], None], changes: Changes | None = None) -> BackgroundTask:
    """Run a long writing job as an operation: writer thread, progress dialog with Cancel,
    the error dialog, then the refresh of `changes` and `done(result)`."""
    return window.run(Operation(title, job, changes or Changes(), long=True, on_success=done))


def new_database(window: MainWindow) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "New database", "cases.db",
                                          "caseapp database (*.db)")
    if path:
        _switch(window, Path(path))


def open_database(window: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open database", str(window.db_path.parent),
                                          "caseapp database (*.db);;All files (*)")
    if path:
        _switch(window, Path(path))


def _switch(window: MainWindow, path: Path) -> BackgroundTask | None:
    """Open (create, or upgrade after a backup) `path` on the writer thread, then show it in
    a new window in place of this one."""
    from caseapp.services.workspace import Workspace
    from caseapp.views.lock import ask_to_open

    answer = ask_to_open(path, window)  # its passphrase, or a new one (views/lock.py)
    if answer is None:
        return None
    passphrase, plain = answer

    def done(ws: Workspace) -> None:
        new = type(window)(ws, path)  # a window like this one (no import of main_window here)
        new.show()
        window.close()

    return run_task(window, f"Opening {path.name}",
                    lambda _p, _c: Workspace.open(path, passphrase=passphrase, plain=plain),
                    done)


def import_csv(window: MainWindow, path: Path | None = None, kind: str | None = None
               ) -> BackgroundTask | None:
    """Import a template CSV into the current case in the background (all or nothing)."""
    from caseapp.services.importing import CsvImporter

    case, case_uid = window.current_case_ref(), window.case_uid
    if case is None:
        window.statusBar().showMessage("Select the case to import into first.", 5000)
        return None
    if kind is None:
        kind, ok = QInputDialog.getItem(window, "Import CSV", "The file holds:", CSV_KINDS, 0,
                                        False)
        if not ok:
            return None
    if path is None:
        name, _ = QFileDialog.getOpenFileName(window, f"Import {kind}", "", "CSV (*.csv)")
        if not name:
            return None
        path = Path(name)
    importer = CsvImporter(window.ws)

    def job(progress: Any, cancel: CancelToken) -> Any:
        return importer.import_file(kind, path, case, progress=progress, cancel=cancel)

    def done(result: Any) -> None:
        window.statusBar().showMessage(
            f"Imported {plural(result.created, singular(kind))} from {path.name} "
            f"({plural(result.duplicates, 'duplicate')} skipped"
            + (f"; {len(result.matched)} rows matched to stored records, which join the case "
               "unchanged" if result.matched else "")
            + f"; numbers read with a decimal {result.decimal_mark}, "
            + ("detected from the file" if result.decimal_mark_from == "detected"
               else "as set") + ").", 10000)

    template = kinds.CSV_TEMPLATES.get(kind)
    changed = Changes(frozenset({template.kind}), case_uid) if template else EVERYTHING
    return run_task(window, f"Importing {path.name}", job, done, changed)


def export_bundle(window: MainWindow) -> BackgroundTask | None:
    from caseapp.services.bundles import BundleService

    case = window.current_case_ref()
    if case is None:
        window.statusBar().showMessage("Select the case to export first.", 5000)
        return None
    name, _ = QFileDialog.getSaveFileName(window, "Export bundle", proposed(
        f"{safe_file_name(case)}.casebundle"), "Case bundle (*.casebundle)")
    if not name:
        return None
    service = BundleService(window.ws)
    return run_task(window, f"Exporting {case}",
                    lambda progress, cancel: service.export_case(case, name, progress=progress,
                                                                 cancel=cancel),
                    lambda _r: window.statusBar().showMessage(f"Exported {case} to {name}.",
                                                              10000),
                    Changes(case_uid=window.case_uid))  # its audit entry: the History tab


def export_table(window: MainWindow, table: str, query: Any = None,
                 path: Path | None = None) -> BackgroundTask | None:
    """Write a table as the window shows it (filter, sort, deleted rows) to xlsx or CSV;
    `table` is a record kind, "case" (the case list) or "history"."""
    from caseapp.services.table_export import TableExportService, export_format

    case = None if table == "case" else window.current_case_ref()
    if case is None and table != "case":
        window.statusBar().showMessage("Select a case first.", 5000)
        return None
    if path is None:
        stem = f"{case}-{table}" if case else "cases"
        name, _ = QFileDialog.getSaveFileName(window, "Export table", f"{stem}.xlsx",
                                              "Excel workbook (*.xlsx);;CSV (*.csv)")
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_name(path.name + ".xlsx")
    export_format(path)
    service = TableExportService(window.ws)
    return run_task(window, f"Exporting to {path.name}",
                    lambda progress, cancel: service.export(table, path, case=case, query=query,
                                                            progress=progress, cancel=cancel),
                    lambda r: window.statusBar().showMessage(
                        f"Wrote {r.what} to {r.path}.", 10000),
                    Changes(case_uid=window.case_uid))  # its audit entry: the History tab


def export_interchange(window: MainWindow, fmt: str, path: Path | None = None
                       ) -> BackgroundTask | None:
    """Export the current case as STIX 2.1 (`fmt` "stix") or FollowTheMoney ("ftm")."""
    from caseapp.services.ftm_export import FtmExportService
    from caseapp.services.stix_export import StixExportService

    case = window.current_case_ref()
    if case is None:
        window.statusBar().showMessage("Select a case first.", 5000)
        return None
    title, suffix, kind = (("Export STIX 2.1", ".json", "STIX bundle (*.json)") if fmt == "stix"
                           else ("Export FollowTheMoney", ".ftm.json",
                                 "FollowTheMoney entities (*.json)"))
    if path is None:
        name, _ = QFileDialog.getSaveFileName(window, title, f"{case}{suffix}", kind)
        if not name:
            return None
        path = Path(name)
    service = (StixExportService if fmt == "stix" else FtmExportService)(window.ws)
    return run_task(window, f"Exporting {case}",
                    lambda progress, cancel: service.export(case, path, progress=progress,
                                                            cancel=cancel),
                    lambda r: window.statusBar().showMessage(f"Wrote {r.what} to {r.path}.",
                                                             10000),
                    Changes(case_uid=window.case_uid))  # its audit entry: the History tab


def import_ftm(window: MainWindow, path: Path | None = None) -> BackgroundTask | None:
    """Import the companies and persons of a FollowTheMoney file into the current case."""
    from caseapp.services.ftm_import import FtmImporter

    case = window.current_case_ref()
    if case is None:
        window.statusBar().showMessage("Select the case to import into first.", 5000)
        return None
    if path is None:
        name, _ = QFileDialog.getOpenFileName(window, "Import FollowTheMoney", "",
                                              "FollowTheMoney entities (*.json);;All files (*)")
        if not name:
            return None
        path = Path(name)
    importer = FtmImporter(window.ws)

    def done(r: Any) -> None:
        window.statusBar().showMessage(
            f"Imported {r.companies_created} companies and {r.persons_created} persons from "
            f"{path.name} ({r.duplicates} already present).", 10000)

    return run_task(window, f"Importing {path.name}",
                    lambda progress, cancel: importer.import_file(path, case, progress=progress,
                                                                  cancel=cancel), done,
                    Changes(frozenset({"company", "person"}), window.case_uid))


def import_bundle(window: MainWindow) -> BackgroundTask | None:
    from caseapp.services.bundles import BundleService

    name, _ = QFileDialog.getOpenFileName(window, "Import bundle", "",
                                          "Case bundle (*.casebundle);;All files (*)")
    if not name:
        return None
    service = BundleService(window.ws)

    def done(summary: Any) -> None:
        QMessageBox.information(window, "Bundle imported", "\n".join(summary.lines()))

    return run_task(window, "Importing bundle",
                    lambda progress, cancel: service.import_bundle(name, progress=progress,
                                                                   cancel=cancel), done,
                    EVERYTHING)


def proposed(file_name: str) -> str:
    """Where a save dialog starts: `file_name` (made safe: `JPITF/2026/0042` is one name,
    not folders) in the user's documents folder, not the working directory."""
    return str(documents_dir() / file_name)


def print_report(window: MainWindow) -> BackgroundTask | None:
    from caseapp.services.reporting import ReportService

    case = window.current_case_ref()
    if case is None:
        window.statusBar().showMessage("Select the case to print first.", 5000)
        return None
    name, _ = QFileDialog.getSaveFileName(window, "Print report", proposed(
        f"{safe_file_name(case)}-summary.pdf"), "PDF (*.pdf)")
    if not name:
        return None
    service = ReportService(window.ws)

    def job(progress: Any, cancel: CancelToken) -> Path | None:
        service.render(case, name, prepared_by=window.ws.identity.actor, progress=progress,
                       cancel=cancel)
        progress(1, 1, "rendering the preview")
        return first_page_png(Path(name))

    return run_task(window, f"Printing the report of {case}", job,
                    lambda png: preview_pdf(window, Path(name), png),
                    Changes(case_uid=window.case_uid))  # its audit entry: the History tab


def first_page_png(pdf: Path) -> Path | None:
    """Page 1 of a PDF as a PNG (pdftoppm; runs on the worker), None without the tool."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    out = Path(tempfile.mkdtemp(prefix="caseapp-preview-")) / "page"
    done = subprocess.run([tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                           str(pdf), str(out)], check=False, timeout=120)
    png = out.with_suffix(".png")
    return png if done.returncode == 0 and png.exists() else None


def preview_pdf(window: MainWindow, pdf: Path, png: Path | None) -> None:
    """Show page 1 (rendered by the worker), else open the PDF with the desktop's viewer."""
    if png is None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(pdf)))
        return
    dialog = QDialog(window)
    dialog.setWindowTitle(f"Report \u2014 {pdf.name} (page 1)")
    label = QLabel(dialog)
    label.setPixmap(QPixmap(str(png)))
    scroll = QScrollArea(dialog)
    scroll.setWidget(label)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(f"Saved to {pdf}", dialog))
    layout.addWidget(scroll)
    dialog.resize(760, 900)
    dialog.show()


def show_conflicts(window: MainWindow) -> None:
    from caseapp.views.conflicts_dialog import ConflictsDialog

    ConflictsDialog(window.ws, window.current_case_ref(), window.run, window).exec()


def show_connections(window: MainWindow) -> None:
    from caseapp.views.connections_dialog import ConnectionsDialog

    ConnectionsDialog(window.ws, window.current_case_ref(), window.run, window).exec()


def open_user_guide(window: MainWindow) -> QDialog:
    """Help > User guide, rendered inside the app (no desktop Markdown viewer needed)."""
    from caseapp.views.user_guide import UserGuideDialog

    dialog = getattr(window, "_user_guide", None)
    if dialog is None:
        dialog = UserGuideDialog(docs_dir(), window)
        window._user_guide = dialog  # type: ignore[attr-defined]
    dialog.show()
    dialog.raise_()
    return dialog


def about(window: MainWindow) -> None:
    QMessageBox.about(window, "About caseapp",
                      f"caseapp {__version__}\nCase management for fentanyl-precursor "
                      f"trafficking investigations.\nDatabase: {window.db_path}")
