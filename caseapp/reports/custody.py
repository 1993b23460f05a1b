"""Exhibits in print: the case report's custody section and attachments appendix, and the
printable custody form of one exhibit (docs/custody.md).

Works from plain records (no session, no Qt), like the rest of the report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.units import cm, mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caseapp.domain.custody import (
    RELEASES,
    CustodyWarning,
    current_holder,
    current_seal,
    effective_chain,
)
from caseapp.domain.records import (
    AttachmentRecord,
    CustodyRecord,
    LabResultRecord,
    SeizureRecord,
)
from caseapp.reports.cells import Cell, cell, data_table, header, lines_cell
from caseapp.reports.data import CaseDetail
from caseapp.reports.document import DEFAULT_MARKING, PageChrome, build_pdf
from caseapp.reports.fingerprint import PREFIX, record_values
from caseapp.reports.fonts import SANS, register_fonts
from caseapp.reports.styles import (
    BODY,
    CELL,
    CELL_BOLD,
    FRAME_WIDTH,
    H1,
    H2,
    INK,
    RULE,
    SMALL,
    TITLE,
    WARN,
    WARN_BG,
    WARN_LINE,
    number,
)
from caseapp.reports.text import markup, para
from caseapp.sync.canonical import canonical_hash

BLANK_ROWS = 3   # empty transfer blocks at the end of a form, for the next hands


def when(at: str) -> str:
    """An event time as printed: local time as recorded, with its UTC offset."""
    moment = dt.datetime.fromisoformat(at)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def when_cell(at: str) -> Cell:
    """The time as a two-line cell: date, then time and offset."""
    date, _, rest = when(at).partition(" ")
    return lines_cell(date, rest)


def _seal(e: CustodyRecord) -> str:
    if not e.seal_no:
        return ""
    return e.seal_no + {"yes": " (intact)", "no": " (broken)"}.get(e.seal_intact or "", "")


def _event_details(e: CustodyRecord) -> str:
    parts = [e.purpose, e.location, e.condition,
             f"witness {e.witness}" if e.witness else None,
             f"authority {e.authority}" if e.authority else None,
             f"sample {e.sample_id}" if e.sample_id else None, e.notes]
    return "; ".join(p for p in parts if p)


def warning_box(warnings: Sequence[CustodyWarning]) -> Flowable:
    """The continuity and lab warnings of the case, in a box that stands out."""
    lines = "<br/>".join(
        f"<b>{w.exhibit_ref}</b>: {para_text(w.message)}" for w in warnings)
    text = Paragraph(f"<b>\u26a0 {len(warnings)} custody or lab warning"
                     f"{'' if len(warnings) == 1 else 's'}</b><br/>{lines}", WARN)
    box = Table([[text]], colWidths=[FRAME_WIDTH])
    box.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SANS, 9),  # never ReportLab's unembedded Helvetica
        ("BACKGROUND", (0, 0), (-1, -1), WARN_BG), ("BOX", (0, 0), (-1, -1), 1.2, WARN_LINE),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]))
    return box


def para_text(text: str) -> str:
    return markup(text)


def chain_table(events: Sequence[CustodyRecord]) -> Table:
    """The standing events of one exhibit, in time order."""
    rows: list[Sequence[Cell]] = [header("Time", "Event", "From", "To", "Seal", "Details")]
    for e in effective_chain(events):
        name = e.event.replace("_", " ") + (" (correction)" if e.corrects else "")
        rows.append([when_cell(e.at), cell(name), cell(e.released_by), cell(e.received_by),
                     cell(_seal(e)), cell(_event_details(e))])
    return data_table(rows, [12, 12, 20, 20, 16, 30])


def lab_table(results: Sequence[LabResultRecord], data: CaseDetail) -> Table:
    """One row a result; six columns, so that no ref or header word has to break."""
    rows: list[Sequence[Cell]] = [header("Exhibit, sample", "Laboratory, method", "Substance",
                                         "Purity", "Analysed", "Lab report", numeric=(3,))]
    for r in results:
        purity = "" if r.purity_percent is None else (
            f"{number(r.purity_percent)} %" + (f" ± {number(r.uncertainty_percent)}"
                                               if r.uncertainty_percent is not None else ""))
        rows.append([lines_cell(data.name_of("seizure", r.exhibit), r.sample_id),
                     lines_cell(r.laboratory, r.method),
                     cell(data.name_of("substance", r.substance) if r.substance else ""),
                     purity, r.analysed_on.isoformat() if r.analysed_on else "",
                     lines_cell(r.report_ref, "accepted: used" if r.accepted else None)])
    return data_table(rows, [18, 20, 20, 13, 11, 20], numeric=(3,))


def custody_section(data: CaseDetail) -> list[Flowable]:
    """The case report's "Exhibits: custody and lab results" section (empty if none)."""
    if not data.custody and not data.lab_results:
        return []
    story: list[Flowable] = [Paragraph("Exhibits: chain of custody and lab results", H1),
                             Paragraph(
        "Each exhibit's custody events in time order, as they stand after corrections "
        "(a correction replaces the event it names; both stay in the record). The continuity "
        "rules checked are listed in docs/custody.md.", SMALL), Spacer(1, 4)]
    if data.custody_warnings:
        story += [warning_box(data.custody_warnings), Spacer(1, 6)]
    else:
        story.append(Paragraph("No continuity or lab warnings.", BODY))
    by_exhibit: dict[str, list[CustodyRecord]] = defaultdict(list)
    for e in data.custody:
        by_exhibit[e.exhibit].append(e)
    for seizure in data.seizures:
        events = by_exhibit.get(seizure.uid)
        if not events:
            continue
        holder = current_holder(events)
        destroyed = any(e.event == "destroyed" for e in effective_chain(events))
        status = "destroyed" if destroyed else f"held by {holder or 'nobody recorded'}"
        story.append(KeepTogether([
            Paragraph(f"{para_text(seizure.exhibit_ref)}: {para_text(status)}; seal "
                      f"{para_text(current_seal(events) or 'none recorded')}", H2),
            chain_table(events)]))
    if data.lab_results:
        story += [CondPageBreak(5 * cm), Paragraph("Lab results", H2), Paragraph(
            "The accepted result of an exhibit (marked \u201caccepted: used\u201d) gives the "
            "seizure its purity and lab confirmation; purity \u00b1 the laboratory's stated "
            "uncertainty, in percentage points.", SMALL), lab_table(data.lab_results, data)]
    return story


def attachments_appendix(data: CaseDetail, title: str) -> list[Flowable]:
    """An appendix listing the case's attachments: name, size, SHA-256, what it is on."""
    if not data.attachments:
        return []
    rows: list[Sequence[Cell]] = [header("File", "Size (bytes)", "SHA-256", "Attached to",
                                         numeric=(1,))]
    for a in data.attachments:
        rows.append([cell(a.filename), number(a.size), cell(a.sha256),
                     cell(_target(a, data))])
    return [PageBreak(), Paragraph(title, H1), Paragraph(
        "The files kept with the case. Their content is stored by SHA-256 and checked when "
        "read (caseapp attachments extract UID -o FILE).", BODY),
        data_table(rows, [26, 11, 48, 15], numeric=(1,))]


def _target(a: AttachmentRecord, data: CaseDetail) -> str:
    if not a.target_uid or not a.target_kind:
        return "the case"
    return f"{a.target_kind} {data.name_of(a.target_kind, a.target_uid)}"


# --- the custody form -------------------------------------------------------------------------
def _facts(rows: Sequence[tuple[str, str | None]]) -> Table:
    table = Table([[Paragraph(k, CELL_BOLD), para(v or "", CELL)] for k, v in rows],
                  colWidths=[36 * mm, FRAME_WIDTH - 36 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SANS, 9),  # never ReportLab's unembedded Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _transfer_block(n: int, e: CustodyRecord | None) -> Table:
    """One numbered hand-over: what was recorded, and lines to sign for both hands."""
    line = "_" * 30
    if e is None:
        title = f"{n}. Transfer (to be filled in by hand)"
        facts = (f"Date and time: {line}   Purpose: {line}<br/>"
                 f"Seal no.: {line}   Seal intact: yes / no   Condition: {'_' * 20}")
        frm, to = "", ""
    else:
        title = f"{n}. {e.event.replace('_', ' ').capitalize()}, {when(e.at)}"
        facts = para_text("; ".join(p for p in (
            f"seal {_seal(e)}" if e.seal_no else "", _event_details(e)) if p) or "—")
        frm, to = e.released_by or "", e.received_by or ""
    sign = [[Paragraph("<b>Released by</b> " + para_text(frm), CELL),
             Paragraph("<b>Received by</b> " + para_text(to), CELL)],
            [Paragraph(f"Signature: {line}", BODY), Paragraph(f"Signature: {line}", BODY)],
            [Paragraph(f"Date/time: {line}", BODY), Paragraph(f"Date/time: {line}", BODY)]]
    rows = [[Paragraph(title, CELL_BOLD), ""], [Paragraph(facts, CELL), ""], *sign]
    half = FRAME_WIDTH / 2
    table = Table(rows, colWidths=[half, half], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SANS, 9),  # never ReportLab's unembedded Helvetica
        ("SPAN", (0, 0), (1, 0)), ("SPAN", (0, 1), (1, 1)),
        ("BOX", (0, 0), (-1, -1), 0.6, INK), ("LINEBELOW", (0, 1), (-1, 1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 2), (-1, -1), 6), ("BOTTOMPADDING", (0, 2), (-1, -1), 4)]))
    return table


def form_story(case_ref: str, seizure: SeizureRecord, substance: str,
               events: Sequence[CustodyRecord],
               warnings: Sequence[CustodyWarning]) -> list[Flowable]:
    chain = effective_chain(events)
    story: list[Flowable] = [
        Paragraph("Chain of custody form", TITLE),
        _facts([("Case", case_ref), ("Exhibit", seizure.exhibit_ref),
                ("Description", f"{substance}, {number(seizure.net_quantity)} {seizure.unit}"
                                + (f", {seizure.form}" if seizure.form else "")),
                ("Seized", f"{seizure.seized_on.isoformat()}, "
                           + ", ".join(p for p in (seizure.place, seizure.country) if p)),
                ("Seizing agency", seizure.agency),
                ("Current holder", current_holder(events) or "none recorded"),
                ("Current seal", current_seal(events) or "none recorded")]),
        Spacer(1, 6)]
    if warnings:
        story += [warning_box(warnings), Spacer(1, 6)]
    story += [Paragraph("Chain of custody", H2), chain_table(events) if chain else
              Paragraph("No custody events recorded.", BODY), Spacer(1, 6),
              Paragraph("Transfers: a signature line for each hand", H2),
              Paragraph("Each release and receipt of the exhibit, as recorded; the person who "
                        "released it and the person who received it sign and date it.", SMALL)]
    transfers = [e for e in chain if e.event in RELEASES or e.event in ("received", "destroyed")]
    for n, e in enumerate([*transfers, *[None] * BLANK_ROWS], start=1):
        story += [KeepTogether([_transfer_block(n, e)]), Spacer(1, 5)]
    return story


def render_custody_form(case_ref: str, handling: str | None, seizure: SeizureRecord,
                        substance: str, events: Sequence[CustodyRecord],
                        warnings: Sequence[CustodyWarning], path: Path,
                        *, prepared_by: str) -> int:
    """Write the printable custody form of one exhibit; returns its page count."""
    register_fonts()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    # The fingerprint of the form: SHA-256 over the exhibit and every custody event printed.
    fp = PREFIX + canonical_hash({"format": "caseapp-custody-form-1",
                                  "exhibit": {seizure.uid: record_values(seizure)},
                                  "events": {e.uid: record_values(e) for e in events}})
    chrome = PageChrome(marking=(handling or DEFAULT_MARKING).strip() or DEFAULT_MARKING,
                        case_ref=f"{case_ref}, exhibit {seizure.exhibit_ref}",
                        generated=now, fingerprint=fp)
    return build_pdf(form_story(case_ref, seizure, substance, events, warnings), path, chrome,
                     title=f"Chain of custody {case_ref} {seizure.exhibit_ref}",
                     author=prepared_by, keywords=f"caseapp-custody-form {seizure.uid}")
