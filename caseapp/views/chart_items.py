"""The link chart's graphics items: a node per record or shared value, an edge per link.

Nodes draw a shape per kind (company circle, person figure, shipment square, seizure
triangle, substance diamond, value tag); edges a directed line whose style shows the link's
Admiralty grading (solid A-B, dashed C, dotted D-F; thicker for credibility 1-2). Shapes and
lines are Qt path items (painted in C++, no Python per frame); labels are child items the
window hides when the view is zoomed far out (level of detail), which keeps a 5,000-node
chart fast (benchmarks/chart_bench.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from caseapp.domain.graph import GraphEdge, GraphNode

KIND_COLOURS = {"company": "#2f5d8a", "person": "#3a8a4f", "shipment": "#d07a1f",
                "substance": "#7a3f9a", "seizure": "#b3262d"}
VALUE_COLOUR = "#6b7785"
VALUE_TAGS = {"phone": "tel", "email": "@", "address": "adr", "tracking": "trk",
              "registration": "reg", "website": "www", "name": "name"}
RADIUS = 13.0
LABEL_LOD = 0.45   # below this zoom, node labels are not drawn
EDGE_LABEL_LOD = 0.8
HIGHLIGHT = QColor("#e8a100")
BACKDROP = QColor(255, 255, 255, 205)
LABEL_FONT = QFont()
LABEL_FONT.setPointSizeF(7.5)
EDGE_FONT = QFont()
EDGE_FONT.setPointSizeF(6.5)
MAX_LABEL = 26


def elided(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def node_path(kind: str, r: float = RADIUS) -> QPainterPath:
    """The outline of a node of `kind`, centred on (0, 0)."""
    path = QPainterPath()
    if kind == "company":
        path.addEllipse(QPointF(0, 0), r, r)
    elif kind == "person":
        path.addEllipse(QPointF(0, -r * 0.45), r * 0.45, r * 0.45)
        path.moveTo(-r * 0.85, r * 0.9)
        path.cubicTo(-r * 0.85, -r * 0.1, r * 0.85, -r * 0.1, r * 0.85, r * 0.9)
        path.closeSubpath()
    elif kind == "shipment":
        path.addRect(QRectF(-r * 0.9, -r * 0.9, r * 1.8, r * 1.8))
    elif kind == "seizure":
        path.addPolygon(QPolygonF([QPointF(0, -r), QPointF(r, r * 0.8), QPointF(-r, r * 0.8)]))
        path.closeSubpath()
    elif kind == "substance":
        path.addPolygon(QPolygonF([QPointF(0, -r * 1.1), QPointF(r * 1.1, 0),
                                   QPointF(0, r * 1.1), QPointF(-r * 1.1, 0)]))
        path.closeSubpath()
    else:  # a shared value: a small tag
        path.addRoundedRect(QRectF(-r * 0.9, -r * 0.55, r * 1.8, r * 1.1), 4, 4)
    return path


def edge_pen(edge: GraphEdge) -> QPen:
    """The line of an edge: style by source reliability, width by credibility."""
    pen = QPen(QColor("#7d8791"))
    rel, cred = edge.reliability, edge.credibility
    if rel is None and cred is None:
        pen.setWidthF(0.9)
        if edge.relation in VALUE_TAGS:
            pen.setStyle(Qt.PenStyle.DashDotLine)
            pen.setColor(QColor("#a3adb7"))
        return pen
    pen.setColor(QColor("#4a545e"))
    pen.setStyle(Qt.PenStyle.SolidLine if rel in ("A", "B") else
                 Qt.PenStyle.DashLine if rel == "C" else Qt.PenStyle.DotLine)
    pen.setWidthF(2.0 if cred in ("1", "2") else 1.4 if cred == "3" else 1.0)
    return pen


class LabelItem(QGraphicsSimpleTextItem):
    """A node's name or an edge's relation on a light backdrop; the chart shows labels only
    from a zoom level on (ChartWindow.set_detail), so a zoomed-out chart paints none."""

    def __init__(self, text: str, font: QFont, colour: str, parent: QGraphicsItem) -> None:
        super().__init__(text, parent)
        self.setFont(font)
        self.setBrush(QColor(colour))
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def centre_at(self, x: float, y: float) -> None:
        rect = self.boundingRect()
        self.setPos(x - rect.width() / 2, y - rect.height() / 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.fillRect(self.boundingRect().adjusted(-1, 0, 1, 0), BACKDROP)
        super().paint(painter, option, widget)


class NodeItem(QGraphicsPathItem):
    """One record or shared value; movable, selectable; pinned nodes keep their place.
    Painted by Qt itself (a path item): no Python runs per frame."""

    def __init__(self, node: GraphNode) -> None:
        super().__init__(node_path(node.kind))
        self.node = node
        self.edges: list[EdgeItem] = []
        self.pinned = False
        self.highlighted = False
        self.setBrush(QBrush(QColor(KIND_COLOURS.get(node.kind, VALUE_COLOUR))))
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable
                      | flags.ItemSendsGeometryChanges)
        self.setZValue(2)
        self.setToolTip(f"{node.kind}: {node.label}" + (
            f"\ncases: {', '.join(node.cases)}" if node.cases else ""))
        self.label = LabelItem(elided(node.label), LABEL_FONT, "#1b1f23", self)
        self.label.centre_at(0, RADIUS + 8)
        if node.uid is None:
            tag = QGraphicsSimpleTextItem(VALUE_TAGS.get(node.kind, "?"), self)
            tag.setFont(EDGE_FONT)
            tag.setBrush(QColor("white"))
            rect = tag.boundingRect()
            tag.setPos(-rect.width() / 2, -rect.height() / 2)
        self._restyle()

    def footprint(self) -> tuple[float, float]:
        """Width and height the node and its label need (for `separate`), with a margin."""
        label = self.label.boundingRect()
        return (max(2 * RADIUS, label.width()) + 10, 2 * RADIUS + label.height() + 14)

    def _restyle(self) -> None:
        if self.highlighted or self.isSelected():
            pen = QPen(HIGHLIGHT, 3.0)
        elif self.pinned:
            pen = QPen(QColor("#1b1f23"), 2.0)
        else:
            pen = QPen(QColor("white"), 1.0)
        self.setPen(pen)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        # Without the dashed selection box Qt would add: the pen shows the selection.
        option.state &= ~QStyle.StateFlag.State_Selected
        super().paint(painter, option, widget)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._restyle()
        return super().itemChange(change, value)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._pressed_at = self.pos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self.pos() != getattr(self, "_pressed_at", self.pos()):
            self.set_pinned(True)  # a node the analyst placed stays there on the next layout

    def set_pinned(self, on: bool) -> None:
        self.pinned = on
        self._restyle()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self._restyle()


class EdgeItem(QGraphicsPathItem):
    """A directed edge from `source` to `target` (line and arrowhead, one path painted by
    Qt), labelled with its relation and grading."""

    def __init__(self, edge: GraphEdge, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.edge = edge
        self.source, self.target = source, target
        source.edges.append(self)
        target.edges.append(self)
        self.highlighted = False
        self._pen = edge_pen(edge)
        self.setPen(self._pen)
        self.setBrush(self._pen.color())
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.text = edge.relation.replace("_", " ") + (
            f" {edge.grading}" if edge.grading else "")
        self.layer: EdgeLabelLayer | None = None
        self.mid = QPointF()
        self.adjust()

    def adjust(self) -> None:
        """Follow the end nodes (stop short of their shapes)."""
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        path = QPainterPath()
        if length > 2 * RADIUS + 2:
            ux, uy = line.dx() / length, line.dy() / length
            gap = RADIUS + 3
            start = QPointF(a.x() + ux * gap, a.y() + uy * gap)
            tip = QPointF(b.x() - ux * gap, b.y() - uy * gap)
            path.moveTo(start)
            path.lineTo(tip)
            size, half = 7.0, 3.2
            base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
            path.addPolygon(QPolygonF([tip, QPointF(base.x() - uy * half, base.y() + ux * half),
                                       QPointF(base.x() + uy * half, base.y() - ux * half),
                                       tip]))
        self.setPath(path)
        self.mid = line.center()
        if self.layer is not None:
            self.layer.moved()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            pen = QPen(self._pen)
            if on:
                pen.setColor(HIGHLIGHT)
                pen.setWidthF(pen.widthF() + 2.5)
            self.setPen(pen)
            self.setBrush(pen.color())
            self.setZValue(1.5 if on else 1)


class EdgeLabelLayer(QGraphicsItem):
    """Every edge's relation, painted by one item: only the labels inside the exposed area,
    found through a grid of midpoints, and only when zoomed in (`shown`). One item instead of
    one per edge keeps 20,000 edges cheap to cull and pan."""

    CELL = 250.0

    def __init__(self, edges: list[EdgeItem], on_moved: Callable[[], None] | None = None
                 ) -> None:
        super().__init__()
        self.edges = edges
        self.on_moved = on_moved
        for e in edges:
            e.layer = self
        self.shown = False
        self._grid: dict[tuple[int, int], list[EdgeItem]] | None = None
        self._rect = QRectF()
        self.setZValue(1.8)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._metrics = QFontMetricsF(EDGE_FONT)

    def moved(self) -> None:
        """An edge moved: the grid is rebuilt on the next paint."""
        self._grid = None
        if self.on_moved is not None:
            self.on_moved()
        if self.shown:
            self.update()

    def set_shown(self, on: bool) -> None:
        if on != self.shown:
            self.shown = on
            self.update()

    def _index(self) -> dict[tuple[int, int], list[EdgeItem]]:
        if self._grid is None:
            grid: dict[tuple[int, int], list[EdgeItem]] = {}
            for e in self.edges:
                key = (int(e.mid.x() // self.CELL), int(e.mid.y() // self.CELL))
                grid.setdefault(key, []).append(e)
            self._grid = grid
        return self._grid

    def boundingRect(self) -> QRectF:
        scene = self.scene()
        if scene is not None and scene.sceneRect() != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(scene.sceneRect())
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self.shown:
            return
        area = option.exposedRect  # type: ignore[attr-defined]
        grid = self._index()
        painter.setFont(EDGE_FONT)
        x0, x1 = int(area.left() // self.CELL), int(area.right() // self.CELL)
        y0, y1 = int(area.top() // self.CELL), int(area.bottom() // self.CELL)
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                for e in grid.get((gx, gy), ()):
                    if not e.isVisible() or not area.contains(e.mid):
                        continue
                    w = self._metrics.horizontalAdvance(e.text)
                    box = QRectF(e.mid.x() - w / 2 - 1, e.mid.y() - 6, w + 2, 11)
                    painter.fillRect(box, BACKDROP)
                    painter.setPen(QColor("#8a5a00") if e.highlighted else QColor("#5a636d"))
                    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, e.text)
