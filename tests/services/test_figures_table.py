"""The figures a chemist and a prosecutor accept (issue 11): a table of seizures, each figure
checked against an independent Decimal computation written out here by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from caseapp.domain.display import count_text, estimate_text, mass_text
from caseapp.domain.figure_text import doses_line, fentanyl_pure_line, yield_line
from caseapp.domain.figures import CaseFigures, SubstanceFigure
from caseapp.errors import ValidationError

LB = D("0.45359237")
OZ = LB / 16
# Molar masses and ratios as in the shipped tables (fentanyl_yield.csv, figures/salts.csv).
RATIO = {"ANPP": D("1.2"), "NPP": D("1.655"), "BOC_PIP": D("1.689"), "PIP": D("3.394")}
ROUTE = D("0.5")
PIP_HCL_FACTOR = D("99.13") / D("153.61")


def _case(ws: Any, ref: str) -> None:
    ws.cases.add({"ref": ref, "title": "Figures"})


def _seize(ws: Any, ref: str, exhibit: str, substance: str, qty: str, unit: str,
           **extra: str) -> None:
    ws.seizures.add({"exhibit_ref": exhibit, "seized_on": "2026-01-02", "substance": substance,
                     "net_quantity": qty, "unit": unit, **extra}, case=ref)


def _figures(ws: Any, ref: str) -> CaseFigures:
    return ws.cases.show(ref).figures  # type: ignore[no-any-return]


def _sub(fig: CaseFigures, cas: str) -> SubstanceFigure:
    return next(f for f in fig.substances if f.cas == cas)


@pytest.fixture
def table(ws: Any) -> CaseFigures:
    """The cases of the issue in one case file."""
    _case(ws, "T-1")
    _seize(ws, "T-1", "EX-ANPP", "4-ANPP", "0.5", "kg", purity_percent="98")
    _seize(ws, "T-1", "EX-NPP", "NPP", "1.5", "lb", purity_percent="95")
    _seize(ws, "T-1", "EX-PC-D", "propionyl chloride", "250", "mL", density_kg_per_l="1.2")
    _seize(ws, "T-1", "EX-PC", "propionyl chloride", "250", "mL")
    _seize(ws, "T-1", "EX-TAB", "fentanyl", "1000", "tablets", tablet_weight_mg="100",
           purity_percent="2")
    _seize(ws, "T-1", "EX-BOC", "1-boc-4-piperidone", "3", "kg")
    _seize(ws, "T-1", "EX-OZ", "fentanyl", "1", "oz")
    return _figures(ws, "T-1")


def test_precursors_of_known_purity(table: CaseFigures) -> None:
    anpp, npp = _sub(table, "21409-26-7"), _sub(table, "39742-60-4")
    assert anpp.net_kg == D("0.5") and anpp.pure_kg == D("0.5") * D("0.98")
    assert mass_text(anpp.pure_kg) == "490 g"
    npp_net = D("1.5") * LB
    assert npp.net_kg == npp_net and npp.pure_kg == npp_net * D("0.95")
    assert mass_text(npp.net_kg) == "680 g" and mass_text(npp.pure_kg) == "646 g"
    assert anpp.yield_kg == D("0.49") * RATIO["ANPP"] * ROUTE
    assert npp.yield_kg == npp_net * D("0.95") * RATIO["NPP"] * ROUTE


def test_liquids_with_and_without_a_density(table: CaseFigures) -> None:
    chloride = _sub(table, "79-03-8")
    # 250 mL at the seizure's 1.2 kg/L plus 250 mL at the catalogue's 1.065 kg/L.
    assert chloride.net_kg == D("0.25") * D("1.2") + D("0.25") * D("1.065")
    assert any("1.2 kg/L (recorded with the seizure)" in c for c in chloride.conversions)
    assert any("1.065 kg/L (catalogue" in c for c in chloride.conversions)
    assert chloride.purity_known == 0 and chloride.pure_kg == 0
    assert mass_text(chloride.net_kg) == "566 g"


def test_a_liquid_without_any_density_counts_at_1_kg_per_litre_and_says_so(ws: Any) -> None:
    _case(ws, "T-2")
    _seize(ws, "T-2", "EX-HCL", "hydrochloric acid", "2", "L")
    acid = _sub(_figures(ws, "T-2"), "7647-01-0")
    assert acid.net_kg == D(2)
    assert acid.conversions == ["1 kg/L assumed (no density recorded or catalogued)"]


def test_fentanyl_doses_count_only_known_purity_and_say_at_least(table: CaseFigures) -> None:
    pure_tablets = D(1000) * D("100") / D(10**6) * D("0.02")  # kg: 1,000 x 100 mg x 2 %
    assert pure_tablets == D("0.002")
    assert table.fentanyl_pure_kg == pure_tablets
    assert table.fentanyl_lethal_doses == int(pure_tablets * 10**6 / 2) == 1000
    assert (table.fentanyl_seizures, table.fentanyl_purity_unknown) == (2, 1)
    assert table.fentanyl_unknown_net_kg == OZ
    assert fentanyl_pure_line(table) == (
        "at least 2.00 g as base; purity unknown for 1 of 2 seizures, 28.3 g net")
    line = doses_line(table)
    assert line.startswith("at least about 1,000 at 2 mg each")
    assert "not analogues" in line and "DEA" in line and "S30" in line
    assert "0.000" not in line


def test_unknown_purity_precursor_is_an_upper_bound_on_the_same_line(
        table: CaseFigures) -> None:
    boc = _sub(table, "79099-07-3")
    assert boc.purity_known == 0 and boc.yield_kg == 0
    assert boc.yield_unknown_kg == D(3) * RATIO["BOC_PIP"] * ROUTE
    known = (D("0.49") * RATIO["ANPP"] + D("1.5") * LB * D("0.95") * RATIO["NPP"]) * ROUTE
    assert table.fentanyl_yield_kg == known
    assert table.yield_unknown_kg == D(3) * RATIO["BOC_PIP"] * ROUTE
    line = yield_line(table)
    assert line.startswith(estimate_text(known) + " at route yield 0.5")
    assert estimate_text(known) == "about 830 g"
    assert ("plus up to about 2.5 kg more if the 1 precursor seizure of unknown purity "
            "(3.00 kg net) were 100 % pure") in line


def test_salt_forms_count_as_base(ws: Any) -> None:
    _case(ws, "T-3")
    _seize(ws, "T-3", "EX-PIP", "40064-34-4", "40", "kg", purity_percent="98")
    _seize(ws, "T-3", "EX-FHCL", "fentanyl HCl", "10", "g", purity_percent="50")
    fig = _figures(ws, "T-3")
    pip = _sub(fig, "40064-34-4")
    assert pip.base_cas == "41661-47-6"
    assert abs(pip.pure_kg - D(40) * D("0.98") * PIP_HCL_FACTOR) < D("1e-20")
    expected = D(40) * D("0.98") * PIP_HCL_FACTOR * RATIO["PIP"] * ROUTE
    assert abs(pip.yield_kg - expected) < D("1e-20")
    assert estimate_text(pip.yield_kg) == "about 43 kg"  # not 66.5 kg as free base
    base = D("0.010") * D("0.5") * D("336.48") / D("372.93")
    assert abs(fig.fentanyl_pure_kg - base) < D("1e-20")
    assert fig.fentanyl_lethal_doses == int(base * 10**6 / 2) == 2255


def test_the_case_route_yield_is_used_and_named(ws: Any) -> None:
    _case(ws, "T-4")
    _seize(ws, "T-4", "EX-ANPP", "ANPP", "10", "kg", purity_percent="100")
    assert _figures(ws, "T-4").fentanyl_yield_kg == D(10) * RATIO["ANPP"] * ROUTE
    ws.cases.edit("T-4", {"route_yield": "0.2"})
    fig = _figures(ws, "T-4")
    assert fig.fentanyl_yield_kg == D(10) * RATIO["ANPP"] * D("0.2")
    assert fig.route_yield == D("0.2") and fig.route_yield_source == "set for this case"
    assert "route yield 0.2 (20 %, set for this case)" in yield_line(fig)
    with pytest.raises(ValidationError, match="route yield"):
        ws.cases.edit("T-4", {"route_yield": "1.5"})


@pytest.mark.parametrize(("kg", "text"), [
    (D("0.0004"), "400 mg"), (D("0.0552"), "55.2 g"), (D("2.0706"), "2.07 kg"),
    (D("254.568"), "255 kg"), (D("12345.6"), "12,346 kg"), (D("0.9996"), "1.00 kg"),
    (OZ, "28.3 g"), (None, "unknown")])
def test_masses_print_with_three_significant_figures(kg: D | None, text: str) -> None:
    assert mass_text(kg) == text


def test_estimates_say_about_and_keep_two_or_three_figures() -> None:
    assert estimate_text(D("363.2733177")) == "about 360 kg"
    assert estimate_text(D("3.362370452799375")) == "about 3.4 kg"
    assert count_text(27600) == "about 27,600" and count_text(200) == "200"
    assert count_text(123456) == "about 123,000"


def test_case_show_json_keeps_exact_values_beside_display_strings(ws: Any) -> None:
    from caseapp.services.json_out import figures_json

    _case(ws, "T-5")
    _seize(ws, "T-5", "EX-F", "fentanyl", "0.4", "g", purity_percent="100")
    doc = figures_json(_figures(ws, "T-5"))
    assert doc["fentanyl_pure_kg"] == 0.0004
    assert doc["fentanyl_pure_display"] == "400 mg as base"
    assert doc["fentanyl_lethal_doses"] == 200
    assert doc["fentanyl_lethal_doses_display"].startswith("200 at 2 mg each")
    assert doc["substances"][0]["pure_display"] == "400 mg"
    assert "rounded once" in doc["assumptions"]["rounding"]
    assert "DEA" in doc["assumptions"]["lethal_dose_source"]


def test_route_yield_and_an_added_substance_travel_in_a_bundle(tmp_path: Any) -> None:
    from caseapp.services.bundles import BundleService
    from tests.sync.helpers import open_ws, trust

    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    try:
        trust(b, a)
        _case(a, "T-6")
        a.substances.add({"name": "Xylazine hydrochloride", "cas": "23076-35-9",
                          "kind": "cutting_agent", "formula": "C12H16N2S·HCl"})
        _seize(a, "T-6", "EX-X", "xylazine hydrochloride", "2", "kg", purity_percent="50")
        _seize(a, "T-6", "EX-A", "ANPP", "1", "kg", purity_percent="100")
        a.cases.edit("T-6", {"route_yield": "0.25"})
        BundleService(a).export_case("T-6", tmp_path / "t6.casebundle")
        BundleService(b).import_bundle(tmp_path / "t6.casebundle")
        there = b.cases.show("T-6")
        assert there.case.route_yield == D("0.25")
        assert there.figures.fentanyl_yield_kg == RATIO["ANPP"] * D("0.25")
        assert b.substances.lookup("23076-35-9").molar_mass == D("256.79")
    finally:
        a.close()
        b.close()


def test_the_report_rows_state_the_unknown_purity_upper_bound(ws: Any, tmp_path: Any) -> None:
    import subprocess

    from caseapp.services.reporting import ReportService

    _case(ws, "T-7")
    _seize(ws, "T-7", "EX-BOC", "1-boc-4-piperidone", "3", "kg")
    _seize(ws, "T-7", "EX-OZ", "fentanyl", "1", "oz")
    out = tmp_path / "t7.pdf"
    ReportService(ws).render("T-7", out)
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "unknown: purity unknown for the one fentanyl seizure, 28.3 g net" in text
    assert "up to about 2.5 kg more if the 1 of unknown purity were 100 % pure" in text
    assert "× 1 kg/L" not in text and "0.000" not in text
