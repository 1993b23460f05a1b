"""The case summary report: assemble the sections and write the PDF.

`render_case_summary(data, ctx, path)` works from plain records only (no session, no Qt), so
it runs as well in a CLI process as in a window's worker thread.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph

from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.cells import Sources
from caseapp.reports.charts import quantity_by_substance, seizures_over_time
from caseapp.reports.cover import SignOffBlock, cover
from caseapp.reports.custody import attachments_appendix, custody_section
from caseapp.reports.data import CaseDetail, ReportContext, ReportResult
from caseapp.reports.document import DEFAULT_MARKING, PageChrome, build_pdf
from caseapp.reports.fingerprint import fingerprint
from caseapp.reports.fonts import register_fonts
from caseapp.reports.key_figures import key_figures
from caseapp.reports.network import network_drawing
from caseapp.reports.record_tables import (
    audit_section,
    record_tables,
    screening_section,
    sources_section,
)
from caseapp.reports.styles import FRAME_WIDTH, H1, H2, SMALL
from caseapp.reports.timeline import timeline_section

KEYWORD_FINGERPRINT = "caseapp-fingerprint"
KEYWORD_CASE_UID = "caseapp-case-uid"
KEYWORD_AUDIT_HEAD = "caseapp-audit-head"
KEYWORD_HEAD_SIGNATURE = "caseapp-head-signature"


def keywords_for(data: CaseDetail, fp: str, ctx: ReportContext | None = None) -> str:
    """PDF keywords `verify-report` reads back: the fingerprint, the case uid and the signed
    audit head."""
    words = f"{KEYWORD_FINGERPRINT} {fp}, {KEYWORD_CASE_UID} {data.case.uid}"
    if ctx is not None:
        words += f", {KEYWORD_AUDIT_HEAD} {ctx.audit_head_seq}:{ctx.audit_head_hash}"
        if ctx.head_signature:
            words += f", {KEYWORD_HEAD_SIGNATURE} {ctx.head_signature}"
    return words


def charts(data: CaseDetail, ctx: ReportContext | None = None) -> list[Flowable]:
    """The charts section: seizures over time, quantity by substance, the network (where the
    analyst left its nodes, when the case's chart layout was saved)."""
    saved = ctx.chart_layout if ctx is not None else None
    drawing, omitted = network_drawing(data, FRAME_WIDTH, saved=saved)
    caption = ("Companies (circles), persons, shipments (squares), substances (diamonds) and "
               "seizures (triangles), joined by the case's links and by the shipper, "
               "consignee, carrier, shipment and substance fields of the records. Arrows point from "
               "the subject to the object, labelled with the relation (a company \u2192 shipped "
               "\u2192 a shipment). " + omitted)
    return [
        Paragraph("Charts", H1),
        KeepTogether([Paragraph("Seizures over time", H2),
                      seizures_over_time(data.seizures, FRAME_WIDTH),
                      Paragraph("Number of seizures per period (seizure date).", SMALL)]),
        KeepTogether([Paragraph("Quantity by substance", H2),
                      quantity_by_substance(data.figures.substances, FRAME_WIDTH),
                      Paragraph("Net mass of every seizure and pure mass (as base) of those "
                                "with a known purity, on a logarithmic scale; values as in the "
                                "key figures.", SMALL)]),
        PageBreak(),
        KeepTogether([Paragraph("Network", H2), drawing, Paragraph(caption, SMALL)]),
    ]


def build_story(data: CaseDetail, ctx: ReportContext, fp: str, *,
                progress: ProgressCallback = no_progress,
                cancel: CancelToken | None = None,
                sign_off: SignOffBlock | None = None) -> list[Flowable]:
    """Every flowable of the report, in order."""
    steps, done = 4, 0

    def step(label: str) -> None:
        nonlocal done
        if cancel is not None:
            cancel.check()
        done += 1
        progress(done, steps, f"preparing {label}")

    sources = Sources()
    story: list[Flowable] = [*cover(data, ctx, fp, sign_off), PageBreak()]
    step("key figures")
    story += key_figures(data, sources)
    step("charts")
    story += [PageBreak(), *charts(data, ctx), PageBreak()]
    story += timeline_section(data)  # the records follow on the timeline's page
    step("tables")
    story += record_tables(data, lambda label: cancel.check() if cancel else None)
    story += custody_section(data)
    story += screening_section(ctx)
    step("appendices")
    story += [PageBreak(), *sources_section(sources), PageBreak(), *audit_section(ctx)]
    story += attachments_appendix(data, "Appendix C. Attachments")
    return story


def render_case_summary(data: CaseDetail, ctx: ReportContext, path: Path, *,
                        progress: ProgressCallback = no_progress,
                        cancel: CancelToken | None = None) -> ReportResult:
    """Write the case summary PDF to `path`; returns its page count and fingerprint.

    Raises Cancelled (from `cancel`) between steps; the caller removes a partial file.
    """
    register_fonts()
    fp = fingerprint(data)
    sign_off = SignOffBlock()
    story = build_story(data, ctx, fp, progress=progress, cancel=cancel, sign_off=sign_off)
    chrome = PageChrome(
        marking=(data.case.handling or DEFAULT_MARKING).strip() or DEFAULT_MARKING,
        case_ref=data.case.ref,
        generated=ctx.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        fingerprint=fp)
    estimate = len(story) + len(data.seizures) // 35 + len(ctx.audit_lines) // 40
    pages = build_pdf(story, path, chrome, title=f"Case summary {data.case.ref}",
                      author=ctx.prepared_by, keywords=keywords_for(data, fp, ctx),
                      progress=progress, cancel=cancel, work_estimate=estimate)
    return ReportResult(str(path), pages, fp, sign_off.box)
