"""The cover page: what case, who prepared the report, when, and how to check it."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

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


class SignOffBlock(Flowable):  # type: ignore[misc]  # untyped base
    """The supervisor's sign-off block; remembers where it was drawn (`box`), so printing can
    put the approval signature field over it (reports/pdf_sign.py)."""

    HEIGHT = 30 * mm

    def __init__(self) -> None:
        super().__init__()
        self.box: tuple[int, float, float, float, float] | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = min(avail_width, FRAME_WIDTH)
        return self.width, self.HEIGHT

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.6)
        canvas.rect(0, 0, self.width, self.HEIGHT)
        label = Paragraph("Reviewed and approved by (supervisor)", CELL_BOLD)
        _w, h = label.wrap(self.width - 12, self.HEIGHT)
        label.drawOn(canvas, 6, self.HEIGHT - h - 5)
        hint = Paragraph("Signed digitally with <i>caseapp approve</i>: name, role and date "
                         "appear here.", SMALL)
        _w, h2 = hint.wrap(self.width * 0.4 - 8, self.HEIGHT)
        hint.drawOn(canvas, 6, self.HEIGHT - h - h2 - 10)
        canvas.restoreState()
        x, y = canvas.absolutePosition(0, 0)
        # The signature appearance: right of the label column, inside the frame.
        left = x + self.width * 0.42
        self.box = (canvas.getPageNumber() - 1, left, y + 3, x + self.width - 3,
                    y + self.HEIGHT - 3)


def cover(data: CaseDetail, ctx: ReportContext, fingerprint: str,
          sign_off: SignOffBlock | None = None) -> list[Flowable]:
    """The flowables of the cover page (`sign_off`: the block to use, to read its box)."""
    story: list[Flowable] = [Paragraph("Case summary", TITLE),
                             para(data.case.title, SUBTITLE, bold=True)]
    if ctx.open_conflicts > 0:
        story += [conflict_warning(ctx.open_conflicts), Spacer(1, 8)]
    story += [_facts(data, ctx, fingerprint), Spacer(1, 8)]
    if data.case.summary:
        story += [Paragraph("Summary", H2), para(data.case.summary, BODY, lines=True)]
    story += [Spacer(1, 10), sign_off or SignOffBlock(), Spacer(1, 8), Paragraph(
        "Every figure in this report is computed from the case's records, and each cites the "
        "records it comes from. The fingerprint (SHA-256 over those records and the assumptions "
        "stated beside the figures) is printed on every page; <i>caseapp verify-report "
        "FILE.pdf</i> tells whether this file is byte for byte the one printed, whether its digital "
        "signatures hold, and whether the database still holds exactly that data. The audit chain "
        "head identifies the last entry of the tamper-evident audit log when the report was "
        "printed, signed with the key of whoever printed it: verify-report also tells whether "
        "that history was rewritten or cut since.", SMALL)]
    return story
