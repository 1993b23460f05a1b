"""Printing for the command line: JSON documents, tables, a progress bar on a terminal.

Tables and the progress bar come from `rich`: widths are counted in display cells, so Chinese
names (two cells a character) keep the columns aligned. When stdout is not a terminal (a pipe,
a file, a script) tables are plain text, columns separated by two spaces, one row a line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len

# rich's console, table and progress modules load only when a terminal shows them: scripts
# and pipes (most calls) do not pay for them.


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """An aligned table on stdout: a rich table on a terminal, plain text otherwise."""
    cells = [[_text(v) for v in row] for row in rows]
    if sys.stdout.isatty():
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(*headers, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for row in cells:
            table.add_row(*(Text(c) for c in row))  # Text: no markup in user data
        Console(highlight=False).print(table)
        return
    widths = [max([cell_len(h), *(cell_len(r[i]) for r in cells)])
              for i, h in enumerate(headers)]
    print("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())


class TerminalProgress:
    """A progress bar with rate and time left on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None
        self._done = 0
        self._last = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description:30.30}"), BarColumn(), TaskProgressColumn(),
                MofNCompleteColumn(), _rate_column(), TimeRemainingColumn(),
                console=Console(file=sys.stderr), auto_refresh=False, transient=False)
            self._progress.start()
        if self._task is None:
            self._task = self._progress.add_task(label[:30], total=total or None)
        if done < self._done:  # a new stage counts from 0 again: the rate starts over
            self._progress.reset(self._task, total=total or None)
        self._done = done
        self._progress.update(self._task, completed=done, total=total or None,
                              description=label[:30])
        now = time.monotonic()
        if done >= total or now - self._last >= 0.1:
            self._last = now
            self._progress.refresh()
        if total and done >= total:
            self._progress.stop()
            self._progress = None
            self._task = None
            self._done = 0


def _rate_column() -> Any:
    """A rich column with items a second (records, changes, rows), not bytes."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if not speed else f"{speed:,.0f}/s", style="progress.data.speed")

    return RateColumn()
