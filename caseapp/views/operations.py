"""One way to act in the window (after Anki's operations): every window action that writes is
an `Operation` the window's `OperationRunner` runs.

An operation describes the service call (`job`, run on the one writer thread, never on the UI
thread), what it changes (`changes`: record kinds and case, from which the window decides what
to reload), its undo step (`undo`: a command pushed on the window's QUndoStack once the write
succeeded) and whether it is long (a progress dialog with Cancel). The runner shows the one
error dialog for a failure the caller does not handle itself, and reports changes through its
`sig_changed` signal (the window listens; no class-level listeners). Undo and redo run through
the same runner (`step`), so they write on the writer thread too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from caseapp.views import error_dialog
from caseapp.views.workers import BackgroundTask, Job, writer_pool

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """What an operation changed: record kinds, in one case (None: not tied to one case, e.g.
    a shared company, so whatever case is shown may show it), or everything (a bundle)."""

    kinds: frozenset[str] = frozenset()
    case_uid: str | None = None
    everything: bool = False

    @classmethod
    def of(cls, kind: str, case_uid: str | None) -> Changes:
        return cls(frozenset({kind}), case_uid)


EVERYTHING = Changes(everything=True)


def _no_failure_handler(_exc: BaseException) -> bool:
    return False


@dataclass
class Operation(Generic[T]):
    """One window action that writes.

    `job(progress, cancel)` is the service call; `changes` is what it changed (or a function of
    its result); `undo(result)` builds the undo command to push (None: not undoable);
    `long` shows a progress dialog with Cancel; `on_success(result)` runs on the UI thread
    after the refresh; `on_failure(exc)` returns True when it showed the error itself (an
    editor placing a message beside its field), else the error dialog shows it.
    """

    title: str
    job: Job
    changes: Changes | Callable[[Any], Changes] = field(default_factory=Changes)
    undo: Callable[[Any], QUndoCommand | None] | None = None
    long: bool = False
    on_success: Callable[[Any], None] | None = None
    on_failure: Callable[[BaseException], bool] = _no_failure_handler


class UndoStep(Protocol):
    """What the runner needs of an undo command (undo_commands.RecordCommand)."""

    quiet: bool

    def text(self) -> str: ...
    def do(self) -> None: ...
    def revert(self) -> None: ...
    @property
    def changes(self) -> Changes: ...


class OperationRunner(QObject):
    """Runs a window's operations in order on the writer thread; owns nothing but the running
    tasks. `pool` is the writer (one thread); tests may give another single-thread pool."""

    sig_changed = Signal(object)
    """Changes written by an operation, an undo or a redo (delivered on the UI thread)."""

    def __init__(self, parent: QWidget, undo_stack: QUndoStack,
                 pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.window = parent
        self.undo_stack = undo_stack
        self.pool = pool or writer_pool()
        self._tasks: set[BackgroundTask] = set()
        self._steps = 0  # undo/redo steps queued or running

    @property
    def busy(self) -> bool:
        """An operation is queued or running."""
        return bool(self._tasks)

    def run(self, op: Operation[Any]) -> BackgroundTask:
        """Start `op` on the writer thread; returns its task (worker signals, progress)."""
        task: BackgroundTask

        def done(result: Any) -> None:
            self._tasks.discard(task)
            command = op.undo(result) if op.undo is not None else None
            if command is not None:
                self.undo_stack.push(command)  # the command skips its first redo
            changes = op.changes(result) if callable(op.changes) else op.changes
            self.sig_changed.emit(changes)
            if op.on_success is not None:
                op.on_success(result)

        def failed(exc: BaseException) -> None:
            self._tasks.discard(task)
            if not op.on_failure(exc):
                error_dialog.show_error(self.window, exc)

        task = BackgroundTask(self.window, op.title, op.job, on_done=done, on_failed=failed,
                              pool=self.pool, progress=op.long)
        self._tasks.add(task)
        return task.start()

    def step(self, command: UndoStep, forward: bool) -> None:
        """Redo (forward) or undo `command` on the writer thread (QUndoStack calls this from
        the command's redo()/undo(); its index has moved already)."""
        self._steps += 1

        def job(_progress: Any, _cancel: Any) -> None:
            command.do() if forward else command.revert()

        def done(_result: Any) -> None:
            self._steps -= 1

        def failed(exc: BaseException) -> bool:
            self._steps -= 1
            error_dialog.show_error(self.window, exc)
            self._step_back(command, forward)
            return True

        self.run(Operation(command.text(), job, command.changes, on_success=done,
                           on_failure=failed))

    def _step_back(self, command: UndoStep, forward: bool) -> None:
        """A failed undo/redo wrote nothing: put the stack's index back without writing, or,
        when later steps were taken meanwhile, drop the history (it no longer matches)."""
        stack = self.undo_stack
        target: object = command
        position = next((i for i in range(stack.count()) if stack.command(i) is target), None)
        if position is None or self._steps or stack.index() != position + (1 if forward else 0):
            stack.clear()
            return
        command.quiet = True
        try:
            stack.setIndex(position if forward else position + 1)
        finally:
            command.quiet = False

    def wait(self) -> None:
        """Block until every queued write has run (closing the window, tests)."""
        self.pool.waitForDone()
