"""Background work: a QRunnable with a signal companion, a single-thread writer pool, and a
progress dialog (shown after 0.5 s) whose Cancel sets the service's CancelToken.

Workers get plain values and return frozen records; they never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from caseapp.progress import CancelToken

Job = Callable[[Callable[[int, int, str], None], CancelToken], Any]

_writer_pool: QThreadPool | None = None


def writer_pool() -> QThreadPool:
    """The one thread for everything that writes SQLite: jobs run one at a time, in the order
    they were started (writes never race each other); the thread is kept, never expired."""
    global _writer_pool
    if _writer_pool is None:
        _writer_pool = QThreadPool()
        _writer_pool.setMaxThreadCount(1)
        _writer_pool.setExpiryTimeout(-1)
    return _writer_pool


class WorkerSignals(QObject):
    sig_progress = Signal(int, int, str)
    """done, total, label (emitted from the worker thread, delivered on the UI thread)."""
    sig_done = Signal(object)
    """The job's result."""
    sig_failed = Signal(object)
    """The exception the job raised."""


class Worker(QRunnable):
    """Runs `job(progress, cancel)` off the UI thread and reports through `signals`."""

    def __init__(self, job: Job, cancel: CancelToken | None = None) -> None:
        super().__init__()
        self.job = job
        self.cancel = cancel or CancelToken()
        self.signals = WorkerSignals()
        self.setAutoDelete(False)  # the caller keeps it until a signal arrives

    def run(self) -> None:
        try:
            result = self.job(self._progress, self.cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread's error dialog
            self.signals.sig_failed.emit(exc)
            return
        self.signals.sig_done.emit(result)

    def _progress(self, done: int, total: int, label: str) -> None:
        self.signals.sig_progress.emit(done, total, label)


class BackgroundTask(QObject):
    """A worker plus, for long work, its progress dialog; `on_done`/`on_failed` run on the UI
    thread. Whoever starts one keeps it until then (operations.OperationRunner does)."""

    def __init__(self, parent: QWidget, title: str, job: Job, *,
                 on_done: Callable[[Any], None], on_failed: Callable[[BaseException], None],
                 writes: bool = True, pool: QThreadPool | None = None,
                 progress: bool = True) -> None:
        super().__init__(parent)
        self.worker = Worker(job)
        self.dialog: QProgressDialog | None = None
        if progress:
            self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(500)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.worker.cancel.cancel)
        self._on_done, self._on_failed = on_done, on_failed
        sig = self.worker.signals
        sig.sig_progress.connect(self._on_worker_progress)
        sig.sig_done.connect(self._on_worker_done)
        sig.sig_failed.connect(self._on_worker_failed)
        self._pool = pool or (writer_pool() if writes else QThreadPool.globalInstance())

    def start(self) -> BackgroundTask:
        if self.dialog is not None:
            self.dialog.setValue(0)
        self._pool.start(self.worker)
        return self

    @property
    def cancel(self) -> CancelToken:
        return self.worker.cancel

    def _on_worker_progress(self, done: int, total: int, label: str) -> None:
        if self.dialog is None:
            return
        self.dialog.setLabelText(label)
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))

    def _finish(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        self.deleteLater()

    def _on_worker_done(self, result: object) -> None:
        self._finish()
        self._on_done(result)

    def _on_worker_failed(self, exc: object) -> None:
        self._finish()
        assert isinstance(exc, BaseException)
        self._on_failed(exc)
