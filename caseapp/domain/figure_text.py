"""The sentences that state a case's key figures: one wording for `case show`, the Overview
and the report, each saying what it counts, what it leaves out and what it assumes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caseapp.domain.basis import Route
from caseapp.domain.display import count_text, estimate_text, mass_text
from caseapp.domain.figures import CaseFigures, SubstanceFigure
from caseapp.domain.quantities import YieldFactor
from caseapp.domain.words import plural


def _pct(value: Decimal) -> str:
    return f"{value * 100:f}".rstrip("0").rstrip(".") + " %"


def _all_fentanyl(n: int) -> str:
    return "the one fentanyl seizure" if n == 1 else f"all {n:,} fentanyl seizures"


def unknown_purity_note(f: SubstanceFigure) -> str:
    """"purity unknown for 1 of 2 seizures, 28.3 g net" ("" when every purity is known)."""
    if not f.purity_unknown:
        return ""
    return (f"purity unknown for {f.purity_unknown} of {plural(f.weighed, 'seizure')}, "
            f"{mass_text(f.net_purity_unknown_kg)} net")


def base_note(f: SubstanceFigure) -> str:
    """"as base (x 0.6453)" for a salt form; "" otherwise."""
    if f.base_factor is None:
        return ""
    return f"as base {f.base_cas}: salt mass x {f.base_factor:.4f}"


def pure_text(f: SubstanceFigure) -> str:
    """The pure mass of one substance: "at least 55.2 g", "254 kg", "unknown"."""
    if not f.purity_known:
        return "unknown"
    return ("at least " if f.purity_unknown else "") + mass_text(f.pure_kg)


def substance_line(f: SubstanceFigure) -> str:
    """One substance for `case show`: counts, net, pure (and on what basis)."""
    parts = [f"{f.substance} ({f.cas or 'no CAS'}): {f.seizures} seizure"
             f"{'s' if f.seizures != 1 else ''}, net {mass_text(f.net_kg)}",
             f"pure {pure_text(f)}"]
    extra = [x for x in (base_note(f), unknown_purity_note(f)) if x]
    if f.mass_unknown:
        extra.append(f"{f.mass_unknown} counted, not weighed (no tablet weight)")
    extra += f.conversions
    return ", ".join(parts) + (f" ({'; '.join(extra)})" if extra else "")


def fentanyl_pure_line(fig: CaseFigures) -> str:
    """Pure fentanyl (base) seized, over the seizures whose purity is known."""
    if not fig.fentanyl_seizures:
        return "no fentanyl seized"
    known = fig.fentanyl_seizures - fig.fentanyl_purity_unknown
    if not known:
        return (f"unknown: purity unknown for {_all_fentanyl(fig.fentanyl_seizures)}, "
                f"{mass_text(fig.fentanyl_unknown_net_kg)} net")
    text = mass_text(fig.fentanyl_pure_kg) + " as base"
    if fig.fentanyl_purity_unknown:
        text = (f"at least {text}; purity unknown for {fig.fentanyl_purity_unknown} of "
                f"{plural(fig.fentanyl_seizures, 'seizure')}, "
                f"{mass_text(fig.fentanyl_unknown_net_kg)} "
                "net")
    return text


def doses_line(fig: CaseFigures) -> str:
    """Potentially lethal doses: fentanyl only, at the DEA's 2 mg, with "at least" when some
    purity is unknown."""
    dose = f"{fig.lethal_dose_mg.normalize():f} mg"
    if not fig.fentanyl_seizures:
        return f"none (no fentanyl seized; counts fentanyl only, not analogues; {dose} each)"
    known = fig.fentanyl_seizures - fig.fentanyl_purity_unknown
    if not known:
        return (f"unknown (purity unknown for {_all_fentanyl(fig.fentanyl_seizures)}; "
                f"{dose} each)")
    lead = "at least " if fig.fentanyl_purity_unknown else ""
    return (f"{lead}{count_text(fig.fentanyl_lethal_doses)} at {dose} each (pure mg / {dose}, "
            "rounded down; fentanyl and its salts only, not analogues; 2 mg: DEA, "
            "domain-notes S30/S31)")


def route_yield_text(fig: CaseFigures) -> str:
    return f"route yield {fig.route_yield.normalize():f} ({_pct(fig.route_yield)}, " \
           f"{fig.route_yield_source})"


def yield_line(fig: CaseFigures) -> str:
    """Theoretical fentanyl from the precursors, the assumption for unknown purity on the same
    line."""
    has = any(f.route_yield is not None for f in fig.substances)
    if not has:
        return "none (no fentanyl precursors seized)"
    text = f"{estimate_text(fig.fentanyl_yield_kg)} at {route_yield_text(fig)}"
    if fig.yield_unknown_seizures:
        text += (f"; plus up to {estimate_text(fig.yield_unknown_kg)} more if the "
                 f"{fig.yield_unknown_seizures} precursor seizure"
                 f"{'s' if fig.yield_unknown_seizures != 1 else ''} of unknown purity "
                 f"({mass_text(fig.yield_unknown_net_kg)} net) were 100 % pure (an assumed "
                 "upper bound, not counted above)")
    return text


@dataclass(frozen=True)
class YieldRow:
    """One precursor's share of the theoretical yield, printed in the total's unit and step."""

    figure: SubstanceFigure
    factor: YieldFactor
    route: Route | None
    shown: str


def yield_rows(fig: CaseFigures) -> tuple[str, list[YieldRow]]:
    """The printed total and the rows of the theoretical yield, by precursor name (each
    rounded from its exact value)."""
    rows = []
    for f in sorted(fig.substances, key=lambda f: f.substance):
        base = f.base_cas or f.cas or ""
        factor = fig.basis.yield_factors.get(base)
        if factor is not None and f.route_yield is not None:
            rows.append((f, factor, fig.basis.routes.get(base)))
    return estimate_text(fig.fentanyl_yield_kg), [
        YieldRow(f, factor, route, estimate_text(f.yield_kg) if f.purity_known else "none")
        for f, factor, route in rows]


def yield_row_text(row: YieldRow) -> str:
    f, route = row.figure, row.route
    how = (f"pure {mass_text(f.pure_kg)} x mass ratio {row.factor.mass_ratio} x route yield "
           f"{f.route_yield}" if f.purity_known else "no seizure of known purity")
    steps = f"{route.steps} step{'s' if route.steps != 1 else ''}, {route.route}" if route else ""
    extra = (f"; up to {estimate_text(f.yield_unknown_kg)} more at 100 % for "
             f"{f.yield_unknown_seizures} of unknown purity" if f.yield_unknown_seizures else "")
    return f"{f.substance}: {row.shown} ({how}{'; ' + steps if steps else ''}{extra})"
