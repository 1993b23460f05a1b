"""Render the window on the demo data into docs/screenshots/ (offscreen).

    python scripts/screenshots.py [--out docs/screenshots]

Writes window-main.png (case list and Seizures tab), window-overview.png (Overview tab),
window-seizure-editor.png (a seizure being edited), window-shipment-editor.png,
window-new-seizure.png (a blank form: no messages before typing), window-case-editor.png
(dates typed), window-completer.png (suggestions for "US"), window-first-start.png,
window-user-guide.png, timeline.png (Case > Timeline) and chart.png (the link chart, a path
highlighted).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def settle(app: object, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="caseapp-shots-"))
    os.environ["CASEAPP_HOME"] = str(home)
    os.environ.setdefault("CASEAPP_USER", "SA Elena Marquardt")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "qt"))
    from caseapp.app import make_application, open_workspace
    from caseapp.views.main_window import MainWindow

    app = make_application()
    from PySide6.QtCore import QLocale

    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    db = home / "demo.db"
    ws = open_workspace(db, demo=True)
    window = MainWindow(ws, db)
    window.resize(1440, 860)
    window.show()
    args.out.mkdir(parents=True, exist_ok=True)
    window.tabs.setCurrentIndex(1)
    settle(app)
    window.tabs_by_kind["seizure"].view.selectRow(2)
    settle(app)
    window.grab().save(str(args.out / "window-main.png"))
    window.tabs.setCurrentIndex(0)
    settle(app, 1.0)
    window.grab().save(str(args.out / "window-overview.png"))
    window.tabs.setCurrentIndex(1)
    for kind, name in (("seizure", "window-seizure-editor.png"),
                       ("shipment", "window-shipment-editor.png")):
        record = window.tabs_by_kind[kind].model.record_at(2)
        dialog = window.editor(kind, record)
        assert dialog is not None
        dialog.show()
        settle(app)
        dialog.grab().save(str(args.out / name))
        dialog.close()
    dialog = window.editor("seizure")
    assert dialog is not None
    dialog.show()
    settle(app, 0.5)
    dialog.grab().save(str(args.out / "window-new-seizure.png"))
    dialog.close()
    case = window.ws.cases.get(window.case_uid)
    dialog = window.editor("case", case)
    assert dialog is not None
    dialog.show()
    dialog.widgets["closed_on"].edit.setText("11/2/26")  # US short form: 2026-11-02
    settle(app, 0.5)
    dialog.grab().save(str(args.out / "window-case-editor.png"))
    dialog.close()
    dialog = window.editor("shipment")
    assert dialog is not None
    dialog.show()
    dialog.activateWindow()
    combo = dialog.widgets["origin_country"]
    combo.setFocus()
    combo.lineEdit().setText("US")
    combo.lineEdit().textEdited.emit("US")
    combo.completer().complete()
    settle(app, 0.5)
    popup = combo.completer().popup()
    shot = dialog.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(shot)
    corner = dialog.mapFromGlobal(popup.mapToGlobal(popup.rect().topLeft()))
    painter.drawPixmap(corner, popup.grab())
    painter.end()
    shot.save(str(args.out / "window-completer.png"))
    dialog.close()
    from caseapp.views.first_start import FirstStartDialog

    first = FirstStartDialog(Path("/home/ana/.local/share/caseapp/keys/investigator.key.pub"))
    first.name.setText("Det. Ana Ruiz")
    first.show()
    settle(app)
    first.grab().save(str(args.out / "window-first-start.png"))
    first.close()
    from caseapp.views import file_actions

    guide = file_actions.open_user_guide(window)
    settle(app, 0.5)
    guide.grab().save(str(args.out / "window-user-guide.png"))
    guide.close()
    timeline_shot(app, window, args.out)
    chart_shot(app, window, args.out)
    window.close()
    ws.close()
    print(f"screenshots written to {args.out}")
    return 0


def timeline_shot(app: object, window: object, out: Path) -> None:
    """timeline.png: Case > Timeline on the first demo case, lanes per entity, an exhibit's
    seizure selected."""
    from caseapp.views.timeline_view import show_timeline

    dialog = show_timeline(window)  # type: ignore[arg-type]
    assert dialog is not None
    dialog.resize(1400, 900)
    end = time.monotonic() + 10
    while not dialog.loaded and time.monotonic() < end:
        settle(app, 0.1)
    settle(app, 0.3)
    canvas = dialog.canvas
    canvas.select(next(i for i in canvas.items if i.kind == "seizure" and i.key == "EX-0007-03"))
    settle(app)
    dialog.grab().save(str(out / "timeline.png"))
    dialog.close()


def chart_shot(app: object, window: object, out: Path) -> None:
    """chart.png: the link chart of the first demo case, the shortest paths from the supplier
    to the consignee highlighted, the supplier's record in the panel."""
    chart = window.show_chart()  # type: ignore[attr-defined]
    chart.resize(1440, 900)
    end = time.monotonic() + 30
    while not chart.nodes or chart.statusBar().currentMessage().startswith(("Load", "Lay")):
        app.processEvents()  # type: ignore[attr-defined]
        if time.monotonic() > end:
            break
    settle(app, 0.5)
    chart.fit()
    supplier = next(i for i in chart.nodes.values() if i.node.label.startswith("Wuhan"))
    consignee = next(i for i in chart.nodes.values() if i.node.label.startswith("Distrib"))
    supplier.setSelected(True)
    consignee.setSelected(True)
    chart.show_paths()
    consignee.setSelected(False)
    settle(app)
    chart.grab().save(str(out / "chart.png"))
    chart.close()


if __name__ == "__main__":
    sys.exit(main())
