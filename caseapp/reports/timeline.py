"""The report's timeline page: the case's dated records on one time axis, a lane per kind.

Drawn from the records only (`domain.timeline.record_items`, no history events and nothing
that depends on the day of printing: an open span runs to the end of the axis), so two
printings of unchanged data read the same. An exhibit's custody events print as one span
(first to last event) and a lane too full to label prints its marks without labels, so the
page stays legible however big the case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence

from reportlab.graphics.shapes import Drawing, Line, Polygon, Rect
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from caseapp.domain.timeline import (
    KIND_COLOURS,
    TimelineItem,
    lanes,
    pack_rows,
    record_items,
)
from caseapp.domain.timeline_axis import DAY, days_between, ticks
from caseapp.reports.charts import clip, draw_text
from caseapp.reports.data import CaseDetail
from caseapp.reports.fonts import string_width
from caseapp.reports.styles import FRAME_WIDTH, H1, MUTED, RULE, SMALL, ZEBRA

SIZE, ROW, TITLE_W, AXIS_H = 7.0, 12.5, 62.0, 20.0
MAX_ROWS = 9          # rows a lane may take with labels; beyond: marks only
LABEL_MAX = 210.0
BACKDROP = colors.Color(1, 1, 1, alpha=0.85)
MARK = 2.6
HEIGHT = 610.0


def print_items(data: CaseDetail) -> list[TimelineItem]:
    """The items the page shows: the case's records, custody condensed per exhibit."""
    items = record_items(data)
    custody: dict[str, list[TimelineItem]] = defaultdict(list)
    for item in items:
        if item.kind == "custody":
            custody[item.lane_uid].append(item)
    out = [i for i in items if i.kind != "custody"]
    for events in custody.values():
        first, last = events[0], events[-1]
        n = len(events)
        label = f"{first.key} custody ({n} event{'s' if n != 1 else ''})"
        out.append(TimelineItem(
            "custody", "seizure", first.lane_uid, first.key, first.start,
            last.start if last.start > first.start else None, label, label, first.lane_kind,
            first.lane_uid, first.lane_title))
    return sorted(out, key=lambda i: (i.start, i.key))


def timeline_section(data: CaseDetail) -> list[Flowable]:
    """The timeline page (nothing when the case has no dated record)."""
    items = print_items(data)
    if not items:
        return []
    drawing, unlabelled = timeline_drawing(items, FRAME_WIDTH)
    caption = ("Shipments run from shipping to arrival (an open end: not arrived); links from "
               "first to last seen; each exhibit's custody events are one span from the first "
               "to the last event (the events are listed under Custody); seizures \u25c6, lab "
               "results and notes \u25cf. Case events other than opening and closing are in "
               "the audit appendix. " + unlabelled)
    return [KeepTogether([Paragraph("Timeline", H1), drawing, Paragraph(caption, SMALL)])]


def timeline_drawing(items: list[TimelineItem], width: float,
                     height: float = HEIGHT) -> tuple[Drawing, str]:
    """The drawing and a sentence naming lanes drawn without labels ("" when none)."""
    first = min(i.start for i in items)
    closed_last = max(i.last for i in items)
    last = max(closed_last, max((i.start + 30 * DAY for i in items if i.open_end),
                                default=closed_last))
    span = max(days_between(first, last), 1.0)
    plot_w = width - TITLE_W - 4
    # Room on the right for the labels of the last items: they may also go left of a mark.
    scale = (plot_w - 60) / span

    def x_of(at: dt.datetime) -> float:
        return TITLE_W + 4 + days_between(first, at) * scale

    layout, bare = _layout(items, x_of, width)
    rows_total = sum(rows for _t, rows, _p in layout)
    height = min(height, AXIS_H + rows_total * ROW + len(layout) * 4 + 6)
    drawing = Drawing(width, height)
    _axis(drawing, first, first + DAY * ((width - TITLE_W - 4) / scale), x_of, height)
    y = height - AXIS_H - 2
    for n, (title, rows, placed) in enumerate(layout):
        lane_h = rows * ROW + 4
        if n % 2 == 0:
            drawing.add(Rect(0, y - lane_h, width, lane_h, fillColor=ZEBRA, strokeColor=None))
        drawing.add(draw_text(2, y - ROW + 2.5, title, SIZE + 0.5, bold=True))
        for item, row, x0, x1, text, side in placed:
            cy = y - 2 - row * ROW - ROW / 2
            _mark(drawing, item, x0, x1, cy)
            if text:
                lx = {"left": x0 - MARK - 2, "on": x0 + 3}.get(side, x1 + MARK + 1.5)
                drawing.add(draw_text(lx, cy - SIZE * 0.35, text, SIZE,
                                      anchor="end" if side == "left" else "start",
                                      backdrop=BACKDROP if side == "on" else None))
        y -= lane_h
    note = (f"Too many to label: {', '.join(bare)} (marks only)." if bare else "")
    return drawing, note


Placement = tuple[TimelineItem, int, float, float, str, str]
XOf = Callable[[dt.datetime], float]


def _layout(items: list[TimelineItem], x_of: XOf, width: float
            ) -> tuple[list[tuple[str, int, list[Placement]]], list[str]]:
    """Per lane: its title, its row count and each item's (row, x0, x1, label, left)."""
    out, bare = [], []
    for lane in lanes(items, "kind"):
        # More items than MAX_ROWS rows of the shortest labels could hold: marks only
        # (and no time spent measuring labels that cannot be printed).
        crowded = len(lane.items) > MAX_ROWS * width / 40
        marks = [(x_of(i.start), x_of(i.end) if i.end else
                  (width - 6 if i.open_end else x_of(i.start))) for i in lane.items]
        sides = [("", "right") if crowded else _side(i.label, x0, x1, width)
                 for i, (x0, x1) in zip(lane.items, marks, strict=True)]
        texts = [t for t, _side in sides]
        lefts = [side for _t, side in sides]
        extents = [_extent(x0, x1, string_width(t, SIZE) + 2, side)
                   for (x0, x1), t, side in zip(marks, texts, lefts, strict=True)]
        rows = [-1] if crowded else pack_rows(extents, gap=3.0, max_rows=MAX_ROWS)
        if -1 in rows:  # too crowded to label: marks only, on two rows (overlaps allowed)
            bare.append(f"{len(lane.items):,} {lane.title.lower()}")
            placed = _marks_only(lane.items, marks)
        else:
            placed = [(i, r, x0, x1, t, left) for i, r, (x0, x1), t, left
                      in zip(lane.items, rows, marks, texts, lefts, strict=True)]
        out.append((lane.title, max(r for _i, r, *_rest in placed) + 1, placed))
    return out, bare


def _marks_only(items: Sequence[TimelineItem], marks: list[tuple[float, float]]
                ) -> list[Placement]:
    """One mark per distinct half point of the axis (a thousand seizures on one day print
    as one mark), on two rows: those overlapping their neighbour go on the second."""
    seen: set[tuple[int, int, bool]] = set()
    rows = pack_rows(marks, max_rows=1)
    out: list[Placement] = []
    for item, (x0, x1), row in zip(items, marks, rows, strict=True):
        key = (round(x0 * 2), round(x1 * 2), row < 0)
        if key not in seen:
            seen.add(key)
            out.append((item, 0 if row == 0 else 1, x0, x1, "", "right"))
    return out


def _side(label: str, x0: float, x1: float, width: float) -> tuple[str, str]:
    """The label as it fits, and where it goes: "right" of the mark when it fits there, else
    "on" a span long enough to carry it, else "left", else the roomier side, shortened."""
    right = width - (x1 + MARK + 2)
    left = x0 - MARK - 2 - TITLE_W - 2
    text = clip(label, SIZE, LABEL_MAX)
    need = string_width(text, SIZE)
    if need <= right:
        return text, "right"
    if x1 - x0 >= need + 8:
        return text, "on"
    if need <= left:
        return text, "left"
    room, side = max((right, "right"), (x1 - x0 - 8, "on"), (left, "left"))
    return clip(label, SIZE, min(LABEL_MAX, room)), side


def _extent(x0: float, x1: float, w: float, side: str) -> tuple[float, float]:
    """What a mark and its label take up along the axis."""
    if side == "left":
        return x0 - MARK - w, x1 + MARK
    if side == "on":
        return x0 - MARK, max(x1, x0 + w + 4) + MARK
    return x0 - MARK, x1 + MARK + w


def _axis(drawing: Drawing, start: dt.datetime, end: dt.datetime, x_of: XOf,
          height: float) -> None:
    top = height - AXIS_H + 2
    drawing.add(Line(TITLE_W, top, drawing.width, top, strokeColor=RULE, strokeWidth=0.6))
    room = string_width("28 Sep 2025", SIZE) + 12
    for tick in ticks(start, end, max(2, int((drawing.width - TITLE_W) // room))):
        x = x_of(tick.at)
        if x > drawing.width - 4:
            continue
        drawing.add(Line(x, 0, x, top + 3, strokeColor=RULE if tick.major else
                         colors.HexColor("#e3e7ec"), strokeWidth=0.5))
        drawing.add(draw_text(x + 1.5, top + 5, tick.label, SIZE,
                              colour=colors.black if tick.major else MUTED))


def _mark(drawing: Drawing, item: TimelineItem, x0: float, x1: float, y: float) -> None:
    colour = colors.HexColor(KIND_COLOURS[item.kind])
    if item.end is not None or item.open_end:
        if item.open_end:  # not arrived: fading steps to the right edge
            steps = 8
            seg = (x1 - x0) / steps
            for k in range(steps):
                alpha = 1.0 - k / steps * 0.85
                drawing.add(Rect(x0 + k * seg, y - 2.2, seg + 0.2, 4.4, strokeColor=None,
                                 fillColor=colors.Color(colour.red, colour.green, colour.blue,
                                                        alpha=alpha)))
        else:
            drawing.add(Rect(x0, y - 2.2, max(x1 - x0, 1.5), 4.4, rx=1.5, ry=1.5,
                             fillColor=colour, strokeColor=None))
        return
    if item.kind in ("seizure", "case"):
        drawing.add(Polygon([x0, y + MARK + 0.6, x0 + MARK + 0.6, y, x0, y - MARK - 0.6,
                             x0 - MARK - 0.6, y], fillColor=colour, strokeColor=None))
    else:
        drawing.add(Rect(x0 - MARK * 0.8, y - MARK * 0.8, MARK * 1.6, MARK * 1.6,
                         rx=MARK * 0.8, ry=MARK * 0.8, fillColor=colour, strokeColor=None))
