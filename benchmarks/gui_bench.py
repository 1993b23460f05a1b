"""Window benchmark on a big case: first paint of the seizure table, jump to the last row,
random jumps, peak memory -- beside a bare QTableView over a minimal fetch-more model.

first_paint_ms: the whole main window (case list, tabs, first seizure page) until painted;
table_first_paint_ms: re-selecting the big case in the open window until its seizure table
is painted (the figure comparable to the bare view's first paint); all_rows_ready_ms: until
every row is reachable (caseapp: the ordered ids from a worker, the UI live meanwhile; bare:
fetching every row, the UI blocked).

    python benchmarks/make_big_db.py --seizures 1000000       # once (about 2 minutes)
    python benchmarks/gui_bench.py --db benchmarks/out/gui-big.db

Each variant runs in its own process (offscreen) so peak memory is its own.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

COLUMNS = "exhibit_ref, seized_on, substance, net_quantity, unit, purity_percent, form, place"


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _paint(app: Any, view: Any) -> None:
    app.processEvents()
    view.viewport().repaint()


def _jumps(app: Any, view: Any, rows: int, n: int = 50) -> tuple[float, float]:
    """Median and worst time of jumps to random rows (a scrollbar drag)."""
    rng = random.Random(3)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        view.scrollTo(view.model().index(rng.randrange(rows), 0))
        _paint(app, view)
        times.append(_ms(started))
    times.sort()
    return times[len(times) // 2], times[-1]


def run_app(db: Path) -> dict[str, Any]:
    from caseapp.app import make_application
    from caseapp.services.workspace import Workspace
    from caseapp.views.main_window import MainWindow

    app = make_application()
    started = time.perf_counter()
    ws = Workspace.open(db)
    open_ms = _ms(started)
    started = time.perf_counter()
    window = MainWindow(ws, db)
    window.tabs.setCurrentIndex(1)
    window.show()
    view = window.tabs_by_kind["seizure"].view
    _paint(app, view)
    first = _ms(started)
    model = view.model()
    started = time.perf_counter()
    while not model.ready:  # the ordered ids arrive from a worker; the UI stays live
        app.processEvents()
        time.sleep(0.001)
    ids_ms = _ms(started)
    rows = model.rowCount()
    started = time.perf_counter()
    view.scrollToBottom()
    _paint(app, view)
    last = _ms(started)
    shown = model.data(model.index(rows - 1, 0))
    median, worst = _jumps(app, view, rows)
    # The table alone, as the bare variant measures it: switch to the small case and back.
    window.case_view.selectRow(1)
    _paint(app, view)
    started = time.perf_counter()
    window.case_view.selectRow(0)
    _paint(app, view)
    table_first = _ms(started)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone()  # workers must not outlive the process
    return {"variant": "caseapp window", "table_first_paint_ms": table_first, "rows": rows, "open_db_ms": open_ms,
            "first_paint_ms": first, "all_rows_ready_ms": ids_ms, "last_row_ms": last, "last_row": shown,
            "jump_median_ms": median, "jump_worst_ms": worst, "peak_mb": _peak_mb()}


def run_bare(db: Path) -> dict[str, Any]:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    class FetchMoreModel(QAbstractTableModel):
        """The textbook lazy model: one cursor, 500 more rows whenever the view asks."""

        def __init__(self, cursor: sqlite3.Cursor) -> None:
            super().__init__()
            self.cursor, self.rows, self.done = cursor, [], False

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else 8

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.rows[index.row()][index.column()])
            return None

        def canFetchMore(self, parent: Any = QModelIndex()) -> bool:  # noqa: B008
            return not self.done

        def fetchMore(self, parent: Any = QModelIndex()) -> None:  # noqa: B008
            more = self.cursor.fetchmany(500)
            if not more:
                self.done = True
                return
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()

    app = QApplication.instance() or QApplication([])
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    case_uid = conn.execute("SELECT uid FROM cases ORDER BY ref LIMIT 1").fetchone()[0]
    cursor = conn.execute(f"SELECT {COLUMNS} FROM seizures WHERE case_uid = ? AND deleted_at "
                          "IS NULL ORDER BY seized_on, id", (case_uid,))
    model = FetchMoreModel(cursor)
    view = QTableView()
    view.verticalHeader().setDefaultSectionSize(24)
    view.setModel(model)
    view.resize(1000, 760)
    view.show()
    _paint(app, view)
    first = _ms(started)
    started = time.perf_counter()
    while model.canFetchMore():  # a fetch-more model must load every row to reach the last
        model.fetchMore()
    view.scrollToBottom()
    _paint(app, view)
    last = _ms(started)
    rows = model.rowCount()
    median, worst = _jumps(app, view, rows)
    return {"variant": "bare QTableView + fetchMore", "table_first_paint_ms": first,
            "rows": rows, "open_db_ms": 0.0,
            "first_paint_ms": first, "all_rows_ready_ms": last, "last_row_ms": last,
            "last_row": model.rows[-1][0], "jump_median_ms": median, "jump_worst_ms": worst,
            "peak_mb": _peak_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "out" / "gui-big.db")
    parser.add_argument("--variant", choices=("app", "bare"))
    args = parser.parse_args(argv)
    if args.variant:
        result = run_app(args.db) if args.variant == "app" else run_bare(args.db)
        print(json.dumps(result))
        return 0
    results = []
    for variant in ("app", "bare"):
        out = subprocess.run([sys.executable, __file__, "--db", str(args.db), "--variant",
                              variant], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ("rows", "open_db_ms", "first_paint_ms", "table_first_paint_ms", "all_rows_ready_ms", "last_row_ms", "jump_median_ms",
            "jump_worst_ms", "peak_mb", "last_row")
    print(f"{'':18}" + "".join(f"{r['variant']:>30}" for r in results) + f"{'ratio':>10}")
    for key in keys:
        a, b = results[0][key], results[1][key]
        ratio = f"{a / b:.2f}" if isinstance(a, float) and b else ""
        print(f"{key:18}" + f"{a!s:>30}{b!s:>30}{ratio:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
