"""Quantity arithmetic: units to kilograms, purity, fentanyl doses, theoretical yield, totals.

Everything a report shows is a Decimal: conversions to kg, pure mass and totals are exact (no
rounding at all), so sums do not depend on the order of the seizures; only `from_kg` (a division)
and `round_kg` (for display) round, both in a fixed context so the caller's Decimal context has
no effect on a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from pathlib import Path

from caseapp.domain.substances import check_cas, decimal_cell, read_reference_csv
from caseapp.domain.types import UNITS as UNITS  # re-exported: the units to_kg knows
from caseapp.errors import ValidationError

# Exact arithmetic: unlimited precision, and any rounding raises instead of passing silently.
# Only used for +, x and powers of ten, which are always exact.
_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[Inexact, InvalidOperation, DivisionByZero, Overflow],
)
# Divisions (from_kg) and display rounding: far more digits than any report shows.
_ROUNDED = Context(prec=40, rounding=ROUND_HALF_EVEN)

_KG_PER_MASS_UNIT = {
    "mg": Decimal("0.000001"),
    "g": Decimal("0.001"),
    "kg": Decimal(1),
    "lb": Decimal("0.45359237"),  # international avoirdupois pound, exact by definition
    "oz": Decimal("0.028349523125"),  # 1/16 lb, exact
}
_LITRES_PER_VOLUME_UNIT = {"mL": Decimal("0.001"), "L": Decimal(1)}
_WATER_KG_PER_L = Decimal(1)  # UNODC convention: volumes at 1 kg per litre (domain-notes section 2)
_KG_PER_MG = Decimal("0.000001")

LETHAL_DOSE_MG = Decimal("2")  # DEA: "about two milligrams" is a potentially lethal dose
# Route yield applied on top of the 100 % mass ratio: a stated, adjustable assumption, our own
# (domain-notes [D]), not an agency figure. No source gives real clandestine yields, so we take
# the conservative middle of the possible range rather than 100 %, which would overstate the
# threat; reports print the value used beside every yield figure.
DEFAULT_ROUTE_YIELD = Decimal("0.5")


def _require(value: Decimal, *, field: str, what: str, allow_zero: bool = True) -> None:
    """Raise ValidationError unless `value` is a finite number >= 0 (> 0 if not allow_zero)."""
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise ValidationError(f"{what} must be {bound}, not {value}", field=field)


def check_unit(unit: str) -> str:
    """The canonical spelling of a unit ("ML" -> "mL"); ValidationError(field="unit") if unknown."""
    for known in UNITS:
        if unit.strip().casefold() == known.casefold():
            return known
    raise ValidationError(f"Unknown unit {unit!r} (use one of {', '.join(UNITS)})", field="unit")


def _kg_per_unit(
    unit: str, density_kg_per_l: Decimal | None, tablet_weight_mg: Decimal | None
) -> Decimal:
    unit = check_unit(unit)
    if unit in _KG_PER_MASS_UNIT:
        return _KG_PER_MASS_UNIT[unit]
    if unit in _LITRES_PER_VOLUME_UNIT:
        density = _WATER_KG_PER_L if density_kg_per_l is None else density_kg_per_l
        _require(density, field="density_kg_per_l", what="Density", allow_zero=False)
        return _EXACT.multiply(_LITRES_PER_VOLUME_UNIT[unit], density)
    if tablet_weight_mg is None:
        raise ValidationError(
            "A tablet weight (mg per tablet) is needed to convert tablets to kg", field="unit"
        )
    _require(tablet_weight_mg, field="tablet_weight_mg", what="Tablet weight", allow_zero=False)
    return _EXACT.multiply(tablet_weight_mg, _KG_PER_MG)


def to_kg(
    quantity: Decimal,
    unit: str,
    *,
    density_kg_per_l: Decimal | None = None,
    tablet_weight_mg: Decimal | None = None,
) -> Decimal:
    """`quantity` in `unit` as an exact mass in kg.

    Liquids count at 1 kg/L unless `density_kg_per_l` is given; tablets need `tablet_weight_mg`.
    Raises ValidationError for a negative quantity (field "net_quantity"), an unknown unit or a
    tablet count without a tablet weight (field "unit").
    """
    _require(quantity, field="net_quantity", what="Quantity")
    return _EXACT.multiply(quantity, _kg_per_unit(unit, density_kg_per_l, tablet_weight_mg))


def from_kg(
    kg: Decimal,
    unit: str,
    *,
    density_kg_per_l: Decimal | None = None,
    tablet_weight_mg: Decimal | None = None,
) -> Decimal:
    """A mass in kg expressed in `unit` (the inverse of `to_kg`), to 40 significant digits."""
    _require(kg, field="net_quantity", what="Quantity")
    return _ROUNDED.divide(kg, _kg_per_unit(unit, density_kg_per_l, tablet_weight_mg))


def pure_kg(net_kg: Decimal, purity_percent: Decimal | None) -> Decimal | None:
    """Pure mass = net mass x purity / 100, exactly; None when the purity is not known.

    Raises ValidationError(field="purity_percent") unless 0 <= purity <= 100.
    """
    _require(net_kg, field="net_quantity", what="Net mass")
    if purity_percent is None:
        return None
    if not purity_percent.is_finite() or not 0 <= purity_percent <= 100:
        raise ValidationError(
            f"Purity must be between 0 and 100 %, not {purity_percent}", field="purity_percent"
        )
    return _EXACT.multiply(net_kg, purity_percent).scaleb(-2, context=_EXACT)


def fentanyl_lethal_doses(pure_kg: Decimal, dose_mg: Decimal = LETHAL_DOSE_MG) -> int:
    """Potentially lethal doses in `pure_kg` of fentanyl: floor(pure mg / dose mg).

    1 kg pure at the DEA's 2 mg gives 500,000. The report must say which dose it used.
    """
    _require(pure_kg, field="pure_kg", what="Pure mass")
    _require(dose_mg, field="dose_mg", what="Dose", allow_zero=False)
    pure_mg = pure_kg.scaleb(6, context=_EXACT)
    # divide_int computes the integer part exactly (no rounding up from 499999.99...).
    return int(_ROUNDED.divide_int(pure_mg, dose_mg))


@dataclass(frozen=True)
class YieldFactor:
    """How much fentanyl a precursor can give at 100 % yield (a row of fentanyl_yield.csv)."""

    precursor: str
    cas: str
    molar_mass: Decimal
    mass_ratio: Decimal  # kg fentanyl per kg pure precursor at 100 % yield
    steps: int  # synthesis steps from this precursor to fentanyl
    route_note: str


def _yield_factor(row: dict[str, str]) -> YieldFactor:
    molar_mass = decimal_cell(row["molar_mass_g_mol"])
    ratio = decimal_cell(row["mass_ratio_fentanyl_per_precursor_at_100pct"])
    steps = row["synthesis_steps_to_fentanyl"]
    if molar_mass is None or ratio is None or not steps.isdigit():
        raise ValidationError("molar mass, mass ratio and synthesis steps are all needed")
    _require(ratio, field="mass_ratio", what="Mass ratio", allow_zero=False)
    return YieldFactor(
        precursor=row["precursor"],
        cas=check_cas(row["cas"]),
        molar_mass=molar_mass,
        mass_ratio=ratio,
        steps=int(steps),
        route_note=row["route_note"],
    )


def load_yield_factors(reference_dir: Path) -> dict[str, YieldFactor]:
    """The rows of `reference_dir`/fentanyl_yield.csv keyed by canonical CAS number.

    Raises ValidationError naming the file and line of a bad or repeated row.
    """
    factors: dict[str, YieldFactor] = {}
    path = reference_dir / "fentanyl_yield.csv"
    for factor in read_reference_csv(path, _yield_factor):
        if factor.cas in factors:
            raise ValidationError(f"{path.name}: CAS {factor.cas} appears twice", field="cas")
        factors[factor.cas] = factor
    return factors


def theoretical_fentanyl_kg(
    precursor_pure_kg: Decimal,
    mass_ratio: Decimal,
    route_yield: Decimal = DEFAULT_ROUTE_YIELD,
) -> Decimal:
    """Fentanyl that `precursor_pure_kg` could make: pure kg x mass ratio x route yield, exactly.

    Raises ValidationError(field="route_yield") unless 0 < route_yield <= 1.
    """
    _require(precursor_pure_kg, field="pure_kg", what="Pure mass")
    _require(mass_ratio, field="mass_ratio", what="Mass ratio", allow_zero=False)
    if not route_yield.is_finite() or not 0 < route_yield <= 1:
        raise ValidationError(
            f"Route yield must be more than 0 and at most 1, not {route_yield}", field="route_yield"
        )
    return _EXACT.multiply(_EXACT.multiply(precursor_pure_kg, mass_ratio), route_yield)


def round_kg(value: Decimal, places: int = 3) -> Decimal:
    """`value` rounded to `places` decimals, half to even, for display only."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=_ROUNDED)


@dataclass(frozen=True)
class QuantityTotal:
    """Totals for one substance. `pure_kg` covers only the `purity_known` seizures."""

    seizures: int
    net_kg: Decimal
    pure_kg: Decimal
    purity_known: int


SubstanceTotal = QuantityTotal  # the name used by the report code


def total_by_substance(
    items: Iterable[tuple[str, Decimal, Decimal | None]],
) -> dict[str, QuantityTotal]:
    """Totals per substance from (substance key, net kg, purity % or None) items.

    Sums are exact, so the result does not depend on the order of the items; round for display
    with `round_kg`. Raises ValidationError for a negative mass or a purity outside 0-100.
    """
    totals: dict[str, QuantityTotal] = {}
    zero = QuantityTotal(seizures=0, net_kg=Decimal(0), pure_kg=Decimal(0), purity_known=0)
    for substance, net_kg, purity_percent in items:
        pure = pure_kg(net_kg, purity_percent)
        old = totals.get(substance, zero)
        totals[substance] = QuantityTotal(
            seizures=old.seizures + 1,
            net_kg=_EXACT.add(old.net_kg, net_kg),
            pure_kg=old.pure_kg if pure is None else _EXACT.add(old.pure_kg, pure),
            purity_known=old.purity_known + (pure is not None),
        )
    return totals
