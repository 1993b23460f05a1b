"""Charts drawn with ReportLab graphics: seizures over time and quantity by substance.

Labels that may hold user text go through `draw_text`, which draws each font run separately
(graphics strings are never parsed as markup, but they need the CJK fallback too).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from caseapp.domain.display import mass_text
from caseapp.domain.figure_text import pure_text
from caseapp.domain.figures import SubstanceFigure
from caseapp.domain.records import SeizureRecord
from caseapp.reports.fonts import SANS, string_width, text_runs
from caseapp.reports.styles import INK, MUTED, RULE

NET_COLOUR = colors.HexColor("#9db7d5")
PURE_COLOUR = colors.HexColor("#2f5d8a")
BAR_COLOUR = colors.HexColor("#3f6f9f")


def clip(text: str, size: float, width: float) -> str:
    """`text` shortened with an ellipsis to fit `width` points."""
    if string_width(text, size) <= width:
        return text
    while text and string_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def draw_text(x: float, y: float, text: str, size: float, *, anchor: str = "start",
              bold: bool = False, colour: colors.Color = INK,
              backdrop: colors.Color | None = None) -> Group:
    """A label of user text drawn run by run (Latin font, CJK fallback)."""
    group = Group()
    width = string_width(text, size, bold=bold)
    x -= {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    if backdrop is not None:  # keeps a label legible where lines cross it
        group.add(Rect(x - 1, y - size * 0.25, width + 2, size * 1.1, fillColor=backdrop,
                       strokeColor=None))
    for font, part in text_runs(text, bold=bold):
        group.add(String(x, y, part, fontName=font, fontSize=size, fillColor=colour))
        x += stringWidth(part, font, size)
    return group


def _bins(dates: Sequence[dt.date]) -> tuple[list[str], Counter[str]]:
    """Bucket dates by month, or by quarter / year when the span is long; empty buckets kept."""
    first, last = min(dates), max(dates)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months <= 36:
        def key(d: dt.date) -> str:
            return f"{d.year}-{d.month:02d}"
        step = 1
    elif months <= 120:
        def key(d: dt.date) -> str:
            return f"{d.year} Q{(d.month - 1) // 3 + 1}"
        step = 3
    else:
        def key(d: dt.date) -> str:
            return str(d.year)
        step = 12
    labels: list[str] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        k = key(dt.date(y, m, 1))
        if k not in labels:
            labels.append(k)
        m += step
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    if key(last) not in labels:
        labels.append(key(last))
    return labels, Counter(key(d) for d in dates)


def nice_step(top: int, ticks: int = 5) -> int:
    """A round axis step (1, 2 or 5 times a power of ten) giving about `ticks` gridlines."""
    raw = max(1, -(-top // ticks))
    power = 1
    while power * 10 <= raw:
        power *= 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def seizures_over_time(seizures: Sequence[SeizureRecord], width: float,
                       height: float = 150) -> Drawing:
    """Number of seizures per month (quarter or year for long cases)."""
    drawing = Drawing(width, height)
    if not seizures:
        drawing.add(String(0, height / 2, "No seizures recorded.", fontName=SANS, fontSize=8))
        return drawing
    labels, counts = _bins([s.seized_on for s in seizures])
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, width - 40, height - 40
    chart.data = [[counts.get(k, 0) for k in labels]]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 45 if len(labels) > 10 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 10 else "n"
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max(counts.values())
    step = nice_step(top)
    chart.valueAxis.valueStep = step
    chart.valueAxis.valueMax = step * (-(-top // step))
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = BAR_COLOUR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = SANS
    chart.barLabels.fontSize = 6.5
    chart.barLabels.nudge = 5
    drawing.add(chart)
    return drawing


def _decade_label(exponent: int) -> str:
    """10**exponent kg as "1 mg" ... "100 g", "1 kg" ... "100 kg", "1 t", "10 t"."""
    for unit, shift in (("t", 3), ("kg", 0), ("g", -3)):
        if exponent >= shift:
            return f"{10 ** (exponent - shift):,} {unit}"
    return f"{Decimal(1).scaleb(exponent + 6):f} mg"


def quantity_by_substance(figures: Sequence[SubstanceFigure], width: float,
                          limit: int = 12) -> Drawing:
    """Horizontal bars of net (light) and pure (dark) mass per substance, largest first, on a
    logarithmic scale (said on the chart), so 400 mg and 250 kg are both legible."""
    shown = list(figures)[:limit]
    row_h, top_pad, label_w, value_w = 22.0, 30.0, 150.0, 96.0
    height = top_pad + row_h * max(1, len(shown)) + 8
    drawing = Drawing(width, height)
    bar_w = width - label_w - value_w
    masses = [m for f in shown for m in (f.net_kg, f.pure_kg) if m > 0]
    low = min((m.adjusted() for m in masses), default=-3)
    high = max((m.adjusted() for m in masses), default=0) + 1
    span = max(high - low, 1)

    def length(kg: Decimal) -> float:
        if kg <= 0:
            return 0.0
        return max(0.5, (math.log10(float(kg)) - low) / span * bar_w)

    drawing.add(Rect(label_w, height - 11, 8, 7, fillColor=NET_COLOUR, strokeColor=None))
    drawing.add(String(label_w + 11, height - 10, "net", fontName=SANS, fontSize=7))
    drawing.add(Rect(label_w + 36, height - 11, 8, 7, fillColor=PURE_COLOUR, strokeColor=None))
    drawing.add(String(label_w + 47, height - 10, "pure (purity known, as base)", fontName=SANS,
                       fontSize=7))
    drawing.add(String(width - 2, height - 10, "logarithmic scale: each step is ×10",
                       fontName=SANS, fontSize=7, textAnchor="end", fillColor=MUTED))
    axis_y = height - top_pad + 6
    for e in range(low, high + 1):
        x = label_w + (e - low) / span * bar_w
        drawing.add(Line(x, 4, x, axis_y, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(String(x, axis_y + 2, _decade_label(e), fontName=SANS, fontSize=6,
                           textAnchor="middle", fillColor=MUTED))
    for i, fig in enumerate(shown):
        y = height - top_pad - (i + 1) * row_h + 4
        drawing.add(draw_text(label_w - 6, y + 5, clip(fig.substance, 7.5, label_w - 8), 7.5,
                              anchor="end"))
        net_len, pure_len = length(fig.net_kg), length(fig.pure_kg)
        drawing.add(Rect(label_w, y + 7, net_len, 8, fillColor=NET_COLOUR, strokeColor=None))
        if fig.purity_known:
            drawing.add(Rect(label_w, y, pure_len, 6, fillColor=PURE_COLOUR, strokeColor=None))
        text = f"{mass_text(fig.net_kg)} net / {pure_text(fig)} pure"
        drawing.add(String(label_w + max(net_len, pure_len) + 4, y + 4, text, fontName=SANS,
                           fontSize=6.5, fillColor=MUTED))
    drawing.add(Line(label_w, 4, label_w, axis_y, strokeColor=INK, strokeWidth=0.5))
    return drawing
