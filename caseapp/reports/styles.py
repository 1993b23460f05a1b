"""Page geometry, paragraph and table styles, and number formatting for reports."""

from __future__ import annotations

from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from caseapp.reports.fonts import SANS, SANS_BOLD

PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#5b6470")
RULE = colors.HexColor("#c4cad2")
HEADER_BG = colors.HexColor("#e6eaf0")
ZEBRA = colors.HexColor("#f6f7f9")
MARKING = colors.HexColor("#a1141b")
WARN_BG = colors.HexColor("#fff4d6")
WARN_LINE = colors.HexColor("#c98a00")

BODY = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=12, textColor=INK,
                      spaceAfter=4)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5, textColor=MUTED)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7.5, leading=9.2, spaceAfter=0)
CELL_BOLD = ParagraphStyle("cellb", parent=CELL, fontName=SANS_BOLD)
CELL_RIGHT = ParagraphStyle("cellr", parent=CELL, alignment=TA_RIGHT)
HEAD_CELL = ParagraphStyle("headcell", parent=CELL, fontName=SANS_BOLD)
HEAD_RIGHT = ParagraphStyle("headright", parent=HEAD_CELL, alignment=TA_RIGHT)
TITLE = ParagraphStyle("title", parent=BODY, fontName=SANS_BOLD, fontSize=20, leading=25,
                       spaceAfter=6)
SUBTITLE = ParagraphStyle("subtitle", parent=BODY, fontName=SANS_BOLD, fontSize=13, leading=17,
                          spaceAfter=10)
H1 = ParagraphStyle("h1", parent=BODY, fontName=SANS_BOLD, fontSize=14, leading=18,
                    spaceBefore=4, spaceAfter=8)
H2 = ParagraphStyle("h2", parent=BODY, fontName=SANS_BOLD, fontSize=10.5, leading=14,
                    spaceBefore=10, spaceAfter=5)
CENTER = ParagraphStyle("center", parent=BODY, alignment=TA_CENTER)
WARN = ParagraphStyle("warn", parent=BODY, fontSize=9.5, leading=13)

CELL_PAD = 3


def grid_style(*, header_rows: int = 1, zebra: bool = True, total_row: bool = False,
               numeric: tuple[int, ...] = ()) -> TableStyle:
    """The look of every data table: header band, hairlines, optional zebra and total row."""
    cmds: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), SANS, 7.5, 9.2),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]
    if header_rows:
        cmds += [("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BG),
                 ("FONT", (0, 0), (-1, header_rows - 1), SANS_BOLD, 7.5, 9.2),
                 ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK)]
    if zebra:
        cmds.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, ZEBRA]))
    for col in numeric:  # a wider right gap keeps a number apart from the next column's text
        cmds += [("ALIGN", (col, 0), (col, -1), "RIGHT"),
                 ("RIGHTPADDING", (col, 0), (col, -1), 8)]
    if total_row:
        cmds += [("FONT", (0, -1), (-1, -1), SANS_BOLD, 7.5, 9.2),
                 ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                 ("BACKGROUND", (0, -1), (-1, -1), HEADER_BG)]
    return TableStyle(cmds)


def number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value.normalize():,f}"


def label(value: str | None) -> str:
    """An enum value for print: `express_courier` -> `express courier`."""
    return "" if value is None else value.replace("_", " ")
