"""The UI thread's longest step while working through the demo cases in the main window.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_steps.py [--rounds 3]

Selects each demo case, visits every tab, opens the seizure editor and filters the seizure
table, timing each step including the events it queues (`processEvents`). Prints every step's
min and median over the rounds and the slowest step against the 100 ms goal (a window must
never freeze longer than that; work that can take longer runs on a worker). This used to be a
timed test; speed goals are checked here, not in the suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_S = 0.1


def one_round(app: Any, window: Any, timings: dict[str, list[float]]) -> None:
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone()
    gc.collect()

    def timed(name: str, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        app.processEvents()
        timings[name].append(time.perf_counter() - started)

    for row in (1, 0, 1):
        timed(f"select case {row}", lambda row=row: window.case_view.selectRow(row))
        for i in range(window.tabs.count()):
            timed(f"tab {window.tabs.tabText(i).replace('&&', '&')}", lambda i=i: window.tabs.setCurrentIndex(i))
    editor: list[Any] = []
    timed("open seizure editor", lambda: editor.append(window.editor("seizure")))
    editor[0].close()
    seizures = window.tabs_by_kind["seizure"]
    timed("filter seizures", lambda: (seizures.filter.setText("Port"), seizures.apply_filter()))
    seizures.filter.setText("")
    seizures.apply_filter()
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="caseapp-ui-steps-"))
    os.environ["CASEAPP_HOME"] = str(home / "home")
    os.environ.setdefault("CASEAPP_USER", "bench")

    from PySide6.QtWidgets import QApplication

    from caseapp.services.demo import load_demo
    from caseapp.services.workspace import Workspace
    from caseapp.views.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    path = home / "demo.db"
    ws = Workspace.open(path)
    load_demo(ws)
    window = MainWindow(ws, path)
    window.show()
    app.processEvents()
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        one_round(app, window, timings)
    print(f"| step | min | median | (of {args.rounds} rounds) |")
    print("|---|---|---|---|")
    for name, samples in timings.items():
        print(f"| {name} | {min(samples) * 1000:.1f} ms | "
              f"{statistics.median(samples) * 1000:.1f} ms | |")
    worst = max((statistics.median(s), n) for n, s in timings.items())
    met = "met" if worst[0] < GOAL_S else "missed"
    print(f"\nslowest step (median): {worst[1]}, {worst[0] * 1000:.1f} ms; goal < 100 ms: {met}")
    window.close()
    ws.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
