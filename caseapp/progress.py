"""Progress reporting and cancellation for long services, without Qt.

A service takes `progress(done, total, label)` and a `CancelToken`; the window adapts both to a
QProgressDialog, the CLI to a bar on stderr.
"""

from __future__ import annotations

import threading
from typing import Protocol

from caseapp.errors import Cancelled


class ProgressCallback(Protocol):
    def __call__(self, done: int, total: int, label: str) -> None: ...


def no_progress(done: int, total: int, label: str) -> None:
    """The default callback: report nothing."""


class CancelToken:
    """Set from any thread; the service checks it between steps and raises `Cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()
