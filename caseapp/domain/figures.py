"""Key figures of a case, computed from records only: the numbers `case show` and reports print.

Each figure keeps the exhibit refs it was computed from, so a report can cite its sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from caseapp.domain.quantities import (
    DEFAULT_ROUTE_YIELD,
    LETHAL_DOSE_MG,
    YieldFactor,
    fentanyl_lethal_doses,
    pure_kg,
    theoretical_fentanyl_kg,
    to_kg,
)
from caseapp.domain.records import SeizureRecord, SubstanceRecord
from caseapp.errors import ValidationError

FENTANYL_CAS = "437-38-7"


@dataclass
class SubstanceFigure:
    """Totals for one substance seized in a case."""

    substance_uid: str
    substance: str
    cas: str | None
    seizures: int = 0
    net_kg: Decimal = Decimal(0)
    pure_kg: Decimal = Decimal(0)
    purity_known: int = 0
    mass_unknown: int = 0  # tablets without a tablet weight: counted, not weighed
    exhibits: list[str] = field(default_factory=list)


@dataclass
class CaseFigures:
    substances: list[SubstanceFigure]
    fentanyl_pure_kg: Decimal
    fentanyl_lethal_doses: int
    fentanyl_exhibits: list[str]
    fentanyl_yield_kg: Decimal
    yield_exhibits: list[str]
    lethal_dose_mg: Decimal = LETHAL_DOSE_MG
    route_yield: Decimal = DEFAULT_ROUTE_YIELD
    yield_note: str = ("precursor pure kg x fentanyl/precursor molar-mass ratio x route yield; "
                       "precursors without known purity are counted as 100 % pure")


def seizure_net_kg(s: SeizureRecord) -> Decimal | None:
    """Net mass in kg, or None for tablets without a stated tablet weight."""
    try:
        return to_kg(s.net_quantity, s.unit, density_kg_per_l=s.density_kg_per_l,
                     tablet_weight_mg=s.tablet_weight_mg)
    except ValidationError:
        return None


def compute_figures(
    seizures: Sequence[SeizureRecord],
    substances: Mapping[str, SubstanceRecord],
    yield_factors: Mapping[str, YieldFactor],
    *,
    route_yield: Decimal = DEFAULT_ROUTE_YIELD,
    lethal_dose_mg: Decimal = LETHAL_DOSE_MG,
) -> CaseFigures:
    """Totals per substance, fentanyl doses and theoretical yield from live seizures."""
    per: dict[str, SubstanceFigure] = {}
    fent_pure, fent_ex, yield_kg, yield_ex = Decimal(0), [], Decimal(0), []
    for s in sorted((s for s in seizures if not s.deleted), key=lambda s: s.exhibit_ref):
        sub = substances.get(s.substance)
        fig = per.setdefault(s.substance, SubstanceFigure(
            s.substance, sub.name if sub else s.substance, sub.cas if sub else None))
        fig.seizures += 1
        fig.exhibits.append(s.exhibit_ref)
        net = seizure_net_kg(s)
        if net is None:
            fig.mass_unknown += 1
            continue
        fig.net_kg += net
        pure = pure_kg(net, s.purity_percent)
        if pure is not None:
            fig.pure_kg += pure
            fig.purity_known += 1
        cas = sub.cas if sub else None
        if cas == FENTANYL_CAS and pure is not None:
            fent_pure += pure
            fent_ex.append(s.exhibit_ref)
        factor = yield_factors.get(cas or "")
        if factor is not None:
            yield_kg += theoretical_fentanyl_kg(pure if pure is not None else net,
                                                factor.mass_ratio, route_yield)
            yield_ex.append(s.exhibit_ref)
    ordered = sorted(per.values(), key=lambda f: (-f.net_kg, f.substance))
    return CaseFigures(ordered, fent_pure, fentanyl_lethal_doses(fent_pure, lethal_dose_mg),
                       fent_ex, yield_kg, yield_ex, lethal_dose_mg, route_yield)
