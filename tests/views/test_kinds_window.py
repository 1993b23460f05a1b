"""Every kind the registry gives a tab or an editor has them in the real window."""

from __future__ import annotations

from typing import Any

import pytest

from caseapp.domain import kinds

ALL = [pytest.param(k, id=k.kind) for k in kinds.KINDS]


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].tab or p.values[0].editor])
def test_every_tab_and_editor_kind_in_the_window(window: Any, qtbot: Any,
                                                 spec: kinds.KindSpec) -> None:
    if spec.tab:
        tab = window.tabs_by_kind[spec.kind]
        assert tab.model.rowCount() > 0, f"the {spec.kind} tab shows no rows"
    if spec.editor:
        dialog = window.editor(spec.kind)
        assert dialog is not None
        qtbot.addWidget(dialog)
        assert spec.label in dialog.windowTitle().lower()


@pytest.mark.parametrize("spec", [p for p in ALL if p.values[0].new_shortcut])
def test_every_new_shortcut_opens_that_kinds_editor(window: Any, spec: kinds.KindSpec) -> None:
    action = window.act_new_case if spec.kind == "case" else window.act_new[spec.kind]
    assert action.shortcut().toString() == spec.new_shortcut
    assert spec.label in action.text().lower()
