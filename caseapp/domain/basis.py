"""What the key figures assume, each with its source: yield factors, routes, salt forms,
densities and the lethal dose.

`load_basis(resources_dir)` reads the shipped tables: `reference/fentanyl_yield.csv` (mass ratios)
and caseapp's own `figures/routes.csv`, `figures/salts.csv`, `figures/densities.csv`. A case may
set its own route yield (`FigureBasis.with_route_yield`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path

from caseapp.domain.quantities import (
    DEFAULT_ROUTE_YIELD,
    LETHAL_DOSE_MG,
    YieldFactor,
    load_yield_factors,
)
from caseapp.domain.substances import (
    check_cas,
    decimal_cell,
    lookup_key,
    read_reference_csv,
)
from caseapp.errors import ValidationError

_DIV = Context(prec=40, rounding=ROUND_HALF_EVEN)

LETHAL_DOSE_SOURCE = (
    "DEA public warning, Nov 2019: \"a lethal dose of fentanyl is estimated to be about two "
    "milligrams\" (domain-notes S30); US Attorney General, 3 Oct 2023: \"just two milligrams of "
    "fentanyl ... is a potentially lethal dose\" (S31)")
WATER_DENSITY_NOTE = "1 kg/L assumed (no density recorded or catalogued)"


@dataclass(frozen=True)
class Route:
    """A row of routes.csv: one precursor on one synthesis route to fentanyl."""

    route: str
    precursor: str
    cas: str
    steps: int
    overall_yield: Decimal
    source: str


@dataclass(frozen=True)
class SaltForm:
    """A salt (or hydrate) sold instead of the free base: figures count it as base."""

    name: str
    synonyms: tuple[str, ...]
    cas: str | None
    base_cas: str
    formula: str
    molar_mass: Decimal
    base_molar_mass: Decimal
    source: str

    @property
    def key(self) -> str:
        return salt_key(self.cas, self.name)

    @property
    def base_factor(self) -> Decimal:
        """kg of base per kg of salt: base molar mass / salt molar mass (40 digits)."""
        return _DIV.divide(self.base_molar_mass, self.molar_mass)


@dataclass(frozen=True)
class Density:
    name: str
    cas: str
    kg_per_l: Decimal
    source: str


def salt_key(cas: str | None, name: str) -> str:
    """How a substance is matched to its salt form: its CAS, else its name's lookup key."""
    return cas or "name:" + lookup_key(name)


@dataclass(frozen=True)
class FigureBasis:
    """Every assumption of the figures, with its source (printed by `case show` and reports)."""

    yield_factors: Mapping[str, YieldFactor] = field(default_factory=dict)
    routes: Mapping[str, Route] = field(default_factory=dict)  # by precursor CAS
    salts: Mapping[str, SaltForm] = field(default_factory=dict)  # by `salt_key`
    densities: Mapping[str, Density] = field(default_factory=dict)  # by CAS
    lethal_dose_mg: Decimal = LETHAL_DOSE_MG
    lethal_dose_source: str = LETHAL_DOSE_SOURCE
    case_route_yield: Decimal | None = None  # the case's own setting, when it has one

    def with_route_yield(self, value: Decimal | None) -> FigureBasis:
        return replace(self, case_route_yield=value)

    def route_yield(self, cas: str) -> tuple[Decimal, str]:
        """The overall route yield for a precursor and where it comes from."""
        if self.case_route_yield is not None:
            return self.case_route_yield, "set for this case"
        route = self.routes.get(cas)
        if route is None:
            return DEFAULT_ROUTE_YIELD, "caseapp assumption"
        return route.overall_yield, f"route table: {route.source}"


def _route(row: dict[str, str]) -> Route:
    value = decimal_cell(row["overall_yield"])
    steps = row["steps"]
    if value is None or not 0 < value <= 1:
        raise ValidationError("overall_yield must be more than 0 and at most 1")
    if not steps.isdigit():
        raise ValidationError("steps must be a whole number")
    return Route(row["route"], row["precursor"], check_cas(row["cas"]), int(steps), value,
                 row["source"] or "caseapp assumption")


def _salt(row: dict[str, str]) -> SaltForm:
    mass, base_mass = decimal_cell(row["molar_mass_g_mol"]), decimal_cell(
        row["base_molar_mass_g_mol"])
    if mass is None or base_mass is None or not 0 < base_mass < mass:
        raise ValidationError("a salt's molar mass must be more than its base's")
    return SaltForm(row["name"], tuple(s.strip() for s in row["synonyms"].split(";")
                                       if s.strip()),
                    check_cas(row["cas"]) if row["cas"] else None, check_cas(row["base_cas"]),
                    row["formula"], mass, base_mass, row["source"])


def _density(row: dict[str, str]) -> Density:
    value = decimal_cell(row["density_kg_per_l"])
    if value is None or not 0 < value < 25:
        raise ValidationError("density_kg_per_l must be a density in kg/L")
    if not row["source"]:
        raise ValidationError("every density needs a source")
    return Density(row["name"], check_cas(row["cas"]), value, row["source"])


def load_salts(figures_dir: Path) -> dict[str, SaltForm]:
    return {s.key: s for s in read_reference_csv(figures_dir / "salts.csv", _salt)}


def load_synonyms(figures_dir: Path) -> dict[str, tuple[str, ...]]:
    """Extra names investigators type, by CAS (added to the look-up index, not the records)."""
    out: dict[str, list[str]] = {}
    for cas, name in read_reference_csv(figures_dir / "synonyms.csv",
                                        lambda r: (check_cas(r["cas"]), r["synonym"])):
        out.setdefault(cas, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def load_basis(resources: Path) -> FigureBasis:
    """The shipped assumptions. Raises ValidationError naming a bad file and line."""
    figures_dir = resources / "figures"
    routes = {r.cas: r for r in read_reference_csv(figures_dir / "routes.csv", _route)}
    densities = {d.cas: d for d in read_reference_csv(figures_dir / "densities.csv", _density)}
    return FigureBasis(yield_factors=load_yield_factors(resources / "reference"),
                       routes=routes, salts=load_salts(figures_dir), densities=densities)
