"""Key figures: totals per substance, fentanyl doses and yield, shipments and companies.

Every number comes from the case's figures (`CaseService.figures`, the same the Overview and
`case show` print) and cites the records it was computed from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from caseapp.domain.display import ROUNDING_RULE, estimate_text, mass_text
from caseapp.domain.figure_text import (
    base_note,
    doses_line,
    fentanyl_pure_line,
    pure_text,
    route_yield_text,
    unknown_purity_note,
    yield_line,
    yield_rows,
)
from caseapp.reports.cells import Cell, Sources, cell, data_table, header
from caseapp.reports.data import CaseDetail
from caseapp.reports.styles import BODY, H1, H2, SMALL, label, number
from caseapp.reports.text import markup

NUMS = (3, 4, 5)


def substance_table(data: CaseDetail, sources: Sources) -> list[Flowable]:
    """Net and pure mass per substance. No total row: adding fentanyl, precursors and reagents
    into one mass means nothing."""
    fig = data.figures
    rows: list[list[Cell]] = [header("Substance", "CAS", "Kind", "Net", "Pure", "Purity known",
                                     "Sources", numeric=NUMS)]
    notes: list[str] = []
    for f in fig.substances:
        rows.append([cell(f.substance), cell(f.cas or "none"), cell(label(f.kind)),
                     mass_text(f.net_kg), cell(pure_text(f)),
                     f"{f.purity_known} of {f.weighed}", sources.cite(f"{f.substance}",
                                                                      f.exhibits)])
        extra = [x for x in (base_note(f), unknown_purity_note(f), *f.conversions) if x]
        if f.mass_unknown:
            extra.append(f"{f.mass_unknown} counted, not weighed (no tablet weight)")
        if extra:
            notes.append(f"{f.substance}: {'; '.join(extra)}.")
    out: list[Flowable] = [data_table(rows, [30, 13, 11, 10, 14, 11, 30], numeric=NUMS,
                                      long=False)]
    note = ("Pure = net × purity, summed over the seizures whose purity is known (column "
            "'Purity known'); \"at least\" where some purity is unknown, whose net mass is given "
            "below. A salt form's pure mass is given as its base. No total across substances: "
            "drugs, precursors and reagents do not add up. ")
    out.append(Paragraph(markup(note + " ".join(notes)), SMALL))
    return out


def _yield_rows(data: CaseDetail, sources: Sources) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for row in yield_rows(data.figures)[1]:
        f, route = row.figure, row.route
        rows.append([cell(f.substance), cell(pure_text(f)), number(row.factor.mass_ratio),
                     cell(f"{route.route}, {route.steps} step{'s' if route.steps != 1 else ''}"
                          if route else "not in the route table"),
                     number(f.route_yield),
                     cell(row.shown + (f"; up to {estimate_text(f.yield_unknown_kg)} more if "
                                       f"the {f.yield_unknown_seizures} of unknown purity "
                                       "were 100 % pure" if f.yield_unknown_seizures else "")),
                     sources.cite(f"yield from {f.substance}", f.yield_exhibits)])
    return rows


def fentanyl_section(data: CaseDetail, sources: Sources) -> list[Flowable]:
    fig = data.figures
    rows: list[list[Cell]] = [header("Figure", "Value", "How it is computed", "Sources")]
    rows.append([cell("Fentanyl seized, pure (as base)"), cell(fentanyl_pure_line(fig)),
                 cell("net × purity, fentanyl and fentanyl-salt seizures of known purity "
                      "(salts × base/salt molar-mass ratio)"),
                 sources.cite("fentanyl pure mass", fig.fentanyl_exhibits)])
    rows.append([cell("Potentially lethal doses"), cell(doses_line(fig)),
                 cell(f"pure mg ÷ {number(fig.lethal_dose_mg)} mg, rounded down. Fixed figure "
                      f"(not adjustable): {fig.basis.lethal_dose_source}."),
                 sources.cite("lethal doses", fig.fentanyl_exhibits)])
    rows.append([cell("Theoretical fentanyl yield of the precursors seized"),
                 cell(yield_line(fig)),
                 cell(f"{fig.yield_note}. The route yield is an assumption, not a measured "
                      "figure; it can be set per case (caseapp edit case REF route_yield=0.3, "
                      "or Edit case in the window)."),
                 sources.cite("theoretical yield", fig.yield_exhibits)])
    out: list[Flowable] = [data_table(rows, [22, 30, 36, 18], long=False)]
    yield_rows_ = _yield_rows(data, sources)
    if yield_rows_:
        out += [Paragraph("Theoretical yield by precursor", H2), data_table(
            [header("Precursor", "Pure (as base)", "Mass ratio", "Route", "Route yield",
                    "Fentanyl", "Sources", numeric=(2, 4, 5)), *yield_rows_],
            [22, 12, 9, 22, 9, 11, 21], numeric=(2, 4, 5), long=False),
            Paragraph(markup(
                "Mass ratio: fentanyl / precursor molar masses at 100 % yield "
                "(resources/reference/fentanyl_yield.csv). Route and steps: "
                "resources/figures/routes.csv. Route yield used: "
                f"{route_yield_text(fig)}. {ROUNDING_RULE}"), SMALL)]
    return out


def _grouped(items: Iterable[tuple[str, str]], what: str, sources: Sources,
             heading: str, key_title: str) -> list[Flowable]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, ref in items:
        groups[key].append(ref)
    if not groups:
        return [Paragraph(heading, H2), Paragraph(f"No {what} recorded.", BODY)]
    rows: list[list[Cell]] = [header(key_title, what.capitalize(), "Sources", numeric=(1,))]
    for key, refs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows.append([cell(key), number(len(refs)), sources.cite(f"{what} {key}", sorted(refs))])
    return [KeepTogether([Paragraph(heading, H2), data_table(rows, [45, 12, 49], numeric=(1,), long=False)])]


def route_of(origin: str | None, transit: tuple[str, ...], destination: str | None) -> str:
    return " → ".join([origin or "?", *transit, destination or "?"])


def key_figures(data: CaseDetail, sources: Sources) -> list[Flowable]:
    """The key-figures section."""
    n = len(data.seizures)
    story: list[Flowable] = [
        Paragraph("Key figures", H1),
        Paragraph(f"Seizures recorded: <b>{n:,}</b>. Shipments: <b>{len(data.shipments):,}</b>. "
                  f"Companies: <b>{len(data.companies):,}</b>. Persons: "
                  f"<b>{len(data.persons):,}</b>. Links: <b>{len(data.links):,}</b>.", BODY),
        Paragraph("Quantities by substance", H2), *substance_table(data, sources),
        Paragraph("Fentanyl: doses and theoretical yield", H2), *fentanyl_section(data, sources),
    ]
    ships = data.shipments
    story += _grouped(((label(s.mode) or "not recorded", s.ref) for s in ships), "shipments",
                      sources, "Shipments by mode", "Mode")
    story += _grouped(((route_of(s.origin_country, s.transit_countries, s.destination_country),
                        s.ref) for s in ships), "shipments", sources,
                      "Shipments by route (origin → transit → destination)", "Route")
    story += _grouped(((c.country or "not recorded", c.name) for c in data.companies),
                      "companies", sources, "Companies by country", "Country")
    roles = ((label(r), c.name) for c in data.companies for r in (c.roles or ("none recorded",)))
    story += _grouped(roles, "companies", sources, "Companies by role", "Role")
    return story
