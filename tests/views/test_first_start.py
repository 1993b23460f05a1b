"""The first start through the real entry point (issue 13, items 1-3): no display or a
missing library ends in one sentence and status 1; the investigator's name is asked; the user
guide opens inside the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from caseapp.__main__ import main
from caseapp.display import XCB_LIBRARIES, display_problem
from caseapp.views.main_window import MainWindow
from tests.views.test_app import close_soon

DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


@pytest.fixture(autouse=True)
def keep_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    child = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARS}
    child.update(env)
    return subprocess.run([sys.executable, "-m", "caseapp", "--db", str(tmp_path / "c.db")],
                          capture_output=True, text=True, env=child, timeout=60)


def test_no_display_at_all_exits_1_with_one_sentence(tmp_path: Path) -> None:
    proc = start(tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "caseapp --help" in lines[0]
    assert not (tmp_path / "c.db").exists()


def test_a_display_that_does_not_answer_exits_1(tmp_path: Path) -> None:
    proc = start(tmp_path, DISPLAY=":93")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "caseapp: The display :93 does not answer: start caseapp in a desktop session (or "
        "check DISPLAY), or use the command line (caseapp --help)."]


def test_missing_xcb_libraries_are_named_by_package() -> None:
    """A fresh desktop lacking libxcb-icccm4 and libxcb-keysyms1 (pitfalls.md #13): those two
    are named, not the xcb-cursor0 Qt blames."""
    def loads(soname: str) -> bool:
        return soname not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")

    problem = display_problem({"DISPLAY": ":0"}, loads=loads, x_answers=lambda _d: True)
    assert problem is not None
    assert "missing: libxcb-icccm4 libxcb-keysyms1." in problem
    assert "libxcb-cursor0" not in problem and "install-system-deps" in problem
    assert display_problem({"DISPLAY": ":0"}, loads=lambda _s: True,
                           x_answers=lambda _d: True) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, loads=lambda _s: True) is None


def test_the_install_script_lists_every_library_the_check_knows() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "install-system-deps"
    listed = subprocess.run([str(script), "--list"], capture_output=True, text=True,
                            check=True).stdout.split()
    assert set(XCB_LIBRARIES) <= set(listed)
    readme = (script.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "scripts/install-system-deps" in readme.split("```")[1]  # the first command


def test_the_first_start_asks_the_name_and_shows_the_public_key(
        qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caseapp_home: Path) -> None:
    from caseapp.views.first_start import FirstStartDialog

    monkeypatch.delenv("CASEAPP_USER")
    asked: list[str] = []

    def answer(dialog: FirstStartDialog) -> int:
        from PySide6.QtWidgets import QLabel

        asked.append(dialog.findChild(QLabel, "public_key_note").text())
        dialog.name.setText("  Det. Ana   Ruiz ")
        return 1

    monkeypatch.setattr(FirstStartDialog, "exec", answer)
    seen: list[MainWindow] = []
    close_soon(seen)
    assert main(["--db", str(tmp_path / "c.db")]) == 0
    pub = caseapp_home / "keys" / "investigator.key.pub"
    assert asked and str(pub) in asked[0] and "trust add" in asked[0]
    assert json.loads(pub.read_text(encoding="utf-8"))["name"] == "Det. Ana Ruiz"
    assert "Det. Ana Ruiz" in seen[0].user_label.text()
    # The next start asks nothing.
    asked.clear()
    close_soon(seen)
    assert main(["--db", str(tmp_path / "c.db")]) == 0
    assert asked == []


def test_cancelling_the_first_start_makes_nothing(
        qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caseapp_home: Path) -> None:
    from caseapp.views.first_start import FirstStartDialog

    monkeypatch.delenv("CASEAPP_USER")
    monkeypatch.setattr(FirstStartDialog, "exec", lambda _d: 0)
    assert main(["--db", str(tmp_path / "c.db")]) == 0
    assert not (caseapp_home / "keys" / "investigator.key").exists()
    assert not (tmp_path / "c.db").exists()


def test_a_preset_name_skips_the_question(qapp: Any, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp.views.first_start import FirstStartDialog

    monkeypatch.setattr(FirstStartDialog, "exec", lambda _d: pytest.fail("asked"))
    seen: list[MainWindow] = []
    close_soon(seen)
    assert main(["--db", str(tmp_path / "c.db")]) == 0
    assert "tester" in seen[0].user_label.text()


def test_help_user_guide_renders_inside_the_app(window: Any, qtbot: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    opened: list[Any] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "&User guide").trigger()
    dialog = window._user_guide
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.browser.toPlainText()
    assert "caseapp user guide" in text and "Import CSV" in text
    assert "# " not in text.splitlines()[0]  # rendered, not shown as Markdown source
    dialog.browser.anchorClicked.emit(QUrl("csv-import.md"))
    assert "csv-import.md" in dialog.windowTitle()
    assert opened == []  # no desktop viewer involved


def test_the_installer_ships_the_guide() -> None:
    spec = (Path(__file__).resolve().parents[2] / "build_installer.spec").read_text("utf-8")
    assert '(str(ROOT / "docs"), "docs")' in spec
