"""The PDF document: page chrome on every page, metadata, progress and cancel, and the story.

Page chrome (marking top and bottom, case ref, "Page X of Y", generation time, fingerprint) is
drawn when the document is saved, once the page count is known (deferred `showPage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.fonts import SANS, SANS_BOLD, register_fonts, string_width, text_runs
from caseapp.reports.styles import (
    H1,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MARKING,
    MUTED,
    PAGE,
    RULE,
)

DEFAULT_MARKING = "UNMARKED"


@dataclass(frozen=True)
class PageChrome:
    """What every page carries besides its content."""

    marking: str
    case_ref: str
    generated: str
    fingerprint: str


def _draw_runs(canvas: Canvas, x: float, y: float, text: str, size: float, *,
               bold: bool = False, anchor: str = "start") -> None:
    """Draw user text on the canvas run by run (never parsed as markup)."""
    width = string_width(text, size, bold=bold)
    x -= {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    for font, part in text_runs(text, bold=bold):
        canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += canvas.stringWidth(part, font, size)


def draw_chrome(canvas: Canvas, chrome: PageChrome, page: int, total: int) -> None:
    """Marking top and bottom, case ref and time at the top, fingerprint and page number below."""
    width, height = PAGE
    canvas.saveState()
    canvas.setFillColor(MARKING)
    _draw_runs(canvas, width / 2, height - 11 * mm, chrome.marking, 9, bold=True,
               anchor="middle")
    _draw_runs(canvas, width / 2, 7 * mm, chrome.marking, 9, bold=True, anchor="middle")
    canvas.setFillColor(MUTED)
    _draw_runs(canvas, MARGIN_X, height - 16.5 * mm, chrome.case_ref, 7.5)
    _draw_runs(canvas, width - MARGIN_X, height - 16.5 * mm,
               f"Generated {chrome.generated}", 7.5, anchor="end")
    _draw_runs(canvas, MARGIN_X, 13 * mm, f"Fingerprint {chrome.fingerprint}", 6.5)
    canvas.setFont(SANS_BOLD, 7.5)
    canvas.drawRightString(width - MARGIN_X, 13 * mm, f"Page {page} of {total}")
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, height - 18 * mm, width - MARGIN_X, height - 18 * mm)
    canvas.line(MARGIN_X, 16 * mm, width - MARGIN_X, 16 * mm)
    canvas.restoreState()


def chrome_canvas(chrome: PageChrome, pages: list[int]) -> type[Canvas]:
    """A canvas class that holds pages back until it knows their number, then adds the chrome."""

    class ChromeCanvas(Canvas):  # type: ignore[misc]  # untyped base
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # The canvas's initial font is written into every page's resources: ours (embedded),
            # not ReportLab's default Helvetica (a standard font that is never embedded).
            kwargs["initialFontName"] = kwargs.get("initialFontName") or SANS
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                draw_chrome(self, chrome, number, total)
                super().showPage()
            pages.append(total)
            super().save()

    return ChromeCanvas


class ReportDocTemplate(BaseDocTemplate):  # type: ignore[misc]  # untyped base
    """A4 pages with one frame; reports progress, honours cancel, bookmarks sections."""

    def __init__(self, path: str, *, on_flowable: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(path, pagesize=PAGE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, **kwargs)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._on_flowable = on_flowable
        self._bookmarks = 0

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's name
        self._on_flowable()
        if isinstance(flowable, Paragraph) and flowable.style is H1:
            self._bookmarks += 1
            key = f"s{self._bookmarks}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)


def build_pdf(story: list[Flowable], path: Path, chrome: PageChrome, *, title: str,
              author: str, keywords: str, progress: ProgressCallback = no_progress,
              cancel: CancelToken | None = None, work_estimate: int | None = None) -> int:
    """Lay out `story` into `path`; returns the page count. Raises Cancelled if cancelled."""
    register_fonts()
    total = max(work_estimate or 0, len(story), 1)
    done = [0]

    def on_flowable() -> None:
        if cancel is not None:
            cancel.check()
        done[0] += 1
        progress(min(done[0], total - 1), total, "laying out pages")

    pages: list[int] = []
    doc = ReportDocTemplate(str(path), on_flowable=on_flowable, title=title, author=author,
                            subject=f"Case summary {chrome.case_ref}", keywords=keywords,
                            creator="caseapp")
    doc.build(story, canvasmaker=chrome_canvas(chrome, pages))
    progress(total, total, "laying out pages")
    return pages[0]

