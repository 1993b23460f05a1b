"""The zoomed-out chart: every edge drawn once into an image, on a worker, then blitted.

With thousands of edges (OVERVIEW_MIN_EDGES) in view, painting each line every frame is the cost of a pan or a
zoom (benchmarks/chart_bench.py). Below `OVERVIEW_LOD` the edge items are hidden (through
their common parent, so the filter's own hiding is kept) and the view's background draws
this image instead: panning moves it, zooming scales it until the worker has drawn it again
at the new scale. Any change to the edges (a node moved, a filter, a highlight) redraws it.
Below `NODE_OVERVIEW_LOD` the nodes (too small to click there) are drawn into it as dots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from caseapp.views.chart_items import HIGHLIGHT, RADIUS
from caseapp.views.workers import BackgroundTask

if TYPE_CHECKING:
    from caseapp.views.chart_view import ChartWindow

OVERVIEW_LOD = 0.6  # measured: below it, most frames are spent on lines
OVERVIEW_MIN_EDGES = 1500  # a case-sized chart keeps its arrowheads at every zoom
NODE_OVERVIEW_LOD = 0.3   # below it, nodes (too small to click) join the image too
MAX_SIDE = 4096
Line = tuple[float, float, float, float]
PenKey = tuple[str, int, bool]  # colour, Qt pen style value, highlighted


class EdgeGroup(QGraphicsItem):
    """The parent of every edge item: hiding it hides them all in one call."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        return None


def render_edges(groups: dict[PenKey, list[Line]], rect: QRectF, scale: float,
                 dots: dict[str, list[tuple[float, float]]] | None = None) -> QImage:
    """The lines, by pen, and the nodes as dots by colour, drawn into an image of `rect` at
    `scale` (any thread)."""
    w = max(1, min(MAX_SIDE, int(rect.width() * scale)))
    h = max(1, min(MAX_SIDE, int(rect.height() * scale)))
    image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.scale(w / rect.width(), h / rect.height())
    painter.translate(-rect.x(), -rect.y())
    for (colour, style, lit), lines in sorted(groups.items(), key=lambda kv: kv[0][2]):
        pen = QPen(QColor(colour))
        pen.setCosmetic(True)
        pen.setWidthF(2.5 if lit else 1.0)
        pen.setStyle(Qt.PenStyle(style))
        painter.setPen(pen)
        painter.drawLines([QLineF(*line) for line in lines])
    painter.setPen(Qt.PenStyle.NoPen)
    for colour, points in sorted((dots or {}).items()):
        painter.setBrush(QColor(colour))
        for x, y in points:
            painter.drawEllipse(QPointF(x, y), RADIUS, RADIUS)
    painter.end()
    return image


class EdgeOverview(QObject):
    """Hides the edge items below OVERVIEW_LOD and keeps the image that stands in for them."""

    def __init__(self, window: ChartWindow) -> None:
        super().__init__(window)
        self.window = window
        self.group = EdgeGroup()
        self.node_group = EdgeGroup()
        self.active = False
        self.nodes_active = False
        self.scale = 1.0
        self.image: QImage | None = None
        self.image_rect = QRectF()
        self._task: BackgroundTask | None = None
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)  # after the last wheel step
        self._timer.timeout.connect(self._render)

    def new_groups(self) -> tuple[EdgeGroup, EdgeGroup]:
        """Fresh parents for the edges and the nodes of a newly drawn chart (scene.clear()
        deleted the old ones)."""
        self.group, self.node_group = EdgeGroup(), EdgeGroup()
        self.group.setVisible(not self.active)
        self.node_group.setVisible(not self.nodes_active)
        self.image = None
        return self.group, self.node_group

    def set_scale(self, scale: float) -> None:
        on = scale < OVERVIEW_LOD and len(self.window.edges) >= OVERVIEW_MIN_EDGES
        nodes_on = on and scale < NODE_OVERVIEW_LOD
        if on != self.active:
            self.active = on
            self.group.setVisible(not on)
            if not on:
                self.image = None
        if nodes_on != self.nodes_active:
            self.nodes_active = nodes_on
            self.node_group.setVisible(not nodes_on)
            self.changed()
        if on and abs(scale - self.scale) > 1e-9:
            self.scale = scale
            self.changed()

    def changed(self) -> None:
        """The edges changed (or the scale did): draw the image again, soon."""
        if self.active:
            self._timer.start()

    def _render(self) -> None:
        if self._task is not None:  # one at a time; the latest state follows
            self._again = True
            return
        groups: dict[PenKey, list[Line]] = {}
        for e in self.window.edges:
            if not e.isVisibleTo(self.group):  # the filter's hiding, not the overview's
                continue
            a, b = e.source.pos(), e.target.pos()
            pen = e.pen()
            colour = HIGHLIGHT.name() if e.highlighted else pen.color().name()
            key = (colour, int(pen.style().value), e.highlighted)
            groups.setdefault(key, []).append((a.x(), a.y(), b.x(), b.y()))
        dots: dict[str, list[tuple[float, float]]] = {}
        if self.nodes_active:
            for item in self.window.nodes.values():
                if item.isVisibleTo(self.node_group):
                    p = item.pos()
                    dots.setdefault(item.brush().color().name(), []).append((p.x(), p.y()))
        rect = QRectF(self.window.scene.sceneRect())
        scale = self.scale

        def done(image: Any) -> None:
            self._task = None
            if self.active:
                self.image, self.image_rect = image, rect
                self.window.view.resetCachedContent()
                self.window.view.viewport().update()
            if self._again:
                self._again = False
                self._render()

        def failed(_exc: BaseException) -> None:
            self._task = None

        self._task = BackgroundTask(self.window, "Drawing the chart",
                                    lambda _p, _c: render_edges(groups, rect, scale, dots),
                                    on_done=done, on_failed=failed, writes=False,
                                    progress=False)
        self._task.start()

    def paint(self, painter: QPainter) -> None:
        """Draw the image (the view's background, in scene coordinates)."""
        if self.active and self.image is not None:
            painter.drawImage(self.image_rect, self.image)
