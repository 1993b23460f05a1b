"""Key figures of a case: the numbers the Overview, `case show` and reports print.

`figures_from_groups` is the one computation, over seizures summed per group (the services'
SQL aggregate, or `group_seizures` over records). Each figure keeps the exhibit refs it was
computed from, so a report can cite its sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    # Theoretical fentanyl from this substance (a precursor with a yield factor), and whence.
    yield_kg: Decimal = Decimal(0)
    yield_exhibits: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class SeizureGroup:
    """Live seizures sharing substance, unit, density, tablet weight and purity, summed.

    Net and pure kg are linear in the net quantity within a group, so the figures of the
    groups are the figures of the seizures: a million-row case is a few hundred groups.
    `exhibits` is empty when the caller did not ask for the sources.
    """

    substance: str
    unit: str
    density_kg_per_l: Decimal | None
    tablet_weight_mg: Decimal | None
    purity_percent: Decimal | None
    net_quantity: Decimal
    seizures: int
    exhibits: tuple[str, ...] = ()


def seizure_net_kg(s: SeizureRecord | SeizureGroup) -> Decimal | None:
    """Net mass in kg, or None for tablets without a stated tablet weight."""
    try:
        return to_kg(s.net_quantity, s.unit, density_kg_per_l=s.density_kg_per_l,
                     tablet_weight_mg=s.tablet_weight_mg)
    except ValidationError:
        return None


def group_seizures(seizures: Iterable[SeizureRecord]) -> list[SeizureGroup]:
    """The groups of the live seizures among `seizures` (what the SQL aggregate returns)."""
    groups: dict[tuple[object, ...], list[SeizureRecord]] = {}
    for s in seizures:
        if not s.deleted:
            key = (s.substance, s.unit, s.density_kg_per_l, s.tablet_weight_mg,
                   s.purity_percent)
            groups.setdefault(key, []).append(s)
    return [SeizureGroup(s[0].substance, s[0].unit, s[0].density_kg_per_l,
                         s[0].tablet_weight_mg, s[0].purity_percent,
                         sum((x.net_quantity for x in s), Decimal(0)), len(s),
                         tuple(x.exhibit_ref for x in s)) for s in groups.values()]


def compute_figures(
    seizures: Sequence[SeizureRecord],
    substances: Mapping[str, SubstanceRecord],
    yield_factors: Mapping[str, YieldFactor],
    *,
    route_yield: Decimal = DEFAULT_ROUTE_YIELD,
    lethal_dose_mg: Decimal = LETHAL_DOSE_MG,
) -> CaseFigures:
    """Totals per substance, fentanyl doses and theoretical yield from live seizures."""
    return figures_from_groups(group_seizures(seizures), substances, yield_factors,
                               route_yield=route_yield, lethal_dose_mg=lethal_dose_mg)


def figures_from_groups(
    groups: Iterable[SeizureGroup],
    substances: Mapping[str, SubstanceRecord],
    yield_factors: Mapping[str, YieldFactor],
    *,
    route_yield: Decimal = DEFAULT_ROUTE_YIELD,
    lethal_dose_mg: Decimal = LETHAL_DOSE_MG,
) -> CaseFigures:
    """Totals per substance, fentanyl doses and theoretical yield from seizure groups.

    The one computation of a case's key figures; exhibit lists come out sorted by ref.
    """
    per: dict[str, SubstanceFigure] = {}
    fent_pure, yield_kg = Decimal(0), Decimal(0)
    fent_ex: list[str] = []
    yield_ex: list[str] = []
    for g in groups:
        sub = substances.get(g.substance)
        fig = per.setdefault(g.substance, SubstanceFigure(
            g.substance, sub.name if sub else g.substance, sub.cas if sub else None))
        fig.seizures += g.seizures
        fig.exhibits += g.exhibits
        net = seizure_net_kg(g)
        if net is None:
            fig.mass_unknown += g.seizures
            continue
        fig.net_kg += net
        pure = pure_kg(net, g.purity_percent)
        if pure is not None:
            fig.pure_kg += pure
            fig.purity_known += g.seizures
        cas = sub.cas if sub else None
        if cas == FENTANYL_CAS and pure is not None:
            fent_pure += pure
            fent_ex += g.exhibits
        factor = yield_factors.get(cas or "")
        if factor is not None:
            made = theoretical_fentanyl_kg(pure if pure is not None else net,
                                           factor.mass_ratio, route_yield)
            fig.yield_kg += made
            fig.yield_exhibits += g.exhibits
            yield_kg += made
            yield_ex += g.exhibits
    for fig in per.values():
        fig.exhibits.sort()
        fig.yield_exhibits.sort()
    ordered = sorted(per.values(), key=lambda f: (-f.net_kg, f.substance, f.substance_uid))
    return CaseFigures(ordered, fent_pure, fentanyl_lethal_doses(fent_pure, lethal_dose_mg),
                       sorted(fent_ex), yield_kg, sorted(yield_ex), lethal_dose_mg, route_yield)
