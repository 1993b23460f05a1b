"""Issue 11 in the window: the Overview's figures, the decimal-comma setting, the substance
editor and the case's route yield."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from caseapp.domain.fields import set_default_decimal_mark
from caseapp.services.preferences import load_preferences
from tests.views.test_main_window import idle, new_seizure, save


def test_overview_states_figures_with_their_precision_and_sources(window: Any,
                                                                   qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.overview.loaded is not None, timeout=5000)
    text = window.overview.browser.toPlainText()
    window.overview.grab().save("/tmp/issue11-overview.png")
    assert "55.2 g as base" in text and "about 27,600 at 2 mg each" in text
    assert "not analogues" in text and "about 360 kg at route yield 0.5" in text
    assert "0.055" not in text and "363.27" not in text


def test_decimal_comma_setting_is_saved_and_read_by_the_editor(window: Any,
                                                               qtbot: Any) -> None:
    try:
        dialog = new_seizure(window, qtbot, net_quantity="1,5", purity_percent="9,5")
        assert not dialog.check()  # point convention: "1,5" is ambiguous, not 15
        dialog.close()
        window.act_decimal_comma.trigger()
        assert window.act_decimal_comma.isChecked()
        assert load_preferences().decimal_mark == "comma"
        dialog = new_seizure(window, qtbot, net_quantity="1,5", purity_percent="9,5")
        save(dialog, qtbot)
        idle(window, qtbot)
        stored = window.ws.seizures.find("EX-NEW-1", case=window.current_case_ref())
        assert (stored.net_quantity, stored.purity_percent) == (Decimal("1.5"), Decimal("9.5"))
    finally:
        set_default_decimal_mark("point")


def test_substance_editor_adds_to_the_catalogue_with_a_computed_molar_mass(
        window: Any, qtbot: Any) -> None:
    dialog = window.editor("substance")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_values({"name": "Xylazine hydrochloride", "cas": "23076-35-9",
                       "kind": "cutting_agent", "formula": "C12H16N2S·HCl"})
    dialog.grab().save("/tmp/issue11-substance.png")
    save(dialog, qtbot)
    assert dialog.saved is not None
    added = window.ws.substances.lookup("23076-35-9")
    assert added.molar_mass == Decimal("256.79")

def test_case_editor_sets_the_route_yield(window: Any, qtbot: Any) -> None:
    uid = window.case_uid
    dialog = window.editor("case", window.ws.cases.get(uid))
    qtbot.addWidget(dialog)
    dialog.show()
    assert "route_yield" in dialog.widgets
    dialog.set_values({"route_yield": "0.3"})
    save(dialog, qtbot)
    idle(window, qtbot)
    fig = window.ws.cases.figures(uid)
    assert fig.route_yield == Decimal("0.3") and fig.route_yield_source == "set for this case"

