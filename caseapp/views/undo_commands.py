"""Undoable window actions: each command holds records and calls services.

The first save happens in the editor (so a validation error can keep the dialog open); the
command is then pushed with done=True and its first redo() does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from caseapp.domain.records import Record
from caseapp.services.paging import NAME_FIELDS
from caseapp.services.workspace import Workspace

# Called after every undo/redo with (kind, uid) so the window can refresh; errors go to the
# window's error dialog (a command cannot raise through Qt).
Listener = Callable[[str, str], None]
ErrorSink = Callable[[BaseException], None]


def label_of(record: Record) -> str:
    key = NAME_FIELDS.get(record.KIND)
    name = str(getattr(record, key)) if key else record.uid[:8]
    return f"{record.KIND} {name}"


class RecordCommand(QUndoCommand):
    """Base: runs service calls, reports changes and errors to the window."""

    listener: Listener | None = None
    on_error: ErrorSink | None = None

    def __init__(self, ws: Workspace, kind: str, uid: str, text: str, done: bool) -> None:
        super().__init__(text)
        self.ws, self.kind, self.uid = ws, kind, uid
        self._skip_redo = done

    def _run(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - shown in the error dialog, not raised into Qt
            if RecordCommand.on_error is not None:
                RecordCommand.on_error(exc)
            return
        if RecordCommand.listener is not None:
            RecordCommand.listener(self.kind, self.uid)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._run(self.do)

    def undo(self) -> None:
        self._run(self.revert)

    def do(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class AddRecordCommand(RecordCommand):
    """Undo soft-deletes the new record; redo restores it."""

    def __init__(self, ws: Workspace, kind: str, record: Record, *, done: bool = True) -> None:
        super().__init__(ws, kind, record.uid, f"Add {label_of(record)}", done)

    def do(self) -> None:
        self.ws.service(self.kind).restore(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).delete(self.uid)


class EditRecordCommand(RecordCommand):
    """Holds the changed fields before and after; undo writes the old values back."""

    def __init__(self, ws: Workspace, before: Record, after: Record, *, done: bool = True):
        fields = [n for n, v in after.values().items()
                  if n != "deleted_at" and before.values().get(n) != v]
        self.before = {n: getattr(before, n) for n in fields}
        self.after = {n: getattr(after, n) for n in fields}
        super().__init__(ws, after.KIND, after.uid, f"Edit {label_of(after)}", done)

    def do(self) -> None:
        self.ws.service(self.kind).edit(self.uid, self.after)

    def revert(self) -> None:
        self.ws.service(self.kind).edit(self.uid, self.before)


class DeleteRecordCommand(RecordCommand):
    """Soft delete; undo restores."""

    def __init__(self, ws: Workspace, record: Record, *, done: bool = False) -> None:
        super().__init__(ws, record.KIND, record.uid, f"Delete {label_of(record)}", done)

    def do(self) -> None:
        self.ws.service(self.kind).delete(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).restore(self.uid)


class RestoreRecordCommand(RecordCommand):
    """Undo a soft delete from the table (Show deleted); undo deletes again."""

    def __init__(self, ws: Workspace, record: Record, *, done: bool = False) -> None:
        super().__init__(ws, record.KIND, record.uid, f"Restore {label_of(record)}", done)

    def do(self) -> None:
        self.ws.service(self.kind).restore(self.uid)

    def revert(self) -> None:
        self.ws.service(self.kind).delete(self.uid)
