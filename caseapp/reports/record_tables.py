"""The record tables (seizures, shipments, companies, persons, links) and the appendices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from reportlab.platypus import Flowable, Paragraph

from caseapp.domain.basis import salt_key
from caseapp.domain.display import ROUNDING_RULE, mass_text
from caseapp.domain.figures import seizure_net_kg
from caseapp.domain.matching import seen_line
from caseapp.domain.quantities import pure_kg
from caseapp.domain.records import SeizureRecord
from caseapp.domain.words import as_words
from caseapp.reports.cells import Cell, Sources, cell, data_table, header, lines_cell
from caseapp.reports.data import CaseDetail, ReportContext
from caseapp.reports.key_figures import route_of
from caseapp.reports.styles import BODY, H1, H2, SMALL, label, number

Progress = Callable[[str], None]
SEIZURE_NUMS = (4, 6)


def _none(title: str) -> list[Flowable]:
    return [Paragraph(title, H2), Paragraph("None recorded.", BODY)]


def _conversion(s: SeizureRecord, data: CaseDetail, cas: str | None) -> str:
    """How the entered quantity became a mass, in a few words (the full source of a catalogue
    density is under the key figures)."""
    if s.unit in ("mL", "L"):
        if s.density_kg_per_l is not None:
            return f"× {number(s.density_kg_per_l)} kg/L (recorded)"
        known = data.basis.densities.get(cas or "")
        return (f"× {number(known.kg_per_l)} kg/L (catalogue)" if known
                else "× 1 kg/L (assumed)")
    if s.unit == "tablets":
        return (f"× {number(s.tablet_weight_mg)} mg/tablet" if s.tablet_weight_mg is not None
                else "no tablet weight")
    return ""


def seizures_table(data: CaseDetail, step: Progress) -> list[Flowable]:
    if not data.seizures:
        return _none("Seizures")
    rows: list[Sequence[Cell]] = [header("Exhibit", "Seized (date, place)", "Substance (CAS)",
                                         "Entered (conversion)", "Net", "Purity (lab ref)",
                                         "Pure (as base)", numeric=SEIZURE_NUMS)]
    for i, s in enumerate(data.seizures):
        if i % 200 == 0:
            step("seizures table")
        sub = data.substances.get(s.substance)
        cas = sub.cas if sub else None
        salt = data.basis.salts.get(salt_key(cas, sub.name)) if sub else None
        density = data.basis.densities.get(cas or "")
        net = seizure_net_kg(s, density.kg_per_l if density else None)
        pure = pure_kg(net, s.purity_percent) if net is not None else None
        if pure is not None and salt is not None:
            pure = pure * salt.base_factor
        place = ", ".join(p for p in (s.place, s.country) if p)
        purity = f"{number(s.purity_percent)} %" if s.purity_percent is not None else "unknown"
        rows.append([cell(s.exhibit_ref), lines_cell(s.seized_on.isoformat(), place),
                     lines_cell(sub.name if sub else s.substance, cas),
                     lines_cell(f"{number(s.net_quantity)} {s.unit}",
                                _conversion(s, data, cas)),
                     mass_text(net) if net is not None else "not weighed",
                     lines_cell(purity, s.lab_ref),
                     mass_text(pure) if pure is not None else "unknown"])
    return [Paragraph("Seizures", H2), data_table(rows, [14, 20, 24, 15, 10, 16, 11],
                                                        numeric=SEIZURE_NUMS), Paragraph(
        "Entered: the quantity as recorded, and how it became a mass (volumes at the density "
        "shown, tablets at their tablet weight). Purity: as recorded, with the lab report it "
        "comes from. Pure = net × purity, as base for a salt form (× base/salt molar-mass "
        "ratio, see the key figures). " + ROUNDING_RULE, SMALL)]


def _found_in(data: CaseDetail) -> dict[str, set[str]]:
    """Substances found in each shipment: its seizures and its `contained` links."""
    found: dict[str, set[str]] = defaultdict(set)
    for s in data.seizures:
        if s.shipment:
            found[s.shipment].add(data.name_of("substance", s.substance))
    for link in data.links:
        if link.relation == "contained" and link.subject_kind == "shipment":
            found[link.subject].add(data.name_of("substance", link.object))
    return found


def shipments_table(data: CaseDetail) -> list[Flowable]:
    if not data.shipments:
        return _none("Shipments")
    found = _found_in(data)
    rows: list[Sequence[Cell]] = [header("Ref", "Tracking no.", "Mode", "Shipper → consignee",
                                         "Route", "Declared vs found")]
    for s in data.shipments:
        parties = (f"{data.name_of('company', s.shipper) or 'not recorded'} → "
                   f"{data.name_of('company', s.consignee) or 'not recorded'}")
        declared = s.declared_description or "nothing declared"
        if s.declared_hs_code:
            declared += f" (HS {s.declared_hs_code})"
        seen = "; ".join(sorted(found.get(s.uid, ()))) or "nothing recorded"
        rows.append([cell(s.ref), cell(s.tracking_no), cell(label(s.mode)), cell(parties),
                     cell(route_of(s.origin_country, s.transit_countries,
                                   s.destination_country)),
                     lines_cell(f"Declared: {declared}", f"Found: {seen}")])
    return [Paragraph("Shipments", H2), data_table(rows, [12, 18, 11, 29, 14, 30])]


def companies_table(data: CaseDetail) -> list[Flowable]:
    if not data.companies:
        return _none("Companies")
    rows: list[Sequence[Cell]] = [header("Name", "Original-script name", "Country", "Roles",
                                         "Sanctioned")]
    for c in data.companies:
        sanctioned = ("Yes" + (f": {c.sanctions_note}" if c.sanctions_note else "")
                      if c.sanctioned else "No")
        rows.append([cell(c.name), cell(c.name_original), cell(c.country),
                     cell(", ".join(label(r) for r in c.roles)), cell(sanctioned)])
    return [Paragraph("Companies", H2), data_table(rows, [34, 28, 9, 20, 15])]


def persons_table(data: CaseDetail) -> list[Flowable]:
    if not data.persons:
        return _none("Persons")
    rows: list[Sequence[Cell]] = [header("Name", "Aliases", "Nationality", "Born", "Role")]
    for p in data.persons:
        rows.append([cell(p.full_name), cell(", ".join(p.aliases)), cell(p.nationality),
                     p.date_of_birth.isoformat() if p.date_of_birth else "",
                     cell(p.role_note)])
    return [Paragraph("Persons", H2), data_table(rows, [24, 24, 12.5, 11, 34.5])]


def links_table(data: CaseDetail) -> list[Flowable]:
    if not data.links:
        return _none("Links")
    rows: list[Sequence[Cell]] = [header("Subject", "Relation", "Object", "Grading",
                                         "Evidence")]
    for link in data.links:
        grade = f"{link.source_reliability or '-'}{link.info_credibility or '-'}"
        rows.append([lines_cell(data.name_of(link.subject_kind, link.subject),
                                f"({link.subject_kind})"),
                     cell(label(link.relation)),
                     lines_cell(data.name_of(link.object_kind, link.object),
                                f"({link.object_kind})"),
                     grade, cell(link.evidence)])
    return [Paragraph("Links", H2), data_table(rows, [26, 12, 26, 9, 33]), Paragraph(
        "Grading: source reliability A (reliable) to F (cannot be judged) and information "
        "credibility 1 (confirmed) to 6 (cannot be judged), the Admiralty scale.", SMALL)]


def seen_table(data: CaseDetail) -> list[Flowable]:
    """Companies, persons and shipments also seen in other cases (services/seen.py)."""
    rows: list[Sequence[Cell]] = [header("Record", "Also seen in")]
    for kind, records, name in (("company", data.companies, "name"),
                                ("person", data.persons, "full_name"),
                                ("shipment", data.shipments, "ref")):
        for r in records:
            entries = data.seen_in.get(r.uid)
            if entries:
                rows.append([lines_cell(getattr(r, name), f"({kind})"),
                             cell(seen_line(entries, limit=5).removeprefix("also seen in "))])
    if len(rows) == 1:
        return []
    return [Paragraph("Seen in other cases", H2), data_table(rows, [30, 70]), Paragraph(
        "A match on a normalised identifier or name is a lead to check, not a finding.", SMALL)]


def screening_section(ctx: ReportContext) -> list[Flowable]:
    """The lists screened against (name, date) and each hit with its score and decision."""
    doc = ctx.screening
    if doc is None:
        return []
    lists = "; ".join(f"{x['name']} (published {x['published'] or 'undated'}, "
                      f"{x['entries']:,} entries)" for x in doc["lists"]) or "no list loaded"
    out: list[Flowable] = [Paragraph("Sanctions screening", H2),
                           Paragraph(f"Screened against: {lists}.", BODY)]
    if not doc["hits"]:
        return [*out, Paragraph("No company or person of the case scored a hit.", BODY)]
    rows: list[Sequence[Cell]] = [header("Record", "List entry", "Score", "Why",
                                         "Analyst's decision", numeric=(2,))]
    for h in doc["hits"]:
        r, e = h["record"], h["entry"]
        why = "; ".join(f["detail"] for f in h["explanation"] if f["score"])
        rows.append([lines_cell(r["name"], f"({r['kind']})"),
                     lines_cell(f"{e['name']}", f"{e['list']} {e['id']}"
                                + (f", {e['program']}" if e["program"] else "")),
                     f"{h['score']:.2f}", cell(why),
                     cell(h["decision"] or "not decided")])
    return [*out, data_table(rows, [20, 26, 8, 32, 14], numeric=(2,)), Paragraph(
        "A hit is a lead, not a finding: a record is marked sanctioned only by an analyst's "
        "decision, recorded in the audit chain.", SMALL)]


def record_tables(data: CaseDetail, step: Progress) -> list[Flowable]:
    """The tables section."""
    return [Paragraph("Records", H1), *seizures_table(data, step), *shipments_table(data),
            *companies_table(data), *persons_table(data), *links_table(data),
            *seen_table(data)]


def sources_section(sources: Sources) -> list[Flowable]:
    """Appendix A: every source id of the key figures with all the records it covers."""
    rows: list[Sequence[Cell]] = [header("Source", "Figure", "Records", "Exhibit refs, "
                                         "shipment refs or company names", numeric=(2,))]
    for tag, what, refs in sources.entries:
        rows.append([tag, cell(what), number(len(refs)),
                     cell(", ".join(refs) if refs else "no records")])
    return [Paragraph("Appendix A. Sources of the key figures", H1), Paragraph(
        "Each source id in the key figures names the records its figure was computed from.",
        BODY), data_table(rows, [8, 30, 9, 59], numeric=(2,))]


def audit_section(ctx: ReportContext) -> list[Flowable]:
    """Appendix B: the case's audit entries (who did what, when), newest first."""
    story: list[Flowable] = [Paragraph("Appendix B. Audit trail of the case", H1)]
    shown = len(ctx.audit_lines)
    intro = (f"{ctx.audit_total:,} audit entries record changes to this case's records"
             + (f"; the latest {shown:,} are listed, newest first." if shown < ctx.audit_total
                else ", newest first.")
             + " Printings and exports of reports are in the audit chain too, but not listed "
               "here, so that two reports of unchanged data read the same.")
    story.append(Paragraph(intro, BODY))
    if not ctx.audit_lines:
        return story
    rows: list[Sequence[Cell]] = [header("#", "When (UTC)", "Who", "Action", "Record",
                                         "Fields")]
    for a in ctx.audit_lines:
        record = f"{as_words(a.kind)}: {a.record}" if a.kind else (a.detail or "")
        rows.append([number(a.seq), a.at.replace("T", " ").rstrip("Z")[:19], cell(a.actor),
                     a.action, cell(record), cell(", ".join(a.fields))])
    story.append(data_table(rows, [7, 18, 15, 9, 38, 19]))
    return story
