"""Printing for the command line: JSON documents, plain tables, a progress bar on a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table on stdout."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class TerminalProgress:
    """A progress bar on stderr, only when stderr is a terminal (cli.md)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        pct = int(100 * done / total) if total else 100
        sys.stderr.write(f"\r{label[:30]:30} [{'#' * filled}{'.' * (width - filled)}] {pct:3d}%")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
