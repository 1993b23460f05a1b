"""Tests for caseapp.domain.quantities: units, purity, doses, yield and totals."""

from __future__ import annotations

from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseapp.domain.quantities import (
    DEFAULT_ROUTE_YIELD,
    LETHAL_DOSE_MG,
    UNITS,
    QuantityTotal,
    SubstanceTotal,
    check_unit,
    fentanyl_lethal_doses,
    from_kg,
    load_yield_factors,
    pure_kg,
    round_kg,
    theoretical_fentanyl_kg,
    to_kg,
    total_by_substance,
)
from caseapp.domain.substances import load_catalogue
from caseapp.errors import ValidationError

REFERENCE = Path(__file__).resolve().parents[2] / "resources" / "reference"
D = Decimal


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


quantities = decimals("0", "1000000000", 6)
densities = decimals("0.001", "20", 4)
tablet_weights = decimals("0.1", "10000", 3)
purities = st.none() | decimals("0", "100", 2)


# --- units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit", "kg"),
    [
        ("500", "mg", "0.0005"),
        ("250", "g", "0.25"),
        ("1", "lb", "0.45359237"),
        ("16", "oz", "0.45359237"),  # 16 oz is exactly 1 lb
        ("1", "oz", "0.028349523125"),
        ("250", "mL", "0.25"),  # 1 kg/L unless a density is given
        ("2", "L", "2"),
    ],
)
def test_to_kg_is_exact(quantity: str, unit: str, kg: str) -> None:
    assert to_kg(D(quantity), unit) == D(kg)


def test_to_kg_uses_density_and_tablet_weight() -> None:
    assert to_kg(D("2"), "L", density_kg_per_l=D("0.789")) == D("1.578")
    assert to_kg(D("500"), "mL", density_kg_per_l=D("1.2")) == D("0.6")
    assert to_kg(D("1000"), "tablets", tablet_weight_mg=D("100")) == D("0.1")
    assert to_kg(D("3"), "kg", density_kg_per_l=D("0.5")) == D("3")  # density ignored for mass


def test_to_kg_ignores_the_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        assert to_kg(D("1.23456"), "lb") == D("0.5599869963072")


def test_tablets_need_a_tablet_weight() -> None:
    with pytest.raises(ValidationError, match="tablet weight") as info:
        to_kg(D("10"), "tablets")
    assert info.value.field == "unit"


@pytest.mark.parametrize("bad", ["-1", "-0.001", "NaN", "Infinity"])
def test_negative_or_non_finite_quantities_are_rejected(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        to_kg(D(bad), "kg")
    assert info.value.field == "net_quantity"


def test_units_are_checked_and_spelled_canonically() -> None:
    assert check_unit("ML") == "mL"
    assert check_unit(" Tablets ") == "tablets"
    assert to_kg(D("1"), "KG") == D("1")
    with pytest.raises(ValidationError, match="Unknown unit 'ton'") as info:
        to_kg(D("1"), "ton")
    assert info.value.field == "unit"


def test_density_and_tablet_weight_must_be_positive() -> None:
    with pytest.raises(ValidationError) as info:
        to_kg(D("1"), "L", density_kg_per_l=D("0"))
    assert info.value.field == "density_kg_per_l"
    with pytest.raises(ValidationError) as info:
        to_kg(D("1"), "tablets", tablet_weight_mg=D("-5"))
    assert info.value.field == "tablet_weight_mg"


# Exactness of the round trip: to_kg multiplies in an unlimited-precision context, so the kg
# value is exact; from_kg divides it by the same factor, and a correctly rounded division whose
# exact quotient (the original quantity, at most 16 digits here) fits in its 40 digits returns
# that quotient exactly. So quantity -> kg -> quantity must give back the very same number.
@given(st.sampled_from(UNITS), quantities, densities, tablet_weights)
def test_unit_round_trip_is_exact(
    unit: str, quantity: Decimal, density: Decimal, tablet: Decimal
) -> None:
    options = {"density_kg_per_l": density, "tablet_weight_mg": tablet}
    assert from_kg(to_kg(quantity, unit, **options), unit, **options) == quantity


# The other way (kg -> unit -> kg) divides first: 1 / 0.45359237 has no finite decimal form, so
# from_kg rounds to 40 significant digits and the way back can differ in the 40th digit. A
# relative tolerance of 1e-38 allows exactly that and nothing a report could show.
@given(st.sampled_from(UNITS), quantities, densities, tablet_weights)
def test_kg_round_trip_is_within_forty_digits(
    unit: str, kg: Decimal, density: Decimal, tablet: Decimal
) -> None:
    options = {"density_kg_per_l": density, "tablet_weight_mg": tablet}
    back = to_kg(from_kg(kg, unit, **options), unit, **options)
    assert abs(back - kg) <= kg * D("1e-38")


# --- purity and doses --------------------------------------------------------------------


def test_pure_kg() -> None:
    assert pure_kg(D("2"), D("37.5")) == D("0.75")
    assert pure_kg(D("2"), None) is None
    assert pure_kg(D("2"), D("0")) == 0
    assert pure_kg(D("2"), D("100")) == D("2")


@pytest.mark.parametrize("bad", ["-0.01", "100.01", "NaN"])
def test_purity_outside_0_to_100_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError, match="between 0 and 100") as info:
        pure_kg(D("1"), D(bad))
    assert info.value.field == "purity_percent"


@given(quantities, decimals("0", "100", 4))
def test_pure_mass_never_exceeds_net_mass(net: Decimal, purity: Decimal) -> None:
    pure = pure_kg(net, purity)
    assert pure is not None
    assert 0 <= pure <= net


def test_lethal_doses() -> None:
    assert D("2") == LETHAL_DOSE_MG
    assert fentanyl_lethal_doses(D("1")) == 500_000
    assert fentanyl_lethal_doses(D("0.0000039")) == 1  # 3.9 mg: one whole 2 mg dose
    assert fentanyl_lethal_doses(D("0")) == 0
    assert fentanyl_lethal_doses(D("1"), dose_mg=D("3")) == 333_333
    with pytest.raises(ValidationError) as info:
        fentanyl_lethal_doses(D("1"), dose_mg=D("0"))
    assert info.value.field == "dose_mg"


@given(quantities, decimals("0.001", "100", 3))
def test_lethal_doses_are_the_floor_of_mg_over_dose(kg: Decimal, dose: Decimal) -> None:
    doses = fentanyl_lethal_doses(kg, dose)
    mg = kg * 1_000_000
    assert doses * dose <= mg < (doses + 1) * dose


# --- yield ---------------------------------------------------------------------------------


def test_yield_factors_come_from_the_reference_file() -> None:
    factors = load_yield_factors(REFERENCE)
    assert len(factors) == 7
    anpp = factors["21409-26-7"]
    assert (anpp.precursor, anpp.mass_ratio, anpp.steps, anpp.molar_mass) == (
        "ANPP",
        D("1.2"),
        1,
        D("280.41"),
    )
    catalogue_cas = {s.cas for s in load_catalogue(REFERENCE)}
    assert set(factors) <= catalogue_cas


def test_theoretical_fentanyl() -> None:
    assert D("0.5") == DEFAULT_ROUTE_YIELD
    assert theoretical_fentanyl_kg(D("10"), D("1.2")) == D("6")
    assert theoretical_fentanyl_kg(D("10"), D("1.2"), route_yield=D("1")) == D("12")


@pytest.mark.parametrize("bad", ["0", "-0.5", "1.01", "NaN"])
def test_route_yield_must_be_in_0_to_1(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        theoretical_fentanyl_kg(D("10"), D("1.2"), route_yield=D(bad))
    assert info.value.field == "route_yield"


# --- display rounding and totals -----------------------------------------------------------


def test_round_kg_rounds_half_to_even() -> None:
    assert str(round_kg(D("1.0005"))) == "1.000"
    assert str(round_kg(D("1.0015"))) == "1.002"
    assert str(round_kg(D("2.25"), places=1)) == "2.2"
    assert str(round_kg(D("7"))) == "7.000"


def test_total_by_substance() -> None:
    totals = total_by_substance(
        [("anpp", D("10"), D("50")), ("anpp", D("2.5"), None), ("npp", D("1"), D("100"))]
    )
    assert totals == {
        "anpp": QuantityTotal(seizures=2, net_kg=D("12.5"), pure_kg=D("5"), purity_known=1),
        "npp": QuantityTotal(seizures=1, net_kg=D("1"), pure_kg=D("1"), purity_known=1),
    }
    assert SubstanceTotal is QuantityTotal
    assert total_by_substance([]) == {}


def test_totals_do_not_round_even_far_beyond_28_digits() -> None:
    items = [("x", D("1e20"), None), ("x", D("1e-20"), None), ("x", D("-0") + D("1e20"), None)]
    assert total_by_substance(items)["x"].net_kg == D("200000000000000000000.00000000000000000001")


items_lists = st.lists(
    st.tuples(st.sampled_from(["anpp", "npp", "4-ap"]), quantities, purities), max_size=30
)


@given(st.data(), items_lists)
def test_totals_do_not_depend_on_order(
    data: st.DataObject, items: list[tuple[str, Decimal, Decimal | None]]
) -> None:
    shuffled = data.draw(st.permutations(items))
    totals = total_by_substance(items)
    assert total_by_substance(shuffled) == totals
    assert sum(t.seizures for t in totals.values()) == len(items)
    assert sum((t.net_kg for t in totals.values()), D(0)) == sum((i[1] for i in items), D(0))
