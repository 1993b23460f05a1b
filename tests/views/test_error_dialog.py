"""One error dialog: a sentence for domain errors; traceback and log path otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from caseapp.errors import ValidationError
from caseapp.logs import log_file
from caseapp.views.error_dialog import show_error


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[QMessageBox]:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self) or 0)
    return shown


def test_domain_error_is_a_warning_with_its_sentence(boxes: list[QMessageBox]) -> None:
    show_error(None, ValidationError("Exhibit 'EX-1' is already used in this case."))
    box = boxes[0]
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "Exhibit 'EX-1' is already used in this case."
    assert box.detailedText() == ""


def test_unexpected_error_shows_traceback_and_log_path(boxes: list[QMessageBox]) -> None:
    def broken() -> Any:
        return {}["missing"]

    try:
        broken()
    except KeyError as exc:
        show_error(None, exc)
    box = boxes[0]
    assert box.icon() == QMessageBox.Icon.Critical
    assert "KeyError" in box.text()
    assert str(log_file()) in box.informativeText()
    assert "Traceback" in box.detailedText() and "broken" in box.detailedText()


def test_excepthook_routes_to_the_dialog(boxes: list[QMessageBox],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from caseapp.views.error_dialog import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_excepthook()
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert "boom in a slot" in boxes[0].text()
