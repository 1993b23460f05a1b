"""Key figures: totals per substance, fentanyl doses and yield, shipments and companies.

Every number comes from the case's figures (`CaseService.figures`, the same the Overview and
`case show` print) and cites the records it was computed from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from caseapp.reports.cells import Cell, Sources, cell, data_table, header
from caseapp.reports.data import CaseDetail
from caseapp.reports.styles import BODY, H1, H2, SMALL, kg, label, number

NUMS = (2, 3, 4, 5)


def substance_table(data: CaseDetail, sources: Sources) -> list[Flowable]:
    fig = data.figures
    rows: list[list[Cell]] = [header("Substance", "CAS", "Seizures", "Net kg", "Pure kg",
                                     "With purity", "Sources", numeric=NUMS)]
    for f in fig.substances:
        weighed = f.seizures - f.mass_unknown
        rows.append([cell(f.substance), cell(f.cas or "none"), number(f.seizures),
                     kg(f.net_kg), kg(f.pure_kg) if f.purity_known else "unknown",
                     f"{f.purity_known} of {weighed}", sources.cite(f"{f.substance}", f.exhibits)])
    total_net = sum((f.net_kg for f in fig.substances), Decimal(0))
    total_pure = sum((f.pure_kg for f in fig.substances), Decimal(0))
    known = sum(f.purity_known for f in fig.substances)
    weighed = sum(f.seizures - f.mass_unknown for f in fig.substances)
    rows.append(["Total", "", number(len(data.seizures)), kg(total_net), kg(total_pure),
                 f"{known} of {weighed}", ""])
    out: list[Flowable] = [data_table(rows, [30, 13, 11, 14, 14, 12, 30], total_row=True,
                                      numeric=NUMS, long=False)]
    unweighed = sum(f.mass_unknown for f in fig.substances)
    note = ("Pure kg = net kg × purity, summed over the seizures whose purity is known (column "
            "'With purity'); the others count in net kg only.")
    if unweighed:
        note += (f" {unweighed:,} tablet seizures without a tablet weight are counted but not "
                 "weighed.")
    out.append(Paragraph(note, SMALL))
    return out


def _yield_rows(data: CaseDetail, sources: Sources) -> list[list[Cell]]:
    fig = data.figures
    rows: list[list[Cell]] = []
    for f in sorted(fig.substances, key=lambda f: f.substance):
        factor = data.yield_factors.get(f.cas or "")
        if factor is None:
            continue
        rows.append([cell(f.substance), number(factor.mass_ratio), number(fig.route_yield),
                     kg(f.yield_kg), sources.cite(f"yield from {f.substance}",
                                                  f.yield_exhibits)])
    return rows


def fentanyl_section(data: CaseDetail, sources: Sources) -> list[Flowable]:
    fig = data.figures
    rows: list[list[Cell]] = [header("Figure", "Value", "How it is computed", "Sources",
                                     numeric=(1,))]
    rows.append([cell("Fentanyl seized, pure"), f"{kg(fig.fentanyl_pure_kg)} kg",
                 cell("net kg × purity, fentanyl seizures with known purity"),
                 sources.cite("fentanyl pure kg", fig.fentanyl_exhibits)])
    rows.append([cell("Potentially lethal doses"), number(fig.fentanyl_lethal_doses),
                 cell(f"pure mg ÷ {number(fig.lethal_dose_mg)} mg, rounded down. Assumption: "
                      f"about {number(fig.lethal_dose_mg)} mg of fentanyl can be a lethal dose "
                      "(DEA figure)."),
                 sources.cite("lethal doses", fig.fentanyl_exhibits)])
    rows.append([cell("Theoretical fentanyl yield of the precursors seized"),
                 f"{kg(fig.fentanyl_yield_kg)} kg",
                 cell(f"{fig.yield_note}. Assumed route yield: {number(fig.route_yield)} "
                      f"({number(fig.route_yield * 100)} %), an adjustable assumption, not a "
                      "measured figure."),
                 sources.cite("theoretical yield", fig.yield_exhibits)])
    out: list[Flowable] = [data_table(rows, [26, 14, 40, 26], numeric=(1,), long=False)]
    yield_rows = _yield_rows(data, sources)
    if yield_rows:
        out += [Paragraph("Theoretical yield by precursor", H2), data_table(
            [header("Precursor", "Mass ratio (fentanyl / precursor, 100 %)", "Route yield",
                    "Fentanyl kg", "Sources", numeric=(1, 2, 3)), *yield_rows],
            [30, 18, 10, 12, 30], numeric=(1, 2, 3), long=False)]
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
