"""Undoable window actions: each command holds records and knows the service calls that redo
and undo it.

A command is pushed after its operation wrote the change (operations.OperationRunner), so its
first redo() does nothing; later undo() and redo() hand the write to the window's runner, which
runs it on the writer thread and refreshes what the change touched.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from caseapp.domain import kinds
from caseapp.domain.records import Record
from caseapp.services.workspace import Workspace
from caseapp.views.operations import Changes


class StepRunner(Protocol):
    """Runs a command's undo or redo off the UI thread (operations.OperationRunner)."""

    def step(self, command: RecordCommand, forward: bool) -> None: ...


def label_of(record: Record) -> str:
    key = kinds.NAME_FIELDS.get(record.KIND)
    name = str(getattr(record, key)) if key else record.uid[:8]
    return f"{record.KIND} {name}"


def changes_of(record: Record) -> Changes:
    """The kind and case a change of `record` touches (a shared record: no one case)."""
    if record.KIND == "case":
        return Changes.of("case", record.uid)
    if kinds.spec_of(record.KIND).case_scoped:
        return Changes.of(record.KIND, getattr(record, "case_uid", None))
    return Changes.of(record.KIND, None)


class RecordCommand(QUndoCommand):
    """Base: undo()/redo() ask the runner to write; `quiet` makes them only move the index
    (the runner's fix-up after a failed step)."""

    def __init__(self, runner: StepRunner, ws: Workspace, record: Record, text: str) -> None:
        super().__init__(text)
        self.runner, self.ws, self.kind, self.uid = runner, ws, record.KIND, record.uid
        self.changes = changes_of(record)
        self.quiet = False
        self._first = True

    def redo(self) -> None:
        if self._first:  # pushed after the operation wrote the change
            self._first = False
            return
        if not self.quiet:
            self.runner.step(self, True)

    def undo(self) -> None:
        if not self.quiet:
            self.runner.step(self, False)

    def do(self) -> None:
        """The service call of redo (runs on the writer thread)."""
        raise NotImplementedError

    def revert(self) -> None:
        """The service call of undo (runs on the writer thread)."""
        raise NotImplementedError


class AddRecordCommand(RecordCommand):
    """Undo soft-deletes the new record; redo restores it."""

    def __init__(self, runner: StepRunner, ws: Workspace, record: Record) -> None:
        super().__init__(runner, ws, record, f"Add {label_of(record)}")

    def do(self) -> None:
        self.ws.service(self.kind).restore(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).delete(self.uid)


class EditRecordCommand(RecordCommand):
    """Holds the changed fields before and after; undo writes the old values back."""

    def __init__(self, runner: StepRunner, ws: Workspace, before: Record, after: Record) -> None:
        fields = [n for n, v in after.values().items()
                  if n != "deleted_at" and before.values().get(n) != v]
        self.before = {n: getattr(before, n) for n in fields}
        self.after = {n: getattr(after, n) for n in fields}
        super().__init__(runner, ws, after, f"Edit {label_of(after)}")

    def do(self) -> None:
        self.ws.service(self.kind).edit(self.uid, self.after)

    def revert(self) -> None:
        self.ws.service(self.kind).edit(self.uid, self.before)


class DeleteRecordCommand(RecordCommand):
    """Soft delete; undo restores."""

    def __init__(self, runner: StepRunner, ws: Workspace, record: Record) -> None:
        super().__init__(runner, ws, record, f"Delete {label_of(record)}")

    def do(self) -> None:
        self.ws.service(self.kind).delete(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).restore(self.uid)


class RestoreRecordCommand(RecordCommand):
    """Undo a soft delete from the table (Show deleted); undo deletes again."""

    def __init__(self, runner: StepRunner, ws: Workspace, record: Record) -> None:
        super().__init__(runner, ws, record, f"Restore {label_of(record)}")

    def do(self) -> None:
        self.ws.service(self.kind).restore(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).delete(self.uid)
