"""The painted timeline: lanes down the left, a calendar axis on top, items as points and spans.

`TimelineCanvas` owns the zoom and pan state (the day at the left edge and pixels per day) and
lays items out in rows per lane so that neither their marks nor their labels overlap. The
lanes, filters and ticks come from `domain.timeline` and `domain.timeline_axis`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QKeyEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from caseapp.domain.timeline import KIND_COLOURS, TimelineItem, lanes, pack_rows, span_of
from caseapp.domain.timeline_axis import DAY, date_text, days_between, ticks

TITLE_W, AXIS_H, ROW_H, LANE_GAP = 190, 40, 22, 8
MARK, LABEL_MAX = 5.0, 260
MIN_PX_PER_DAY, MAX_PX_PER_DAY = 0.02, 240.0   # ~40 years .. ~5 days across a window
ZOOM_STEP = 1.5
MAX_LANE_ROWS = 40   # rows of labelled items a lane may take


@dataclass(frozen=True)
class Placed:
    """An item where it is drawn (world x in pixels from the origin day; y from the top)."""

    item: TimelineItem
    x0: float
    x1: float
    y: float
    label_w: float


class TimelineCanvas(QWidget):
    """Draws `items` in lanes; wheel and buttons zoom, drag and keys pan."""

    sig_selected = Signal(object)
    """The item clicked or chosen with the keyboard (a TimelineItem, or None)."""
    sig_activated = Signal(object)
    """The item double-clicked or opened with Return (a TimelineItem)."""
    sig_view_changed = Signal()
    """The visible time span changed (zoom or pan)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 240)
        self.items: list[TimelineItem] = []
        self.mode = "entity"
        self.today = dt.date.today()
        self.origin = dt.datetime(2000, 1, 1)   # day 0 of world coordinates
        self.left_day = 0.0                      # the day at the left edge of the plot
        self.px_per_day = 1.0
        self.y_offset = 0.0
        self.selected: TimelineItem | None = None
        self.placed: list[Placed] = []
        self.lane_rows: list[tuple[str, float, float]] = []   # title, top, bottom
        self._drag: QPointF | None = None
        self._fitted = False   # showing everything: a resize fits again
        self._widths: dict[int, float] = {}   # id(item) -> label width (zoom does not change it)
        self._fm = QFontMetrics(self.font())

    # --- data ----------------------------------------------------------------------------
    def set_items(self, items: Sequence[TimelineItem], *, fit: bool = False) -> None:
        self.items = list(items)
        if self.selected is not None and self.selected not in self.items:
            self.selected = None
        self._widths = {}
        span = span_of(self.items, lambda: self.today)
        if span is not None and (fit or not self.placed):
            self.origin = dt.datetime(span[0].year, 1, 1)
        if fit:
            self.fit()
        else:
            self._relayout()
        self.update()
        self.sig_view_changed.emit()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._widths = {}
        self.y_offset = 0.0
        self._changed(relayout=True)

    # --- coordinates ---------------------------------------------------------------------
    @property
    def plot_width(self) -> float:
        return max(1.0, self.width() - TITLE_W)

    def world_x(self, at: dt.datetime) -> float:
        return days_between(self.origin, at) * self.px_per_day

    def screen_x(self, at: dt.datetime) -> float:
        return TITLE_W + self.world_x(at) - self.left_day * self.px_per_day

    def day_at(self, x: float) -> dt.datetime:
        return self.origin + DAY * (self.left_day + (x - TITLE_W) / self.px_per_day)

    def visible_span(self) -> tuple[dt.datetime, dt.datetime]:
        """The first and last moment visible on the axis."""
        return self.day_at(TITLE_W), self.day_at(self.width())

    # --- zoom and pan --------------------------------------------------------------------
    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom by `factor` (>1: closer) keeping the moment under `anchor_x` in place."""
        x = TITLE_W + self.plot_width / 2 if anchor_x is None else max(anchor_x, TITLE_W)
        anchor_day = self.left_day + (x - TITLE_W) / self.px_per_day
        self.px_per_day = min(MAX_PX_PER_DAY, max(MIN_PX_PER_DAY, self.px_per_day * factor))
        self.left_day = anchor_day - (x - TITLE_W) / self.px_per_day
        self._changed(relayout=True)

    def zoom_in(self) -> None:
        self.zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom(1 / ZOOM_STEP)

    def fit(self) -> None:
        """Show every item, with a margin either side."""
        span = span_of(self.items, lambda: self.today)
        if span is None:
            return
        days = max(days_between(*span), 1.0)
        # Labels run to the right of their marks: leave room for the last one.
        room = self.plot_width - min(LABEL_MAX, self.plot_width / 4)
        self.px_per_day = min(MAX_PX_PER_DAY, max(MIN_PX_PER_DAY, room / (days * 1.04)))
        self.left_day = days_between(self.origin, span[0]) - days * 0.02
        self.y_offset = 0.0
        self._changed(relayout=True)
        self._fitted = True

    def pan(self, dx: float, dy: float = 0.0) -> None:
        """Move the view by `dx`, `dy` pixels (positive: later, lower)."""
        self.left_day += dx / self.px_per_day
        self.y_offset = max(0.0, min(self._max_y(), self.y_offset + dy))
        self._changed(relayout=False)

    def show_day(self, at: dt.datetime) -> None:
        """Scroll so that `at` is in the middle of the plot."""
        self.left_day = days_between(self.origin, at) - self.plot_width / 2 / self.px_per_day
        self._changed(relayout=False)

    def _changed(self, *, relayout: bool) -> None:
        self._fitted = False
        if relayout:
            self._relayout()
        self.update()
        self.sig_view_changed.emit()

    def set_y_offset(self, y: float) -> None:
        """Scroll the lanes to `y` pixels from the top (the window's scroll bar)."""
        y = max(0.0, min(self._max_y(), float(y)))
        if y != self.y_offset:
            self.y_offset = y
            self._changed(relayout=False)

    def max_y(self) -> float:
        """How far the lanes scroll (0 when they all fit)."""
        return self._max_y()

    def _max_y(self) -> float:
        bottom = self.lane_rows[-1][2] if self.lane_rows else 0.0
        return max(0.0, bottom - (self.height() - AXIS_H) + LANE_GAP)

    # --- layout --------------------------------------------------------------------------
    def label_width(self, item: TimelineItem) -> float:
        width = self._widths.get(id(item))
        if width is None:
            width = min(LABEL_MAX, self._fm.horizontalAdvance(item.label_in(self.mode)) + 6)
            self._widths[id(item)] = width
        return width

    def _relayout(self) -> None:
        """Rows per lane at this zoom: an item takes its mark plus its label's width."""
        self.placed, self.lane_rows = [], []
        y = float(LANE_GAP // 2)
        for lane in lanes(self.items, self.mode):
            marks = [self._extent(i) for i in lane.items]
            widths = [self.label_width(i) for i in lane.items]
            rows = pack_rows([(x0 - MARK, x1 + MARK + 3 + w)
                              for (x0, x1), w in zip(marks, widths, strict=True)], gap=4.0,
                             max_rows=MAX_LANE_ROWS)
            # What finds no room goes on an extra row, unlabelled (zoom in to read it).
            extra = max(rows) + 1
            for item, (x0, x1), w, row in zip(lane.items, marks, widths, rows, strict=True):
                at = extra if row < 0 else row
                self.placed.append(Placed(item, x0, x1, y + at * ROW_H + ROW_H / 2,
                                          0.0 if row < 0 else w))
            bottom = y + (extra + (1 if -1 in rows else 0)) * ROW_H
            self.lane_rows.append((lane.title, y, bottom))
            y = bottom + LANE_GAP

    def _extent(self, item: TimelineItem) -> tuple[float, float]:
        """World x of an item's start and end (a span is never drawn shorter than a mark)."""
        x0 = self.world_x(item.start)
        if item.end is None and not item.open_end:
            return x0, x0
        return x0, max(self.world_x(self._end_of(item)), x0 + 2 * MARK)

    def _end_of(self, item: TimelineItem) -> dt.datetime:
        if item.open_end:
            return max(item.start + DAY * 14, dt.datetime.combine(self.today, dt.time()))
        return item.last

    def item_at(self, x: float, y: float) -> TimelineItem | None:
        """The item whose mark or label is under the widget point (x, y)."""
        shift = self.left_day * self.px_per_day - TITLE_W
        wx, wy = x + shift, y - AXIS_H + self.y_offset
        for p in reversed(self.placed):
            if (p.x0 - MARK - 2 <= wx <= p.x1 + MARK + 2 + p.label_w
                    and abs(wy - p.y) <= ROW_H / 2):
                return p.item
        return None

    def rect_of(self, item: TimelineItem) -> QRectF | None:
        """Where `item`'s mark is drawn, in widget coordinates (None when not laid out)."""
        shift = self.left_day * self.px_per_day - TITLE_W
        for p in self.placed:
            if p.item == item:
                return QRectF(p.x0 - shift - MARK, p.y + AXIS_H - self.y_offset - MARK,
                              p.x1 - p.x0 + 2 * MARK, 2 * MARK)
        return None

    # --- painting ------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        self._paint_lanes(painter)
        self._paint_axis(painter)
        painter.save()
        painter.setClipRect(QRectF(TITLE_W, AXIS_H, self.plot_width, self.height() - AXIS_H))
        shift = self.left_day * self.px_per_day - TITLE_W
        for p in self.placed:
            sx0, sx1 = p.x0 - shift, p.x1 - shift
            sy = p.y + AXIS_H - self.y_offset
            if (sx1 + p.label_w + MARK < TITLE_W or sx0 - MARK > self.width()
                    or sy < AXIS_H - ROW_H or sy > self.height() + ROW_H):
                continue
            self._paint_item(painter, p, sx0, sx1, sy)
        painter.restore()
        if not self.items:
            painter.setPen(QColor("#6b7280"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Nothing dated to show (check the filter).")
        painter.end()

    def _paint_lanes(self, painter: QPainter) -> None:
        for i, (title, top, bottom) in enumerate(self.lane_rows):
            y0, y1 = top + AXIS_H - self.y_offset, bottom + AXIS_H - self.y_offset
            if y1 < AXIS_H or y0 > self.height():
                continue
            band = QRectF(0, y0 - LANE_GAP / 2, self.width(), y1 - y0 + LANE_GAP)
            painter.fillRect(band, QColor("#f4f6f8") if i % 2 == 0 else QColor("#ffffff"))
            painter.setPen(QColor("#1f2933"))
            text = self._fm.elidedText(title, Qt.TextElideMode.ElideRight, TITLE_W - 12)
            painter.drawText(QRectF(6, y0, TITLE_W - 10, ROW_H),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.setPen(QPen(QColor("#c4cbd3"), 1))
        painter.drawLine(QPointF(TITLE_W, AXIS_H), QPointF(TITLE_W, self.height()))

    def _paint_axis(self, painter: QPainter) -> None:
        start, end = self.visible_span()
        room = max(self._fm.horizontalAdvance("28 Sep 2025") + 16, 70)
        painter.fillRect(QRectF(0, 0, self.width(), AXIS_H), QColor("#ffffff"))
        for tick in ticks(start, end, max(2, int(self.plot_width // room))):
            x = self.screen_x(tick.at)
            if x < TITLE_W:
                continue
            painter.setPen(QPen(QColor("#9aa3ad" if tick.major else "#dde2e7"), 1))
            painter.drawLine(QPointF(x, AXIS_H - 6), QPointF(x, self.height()))
            painter.setPen(QColor("#1f2933" if tick.major else "#4b5563"))
            painter.drawText(QPointF(x + 3, AXIS_H - 12), tick.label)
        painter.setPen(QPen(QColor("#9aa3ad"), 1))
        painter.drawLine(QPointF(TITLE_W, AXIS_H), QPointF(self.width(), AXIS_H))
        today = self.screen_x(dt.datetime.combine(self.today, dt.time()))
        if today >= TITLE_W:
            painter.setPen(QPen(QColor("#b3262d"), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(today, AXIS_H), QPointF(today, self.height()))
        painter.setPen(QColor("#6b7280"))
        caption = "Lanes per entity" if self.mode == "entity" else "Lanes per kind"
        painter.drawText(QRectF(6, 0, TITLE_W - 10, AXIS_H),
                         Qt.AlignmentFlag.AlignVCenter, caption)

    def _paint_item(self, painter: QPainter, p: Placed, x0: float, x1: float,
                    y: float) -> None:
        item, colour = p.item, QColor(KIND_COLOURS[p.item.kind])
        chosen = item == self.selected
        pen = QPen(QColor("#111111"), 2) if chosen else QPen(colour.darker(130), 1)
        painter.setPen(pen)
        if item.end is not None or item.open_end:
            bar = QRectF(x0, y - MARK + 1, x1 - x0, 2 * MARK - 2)
            if item.open_end:  # fades out: not arrived (yet)
                fade = QLinearGradient(bar.left(), 0, bar.right(), 0)
                fade.setColorAt(0.0, colour)
                fade.setColorAt(1.0, QColor(colour.red(), colour.green(), colour.blue(), 30))
                painter.setBrush(QBrush(fade))
            else:
                painter.setBrush(colour.lighter(115))
            path = QPainterPath()
            path.addRoundedRect(bar, 3, 3)
            painter.drawPath(path)
        else:
            painter.setBrush(colour)
            if item.kind in ("seizure", "case"):
                painter.drawPolygon(QPolygonF([QPointF(x0, y - MARK - 1),
                                               QPointF(x0 + MARK + 1, y),
                                               QPointF(x0, y + MARK + 1),
                                               QPointF(x0 - MARK - 1, y)]))
            else:
                painter.drawEllipse(QPointF(x0, y), MARK - 0.5, MARK - 0.5)
        if p.label_w <= 0:  # an overflow row: marks only
            return
        text = self._fm.elidedText(item.label_in(self.mode), Qt.TextElideMode.ElideRight,
                                   int(p.label_w))
        lx = max(x1, x0) + MARK + 3
        if lx + 20 > self.width() and x1 - max(x0, TITLE_W) > p.label_w / 2:
            # A span reaching past the right edge: its label rides at the left of what shows.
            lx = max(x0, TITLE_W) + 4
            back = QRectF(lx - 2, y - ROW_H / 2 + 2, p.label_w, ROW_H - 4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 215))
            painter.drawRoundedRect(back, 3, 3)
        painter.setPen(QColor("#111111") if chosen else QColor("#1f2933"))
        painter.drawText(QRectF(lx, y - ROW_H / 2, p.label_w, ROW_H),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def tooltip_of(self, item: TimelineItem) -> str:
        when = date_text(item.start, item.timed)
        if item.end is not None:
            when += f" \u2013 {date_text(item.end, item.timed)}"
        elif item.open_end:
            when += " \u2013 (not ended)"
        return f"{when}\n{item.detail}"

    # --- input ---------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.pan(0, -delta.y() / 2 or -delta.x() / 2)
        elif delta.x() and not delta.y():
            self.pan(-delta.x() / 2)
        elif delta.y():
            self.zoom(ZOOM_STEP ** (delta.y() / 240), event.position().x())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.select(self.item_at(event.position().x(), event.position().y()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan(-delta.x(), -delta.y())
            return
        x, y = event.position().x(), event.position().y()
        if x < TITLE_W:  # a lane title, perhaps cut short: the whole of it
            wy = y - AXIS_H + self.y_offset
            self.setToolTip(next((t for t, top, bottom in self.lane_rows
                                  if top <= wy <= bottom), ""))
            return
        item = self.item_at(x, y)
        self.setToolTip(self.tooltip_of(item) if item else "")

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.item_at(event.position().x(), event.position().y())
        if item is not None:
            self.select(item)
            self.sig_activated.emit(item)

    def select(self, item: TimelineItem | None) -> None:
        self.selected = item
        self.update()
        self.sig_selected.emit(item)

    def step_selection(self, step: int) -> None:
        """Select the next (step 1) or previous (-1) item in time order and show it."""
        order = sorted(self.items, key=lambda i: (i.start, i.key))
        if not order:
            return
        at = order.index(self.selected) + step if self.selected in order else 0
        item = order[max(0, min(len(order) - 1, at))]
        self.select(item)
        x = self.screen_x(item.start)
        if not TITLE_W <= x <= self.width() - LABEL_MAX / 2:
            self.show_day(item.start)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, step = Qt.Key(event.key()), self.plot_width / 8
        actions = {
            Qt.Key.Key_Plus: self.zoom_in, Qt.Key.Key_Equal: self.zoom_in,
            Qt.Key.Key_Minus: self.zoom_out, Qt.Key.Key_0: self.fit, Qt.Key.Key_Home: self.fit,
            Qt.Key.Key_Left: lambda: self.pan(-step), Qt.Key.Key_Right: lambda: self.pan(step),
            Qt.Key.Key_Up: lambda: self.pan(0, -ROW_H * 2),
            Qt.Key.Key_Down: lambda: self.pan(0, ROW_H * 2),
            Qt.Key.Key_Tab: lambda: self.step_selection(1),
            Qt.Key.Key_Backtab: lambda: self.step_selection(-1),
            Qt.Key.Key_Escape: lambda: self.select(None),
        }
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected is not None:
            self.sig_activated.emit(self.selected)
        elif key in actions:
            actions[key]()
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, _next: bool) -> bool:  # noqa: N802 - Qt's name
        return False  # Tab and Shift+Tab step through the items (keyPressEvent)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()
        else:
            self.sig_view_changed.emit()
