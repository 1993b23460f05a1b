"""One way to act (views/operations.py): writes and their undo run on the writer thread; a
failure shows the error dialog and changes nothing; what an operation reports it changed is
reloaded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from caseapp.services.records import ListQuery
from caseapp.views.operations import Changes, Operation
from tests.views.test_main_window import idle, new_seizure, save, seizure_rows


def record_threads(monkeypatch: pytest.MonkeyPatch, service: Any, name: str,
                   fail: BaseException | None = None) -> list[int]:
    """Wrap `service.name` to note the thread it runs on (and raise `fail` instead)."""
    threads: list[int] = []
    real = getattr(service, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        if fail is not None:
            raise fail
        return real(*args, **kwargs)

    monkeypatch.setattr(service, name, wrapped)
    return threads


def test_saving_an_editor_writes_off_the_ui_thread(window: Any, qtbot: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    threads = record_threads(monkeypatch, window.ws.seizures, "add")
    dialog = new_seizure(window, qtbot)
    save(dialog, qtbot)
    assert dialog.saved is not None
    assert threads and threading.get_ident() not in threads
    assert "EX-NEW-1" in seizure_rows(window)  # refreshed from what the operation reported


def test_undo_and_redo_write_off_the_ui_thread(window: Any, qtbot: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    record = window.tabs_by_kind["seizure"].model.record_at(0)
    deletes = record_threads(monkeypatch, window.ws.seizures, "delete")
    restores = record_threads(monkeypatch, window.ws.seizures, "restore")
    window.delete_record(record)
    idle(window, qtbot)
    window.act_undo.trigger()
    idle(window, qtbot)
    assert not window.ws.seizures.get(record.uid).deleted
    window.act_redo.trigger()
    idle(window, qtbot)
    assert window.ws.seizures.get(record.uid).deleted
    ui = threading.get_ident()
    assert len(deletes) == 2 and len(restores) == 1
    assert ui not in deletes + restores
    assert len(set(deletes + restores)) == 1  # one writer thread, shared by every write


def test_a_failed_operation_shows_the_error_and_changes_nothing(
        window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch,
        no_dialogs: list[BaseException]) -> None:
    record = window.tabs_by_kind["seizure"].model.record_at(0)
    rows = seizure_rows(window)
    record_threads(monkeypatch, window.ws.seizures, "delete", RuntimeError("disk on fire"))
    window.delete_record(record)
    idle(window, qtbot)
    assert [str(e) for e in no_dialogs] == ["disk on fire"]
    assert not window.ws.seizures.get(record.uid).deleted
    assert window.undo_stack.count() == 0 and seizure_rows(window) == rows


def test_a_failed_undo_shows_the_error_and_keeps_the_step(
        window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch,
        no_dialogs: list[BaseException]) -> None:
    record = window.tabs_by_kind["seizure"].model.record_at(0)
    window.delete_record(record)
    idle(window, qtbot)
    record_threads(monkeypatch, window.ws.seizures, "restore", RuntimeError("locked"))
    window.act_undo.trigger()
    idle(window, qtbot)
    assert [str(e) for e in no_dialogs] == ["locked"]
    assert window.ws.seizures.get(record.uid).deleted
    # The undo did not happen: it is still there to undo, and nothing to redo.
    assert window.undo_stack.index() == 1 and window.undo_stack.count() == 1
    assert window.act_undo.text() == f"Undo Delete seizure {record.exhibit_ref}"


def test_a_rule_the_service_checks_stays_in_the_editor(window: Any, qtbot: Any,
                                                       no_dialogs: list[BaseException]) -> None:
    existing = window.tabs_by_kind["seizure"].model.record_at(0).exhibit_ref
    dialog = new_seizure(window, qtbot, exhibit_ref=existing)
    save(dialog, qtbot)
    assert dialog.isVisible() and dialog.saved is None and no_dialogs == []
    assert dialog.buttons.isEnabled() and window.undo_stack.count() == 0


def test_views_reload_from_what_an_operation_reports(window: Any, qtbot: Any) -> None:
    """A renamed company reloads the tables that name it (shipments), not only its own."""
    shipments = window.tabs_by_kind["shipment"].model
    shipper = next(r.shipper for r in (shipments.record_at(i) for i in range(
        shipments.rowCount())) if r.shipper)
    companies = window.ws.companies
    done: list[Any] = []
    window.run(Operation("Rename", lambda _p, _c: companies.edit(shipper, {"name": "Renamed Co"}),
                         Changes.of("company", None), on_success=done.append))
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    cells = {shipments.data(shipments.index(r, c)) for r in range(shipments.rowCount())
             for c in range(shipments.columnCount())}
    assert "Renamed Co" in cells


def test_a_finished_operation_refreshes_only_the_changed_case(
        window: Any, qtbot: Any, no_dialogs: list[BaseException]) -> None:
    """A change in another case leaves the shown case's tables alone."""
    other = next(window.case_model.record_at(r) for r in range(window.case_model.rowCount())
                 if window.case_model.record_at(r).uid != window.case_uid)
    seizures = window.ws.seizures
    tab = window.tabs_by_kind["seizure"]
    before = seizure_rows(window)
    resets: list[int] = []
    tab.model.modelReset.connect(lambda: resets.append(1))
    raw = {"exhibit_ref": "EX-OTHER", "seized_on": "2026-01-02", "substance": "NPP",
           "net_quantity": "1", "unit": "kg"}
    window.run(Operation("Add", lambda _p, _c: seizures.add(raw, case=other.uid),
                         Changes.of("seizure", other.uid)))
    idle(window, qtbot)
    assert no_dialogs == []
    assert resets == [] and seizure_rows(window) == before
    assert seizures.count(ListQuery(case_uid=other.uid, text="EX-OTHER")) == 1


def test_each_window_hears_its_own_operations(window: Any, qtbot: Any, demo_ws: Any) -> None:
    """Change listeners belong to a window: a second window does not take over the first's
    undo refresh (they were class-level once: the last window built heard every undo)."""
    from tests.views.conftest import open_window

    second = open_window(qtbot, demo_ws, window.db_path)
    record = window.tabs_by_kind["seizure"].model.record_at(0)
    window.delete_record(record)
    idle(window, qtbot)
    assert record.exhibit_ref not in seizure_rows(window)
    window.act_undo.trigger()
    idle(window, qtbot)
    assert record.exhibit_ref in seizure_rows(window)
    assert second.undo_stack.count() == 0 and window.undo_stack.count() == 1


def test_keeping_a_conflict_value_runs_on_the_writer_thread(window: Any, qtbot: Any,
                                                            tmp_path: Any) -> None:
    """Case > Conflicts: "Keep this value" writes through the window's runner, off the UI
    thread, and the dialog shows the conflict gone."""
    from caseapp.services.conflicts import ConflictService
    from caseapp.views.conflicts_dialog import ConflictsDialog
    from tests.sync.helpers import title_conflict

    a, ref = window.ws, window.current_case_ref()
    assert title_conflict(a, ref, tmp_path) == 1
    threads: list[Any] = []
    dialog = ConflictsDialog(a, ref, window.run, window)
    qtbot.addWidget(dialog)
    real = dialog.service.resolve

    def resolve(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    dialog.service.resolve = resolve  # type: ignore[method-assign]
    assert dialog.list.count() == 1
    dialog.values.selectRow(0)
    dialog.keep.click()
    qtbot.waitUntil(lambda: not window.runner.busy and dialog.list.count() == 0, timeout=10000)
    assert threads and threads[0] is not threading.main_thread()
    assert ConflictService(a).list_open(ref) == []
