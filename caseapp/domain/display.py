"""How figures are printed: honest precision, one rounding rule for every output.

Masses print to 3 significant figures in the unit that keeps them readable (mg below 1 g, g
below 1 kg, kg above; whole kg are never rounded away). Estimates (lethal doses, theoretical
yields) print with "about": doses to 3 significant figures, yields to 2 (the route yield behind
them is a one-figure assumption). Each printed figure is rounded once, half to even, from its
exact value, a total from the exact sum of its rows (so it can differ from the sum of the printed
rows in its last digit). JSON output keeps the exact values beside these strings.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

ROUNDING_RULE = (
    "Masses are printed to 3 significant figures in mg, g or kg; estimates (doses, yields) "
    "with \"about\", doses to 3 and yields to 2 significant figures. Each figure is rounded "
    "once, half to even, from its exact value; a total from the exact sum of its rows, so it "
    "can differ from the sum of the printed rows in the last digit. JSON output "
    "(case show --json) carries the exact values.")
MASS_FIGURES = 3
DOSE_FIGURES = 3
YIELD_FIGURES = 2

_CTX = Context(prec=60, rounding=ROUND_HALF_EVEN)
_UNITS = (("kg", Decimal(1)), ("g", Decimal("0.001")), ("mg", Decimal("0.000001")))


def unit_for(kg: Decimal) -> tuple[str, Decimal]:
    """The unit a mass prints in (mg, g or kg) and its size in kg."""
    size = abs(kg)
    for unit, per in _UNITS:
        if size >= per:
            return unit, per
    return _UNITS[-1]


def quantum_for(value: Decimal, figures: int, *, keep_integer: bool) -> Decimal:
    """The step `value` rounds to for `figures` significant figures."""
    if value == 0:
        return Decimal(1)
    places = figures - 1 - value.adjusted()
    if keep_integer:
        places = max(places, 0)
    return Decimal(1).scaleb(-places)


def round_to(value: Decimal, quantum: Decimal) -> Decimal:
    """`value` rounded half to even to a multiple of `quantum`."""
    if quantum >= 1:
        steps = _CTX.divide(value, quantum).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return _CTX.multiply(steps, quantum).quantize(Decimal(1))
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN, context=_CTX)


def _number(value: Decimal) -> str:
    return f"{value:,f}"


def _in_unit(kg: Decimal, figures: int, keep_integer: bool) -> tuple[Decimal, str, Decimal]:
    """(rounded value, unit, quantum) of a mass, moving up a unit when rounding reaches 1,000."""
    unit, per = unit_for(kg)
    value = _CTX.divide(kg, per)
    quantum = quantum_for(value, figures, keep_integer=keep_integer)
    rounded = round_to(value, quantum)
    if unit != "kg" and abs(rounded) >= 1000:
        unit, per = _UNITS[[u for u, _p in _UNITS].index(unit) - 1]
        value = _CTX.divide(kg, per)
        # The value rounds to about 1 in the larger unit: its figures count from there.
        quantum = quantum_for(Decimal(1), figures, keep_integer=keep_integer)
        rounded = round_to(value, quantum)
    return rounded, unit, quantum


def mass_text(kg: Decimal | None, figures: int = MASS_FIGURES) -> str:
    """A measured mass: "400 mg", "55.2 g", "2.07 kg", "262 kg", "12,346 kg"."""
    if kg is None:
        return "unknown"
    if kg == 0:
        return "0 g"
    rounded, unit, _q = _in_unit(kg, figures, keep_integer=True)
    return f"{_number(rounded)} {unit}"


def estimate_text(kg: Decimal, figures: int = YIELD_FIGURES) -> str:
    """An estimated mass: "about 43 kg", "about 360 kg", "about 500 mg"."""
    if kg == 0:
        return "0 kg"
    rounded, unit, _q = _in_unit(kg, figures, keep_integer=False)
    return f"about {_number(rounded)} {unit}"


def count_text(n: int, figures: int = DOSE_FIGURES) -> str:
    """An estimated count: "about 27,600"; exact below 1,000 ("200")."""
    if n < 10 ** figures:
        return f"{n:,}"
    value = Decimal(n)
    return "about " + _number(round_to(value, quantum_for(value, figures, keep_integer=False)))
