"""The window words its own next step for errors whose facts point to one (error_dialog.hint)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from caseapp.errors import DatabaseDamaged, NotFoundError, UntrustedKey
from caseapp.views.error_dialog import show_error


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[QMessageBox]:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self) or 0)
    return shown


def test_an_untrusted_key_says_how_to_trust_it(boxes: list[QMessageBox]) -> None:
    show_error(None, UntrustedKey("This bundle holds changes signed by a key you do not "
                                  "trust: mallory (key abcd). Nothing was imported.",
                                  keys={"abcd" * 8: "mallory"}))
    assert boxes[0].text().startswith("This bundle holds changes")
    assert "fingerprint" in boxes[0].informativeText()


def test_a_damaged_database_points_to_the_check_and_the_backups(
        boxes: list[QMessageBox]) -> None:
    show_error(None, DatabaseDamaged("Search failed (no such table)."))
    assert "backups" in boxes[0].informativeText()


def test_other_domain_errors_carry_no_hint(boxes: list[QMessageBox]) -> None:
    show_error(None, NotFoundError("No case 'X'.", kind="case", key="X"))
    assert boxes[0].informativeText() == ""
