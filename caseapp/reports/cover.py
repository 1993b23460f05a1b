"""The cover page: what case, who prepared the report, when, and how to check it."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from caseapp.reports.data import CaseDetail, ReportContext
from caseapp.reports.fonts import SANS
from caseapp.reports.styles import (
    BODY,
    CELL,
    CELL_BOLD,
    FRAME_WIDTH,
    H2,
    INK,
    RULE,
    SMALL,
    SUBTITLE,
    TITLE,
    WARN,
    WARN_BG,
    WARN_LINE,
    label,
)
from caseapp.reports.text import para


def conflict_warning(count: int) -> Flowable:
    """The box shown when the case has open sync conflicts."""
    noun = "conflict" if count == 1 else "conflicts"
    text = Paragraph(
        f"<b>\u26a0 This case has {count:,} open sync {noun}.</b> Investigators' edits disagree "
        "on some values; this report shows the values currently held in this database. "
        "Settle them first (<i>caseapp conflicts</i>, then <i>caseapp resolve</i>) before relying "
        "on the figures.", WARN)
    box = Table([[text]], colWidths=[FRAME_WIDTH])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), WARN_BG),
        ("BOX", (0, 0), (-1, -1), 1.2, WARN_LINE),
        ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
    ]))
    return box


def _facts(data: CaseDetail, ctx: ReportContext, fingerprint: str) -> Table:
    case = data.case
    rows = [
        ("Case reference", case.ref), ("Status", label(case.status)),
        ("Lead investigator", case.lead_investigator), ("Agency", case.agency),
        ("Opened", case.opened_on.isoformat() if case.opened_on else "not recorded"),
        ("Closed", case.closed_on.isoformat() if case.closed_on else "not closed"),
        ("Handling", case.handling or "none recorded"),
        ("Prepared by", ctx.prepared_by),
        ("Generated", ctx.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("Audit chain head", f"entry {ctx.audit_head_seq:,}, hash {ctx.audit_head_hash}"
                             + (f", signed with key {ctx.head_signature.split(':')[0]}"
                                if ctx.head_signature else "")),
        ("Report fingerprint", fingerprint),
    ]
    table = Table([[Paragraph(k, CELL_BOLD), para(v, CELL)] for k, v in rows],
                  colWidths=[38 * mm, FRAME_WIDTH - 38 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), SANS, 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _signature_block() -> Table:
    blank = "_" * 34
    rows = [[Paragraph("Reviewed and approved by (supervisor)", CELL_BOLD), "", ""],
            [Paragraph(f"Name: {blank}", BODY), Paragraph(f"Signature: {blank}", BODY), ""],
            [Paragraph(f"Date: {blank}", BODY), "", ""]]
    table = Table(rows, colWidths=[FRAME_WIDTH / 2, FRAME_WIDTH / 2, 0], hAlign="LEFT")
    # Empty cells are strings drawn in the table's font: ours, never an unembedded Helvetica.
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), SANS, 9),
                               ("BOX", (0, 0), (1, -1), 0.6, INK),
                               ("TOPPADDING", (0, 0), (-1, -1), 7),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]))
    return table


def cover(data: CaseDetail, ctx: ReportContext, fingerprint: str) -> list[Flowable]:
    """The flowables of the cover page."""
    story: list[Flowable] = [Paragraph("Case summary", TITLE),
                             para(data.case.title, SUBTITLE, bold=True)]
    if ctx.open_conflicts > 0:
        story += [conflict_warning(ctx.open_conflicts), Spacer(1, 8)]
    story += [_facts(data, ctx, fingerprint), Spacer(1, 8)]
    if data.case.summary:
        story += [Paragraph("Summary", H2), para(data.case.summary, BODY, lines=True)]
    story += [Spacer(1, 10), KeepTogether([_signature_block()]), Spacer(1, 8), Paragraph(
        "Every figure in this report is computed from the case's records, and each cites the "
        "records it comes from. The fingerprint (SHA-256 over those records and the assumptions "
        "stated beside the figures) is printed on every page; <i>caseapp verify-report "
        "FILE.pdf</i> tells whether the database still holds exactly that data. The audit chain "
        "head identifies the last entry of the tamper-evident audit log when the report was "
        "printed, signed with the key of whoever printed it: verify-report also tells whether "
        "that history was rewritten or cut since.", SMALL)]
    return story
