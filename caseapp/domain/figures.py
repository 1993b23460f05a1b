"""Key figures of a case: the numbers the Overview, `case show` and reports print.

`figures_from_groups` is the one computation, over seizures summed per group (the services'
SQL aggregate, or `group_seizures` over records). Each figure keeps the exhibit refs it was
computed from, so a report can cite its sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal

from caseapp.domain.basis import WATER_DENSITY_NOTE, FigureBasis, salt_key
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
# A salt's base mass (x molar-mass ratio) is the one inexact step: 40 digits, far beyond print.
_ROUND = Context(prec=80, rounding=ROUND_HALF_EVEN)
YIELD_NOTE = ("precursor pure kg (as base) x fentanyl/precursor molar-mass ratio x route yield, "
              "over the precursor seizures of known purity; those of unknown purity are shown "
              "apart, as an upper bound if they were 100 % pure")


@dataclass
class SubstanceFigure:
    """Totals for one substance seized in a case.

    `pure_kg` is the pure mass as base (a salt's pure mass x its base factor) over the
    `purity_known` seizures; `net_purity_unknown_kg` is the net mass of the others.
    """

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
    kind: str | None = None
    net_purity_unknown_kg: Decimal = Decimal(0)
    # A salt form: the base it is counted as and kg base per kg salt.
    base_cas: str | None = None
    base_factor: Decimal | None = None
    # How volumes became masses: "seizure density 1.1 kg/L", "catalogue density ...", ...
    conversions: list[str] = field(default_factory=list)
    # The part of yield_kg from seizures of unknown purity counted as 100 % pure is NOT in
    # yield_kg: it is yield_unknown_kg, an upper bound printed beside it.
    yield_unknown_kg: Decimal = Decimal(0)
    yield_unknown_seizures: int = 0
    route_yield: Decimal | None = None
    route_yield_source: str = ""

    @property
    def weighed(self) -> int:
        return self.seizures - self.mass_unknown

    @property
    def purity_unknown(self) -> int:
        return self.weighed - self.purity_known


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
    yield_note: str = YIELD_NOTE
    basis: FigureBasis = field(default_factory=FigureBasis)
    # Fentanyl (and its salts, as base) seizures weighed, and those of unknown purity.
    fentanyl_seizures: int = 0
    fentanyl_purity_unknown: int = 0
    fentanyl_unknown_net_kg: Decimal = Decimal(0)
    # Theoretical yield if the precursor seizures of unknown purity were 100 % pure: an upper
    # bound on top of fentanyl_yield_kg, never added to it silently.
    yield_unknown_kg: Decimal = Decimal(0)
    yield_unknown_seizures: int = 0
    yield_unknown_net_kg: Decimal = Decimal(0)
    route_yield_source: str = ""


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


def seizure_net_kg(s: SeizureRecord | SeizureGroup,
                   density_kg_per_l: Decimal | None = None) -> Decimal | None:
    """Net mass in kg, or None for tablets without a stated tablet weight.

    `density_kg_per_l` (a catalogue density) is used for a volume without its own density.
    """
    try:
        return to_kg(s.net_quantity, s.unit,
                     density_kg_per_l=s.density_kg_per_l if s.density_kg_per_l is not None
                     else density_kg_per_l,
                     tablet_weight_mg=s.tablet_weight_mg)
    except ValidationError:
        return None


def conversion_note(s: SeizureRecord | SeizureGroup, basis: FigureBasis,
                    cas: str | None) -> str:
    """How `s`'s quantity became a mass ("" for a mass), with the source of a density."""
    if s.unit in ("mL", "L"):
        if s.density_kg_per_l is not None:
            return f"density {s.density_kg_per_l} kg/L (recorded with the seizure)"
        known = basis.densities.get(cas or "")
        if known is not None:
            return f"density {known.kg_per_l} kg/L (catalogue: {known.source})"
        return WATER_DENSITY_NOTE
    if s.unit == "tablets":
        if s.tablet_weight_mg is None:
            return "tablets without a tablet weight: counted, not weighed"
        return f"tablet weight {s.tablet_weight_mg} mg (recorded with the seizure)"
    return ""


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


def _basis(factors: Mapping[str, YieldFactor] | FigureBasis, route_yield: Decimal | None,
           lethal_dose_mg: Decimal | None) -> FigureBasis:
    basis = factors if isinstance(factors, FigureBasis) else FigureBasis(yield_factors=factors)
    if route_yield is not None:
        basis = basis.with_route_yield(route_yield)
    if lethal_dose_mg is not None:
        basis = replace(basis, lethal_dose_mg=lethal_dose_mg)
    return basis


def compute_figures(
    seizures: Sequence[SeizureRecord],
    substances: Mapping[str, SubstanceRecord],
    basis: Mapping[str, YieldFactor] | FigureBasis,
    *,
    route_yield: Decimal | None = None,
    lethal_dose_mg: Decimal | None = None,
) -> CaseFigures:
    """Totals per substance, fentanyl doses and theoretical yield from live seizures."""
    return figures_from_groups(group_seizures(seizures), substances, basis,
                               route_yield=route_yield, lethal_dose_mg=lethal_dose_mg)


def figures_from_groups(
    groups: Iterable[SeizureGroup],
    substances: Mapping[str, SubstanceRecord],
    basis: Mapping[str, YieldFactor] | FigureBasis,
    *,
    route_yield: Decimal | None = None,
    lethal_dose_mg: Decimal | None = None,
) -> CaseFigures:
    """Totals per substance, fentanyl doses and theoretical yield from seizure groups.

    The one computation of a case's key figures; exhibit lists come out sorted by ref.
    `basis` is a `FigureBasis` (or, for tests, just the yield factors); `route_yield` and
    `lethal_dose_mg` override it.
    """
    b = _basis(basis, route_yield, lethal_dose_mg)
    per: dict[str, SubstanceFigure] = {}
    fent_pure, yield_kg, unknown_yield, unknown_net = (Decimal(0),) * 4
    fent_unknown_net = Decimal(0)
    fent_n = fent_unknown = unknown_yield_n = 0
    fent_ex: list[str] = []
    yield_ex: list[str] = []
    route_yields: dict[Decimal, str] = {}
    for g in groups:
        sub = substances.get(g.substance)
        cas = sub.cas if sub else None
        salt = b.salts.get(salt_key(cas, sub.name)) if sub else None
        base_cas = salt.base_cas if salt else cas
        fig = per.get(g.substance)
        if fig is None:
            fig = per[g.substance] = SubstanceFigure(
                g.substance, sub.name if sub else g.substance, cas,
                kind=sub.kind if sub else None,
                base_cas=salt.base_cas if salt else None,
                base_factor=salt.base_factor if salt else None)
        fig.seizures += g.seizures
        fig.exhibits += g.exhibits
        note = conversion_note(g, b, cas)
        if note and note not in fig.conversions:
            fig.conversions.append(note)
        density = b.densities.get(cas or "")
        net = seizure_net_kg(g, density.kg_per_l if density else None)
        if net is None:
            fig.mass_unknown += g.seizures
            continue
        fig.net_kg = _ROUND.add(fig.net_kg, net)
        pure = pure_kg(net, g.purity_percent)
        factor = salt.base_factor if salt else Decimal(1)
        if pure is not None:
            pure = _ROUND.multiply(pure, factor) if salt else pure
            fig.pure_kg = _ROUND.add(fig.pure_kg, pure)
            fig.purity_known += g.seizures
        else:
            fig.net_purity_unknown_kg = _ROUND.add(fig.net_purity_unknown_kg, net)
        if base_cas == FENTANYL_CAS:
            fent_n += g.seizures
            if pure is not None:
                fent_pure = _ROUND.add(fent_pure, pure)
                fent_ex += g.exhibits
            else:
                fent_unknown += g.seizures
                fent_unknown_net = _ROUND.add(fent_unknown_net, net)
        yf = b.yield_factors.get(base_cas or "")
        if yf is not None:
            ry, ry_source = b.route_yield(yf.cas)
            route_yields.setdefault(ry, ry_source)
            fig.route_yield, fig.route_yield_source = ry, ry_source
            if pure is not None:
                made = theoretical_fentanyl_kg(pure, yf.mass_ratio, ry)
                fig.yield_kg = _ROUND.add(fig.yield_kg, made)
                fig.yield_exhibits += g.exhibits
                yield_kg = _ROUND.add(yield_kg, made)
                yield_ex += g.exhibits
            else:
                base_net = _ROUND.multiply(net, factor) if salt else net
                made = theoretical_fentanyl_kg(base_net, yf.mass_ratio, ry)
                fig.yield_unknown_kg = _ROUND.add(fig.yield_unknown_kg, made)
                fig.yield_unknown_seizures += g.seizures
                unknown_yield = _ROUND.add(unknown_yield, made)
                unknown_yield_n += g.seizures
                unknown_net = _ROUND.add(unknown_net, net)
    for fig in per.values():
        fig.exhibits.sort()
        fig.yield_exhibits.sort()
    ordered = sorted(per.values(), key=lambda f: (-f.net_kg, f.substance, f.substance_uid))
    if len(route_yields) == 1:
        ((ry, ry_source),) = route_yields.items()
    elif route_yields:
        ry, ry_source = max(route_yields), "route table: differs by precursor (see each row)"
    else:
        ry, ry_source = b.route_yield("")
    return CaseFigures(
        ordered, fent_pure, fentanyl_lethal_doses(fent_pure, b.lethal_dose_mg),
        sorted(fent_ex), yield_kg, sorted(yield_ex), b.lethal_dose_mg, ry, YIELD_NOTE, b,
        fentanyl_seizures=fent_n, fentanyl_purity_unknown=fent_unknown,
        fentanyl_unknown_net_kg=fent_unknown_net, yield_unknown_kg=unknown_yield,
        yield_unknown_seizures=unknown_yield_n, yield_unknown_net_kg=unknown_net,
        route_yield_source=ry_source)
