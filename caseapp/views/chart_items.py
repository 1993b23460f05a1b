"""The link chart's graphics items: a node per record or shared value, an edge per link.

Nodes draw a shape per kind (company circle, person figure, shipment square, seizure
triangle, substance diamond, value tag); edges a directed line whose style shows the link's
Admiralty grading (solid A-B, dashed C, dotted D-F; thicker for credibility 1-2). Labels are
painted by the items themselves and left out when the view is zoomed far out (level of
detail), which keeps a 5,000-node chart fast (benchmarks/chart_bench.py).
"""

from __future__ import annotations

import math
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
    QGraphicsSceneMouseEvent,
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


class NodeItem(QGraphicsItem):
    """One record or shared value; movable, selectable; pinned nodes keep their place."""

    def __init__(self, node: GraphNode) -> None:
        super().__init__()
        self.node = node
        self.edges: list[EdgeItem] = []
        self.pinned = False
        self.highlighted = False
        self._path = node_path(node.kind)
        self._label = elided(node.label)
        width = QFontMetricsF(LABEL_FONT).horizontalAdvance(self._label)
        self._label_rect = QRectF(-width / 2 - 2, RADIUS + 2, width + 4, 12)
        self._bounds = self._path.boundingRect().adjusted(-3, -3, 3, 3).united(
            self._label_rect)
        self._brush = QBrush(QColor(KIND_COLOURS.get(node.kind, VALUE_COLOUR)))
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable
                      | flags.ItemSendsGeometryChanges)
        self.setZValue(2)
        self.setToolTip(f"{node.kind}: {node.label}" + (
            f"\ncases: {', '.join(node.cases)}" if node.cases else ""))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        pen = QPen(HIGHLIGHT if self.highlighted or selected else QColor("white"))
        pen.setWidthF(3.0 if self.highlighted or selected else 1.0)
        painter.setPen(pen)
        painter.setBrush(self._brush)
        painter.drawPath(self._path)
        if self.node.uid is None and lod >= LABEL_LOD:
            painter.setPen(QColor("white"))
            painter.setFont(EDGE_FONT)
            painter.drawText(self._path.boundingRect(), Qt.AlignmentFlag.AlignCenter,
                             VALUE_TAGS.get(self.node.kind, "?"))
        if self.pinned:
            painter.setPen(QPen(QColor("#222"), 1.2))
            painter.drawLine(QPointF(RADIUS * 0.6, -RADIUS), QPointF(RADIUS * 1.1, -RADIUS * 1.5))
        if lod >= LABEL_LOD:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 210))
            painter.drawRect(self._label_rect)
            painter.setPen(QColor("#1b1f23"))
            painter.setFont(LABEL_FONT)
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self._label)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        return super().itemChange(change, value)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._pressed_at = self.pos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self.pos() != getattr(self, "_pressed_at", self.pos()):
            self.pinned = True  # a node the analyst placed stays there on the next layout
            self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()


class EdgeItem(QGraphicsItem):
    """A directed edge from `source` to `target`, labelled with its relation."""

    def __init__(self, edge: GraphEdge, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.edge = edge
        self.source, self.target = source, target
        source.edges.append(self)
        target.edges.append(self)
        self.highlighted = False
        self._pen = edge_pen(edge)
        self._text = edge.relation.replace("_", " ") + (
            f" {edge.grading}" if edge.grading else "")
        self._text_w = QFontMetricsF(EDGE_FONT).horizontalAdvance(self._text)
        self._line = QLineF()
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.adjust()

    def adjust(self) -> None:
        """Follow the end nodes (stop short of their shapes)."""
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        self.prepareGeometryChange()
        if length <= 2 * RADIUS + 2:
            self._line = QLineF(a, a)
            return
        ux, uy = line.dx() / length, line.dy() / length
        gap = RADIUS + 3
        self._line = QLineF(a.x() + ux * gap, a.y() + uy * gap, b.x() - ux * gap,
                            b.y() - uy * gap)

    def boundingRect(self) -> QRectF:
        p1, p2 = self._line.p1(), self._line.p2()
        rect = QRectF(p1, p2).normalized()
        pad = max(8.0, self._text_w / 2 + 2)
        return rect.adjusted(-pad, -8, pad, 8)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._line.length() == 0:
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        pen = QPen(self._pen)
        if self.highlighted:
            pen.setColor(HIGHLIGHT)
            pen.setWidthF(pen.widthF() + 2.5)
        painter.setPen(pen)
        painter.drawLine(self._line)
        # The arrowhead at the target end.
        angle = math.atan2(-self._line.dy(), self._line.dx())
        tip = self._line.p2()
        size = 7.0
        left = tip + QPointF(math.sin(angle - math.pi / 3) * size,
                             math.cos(angle - math.pi / 3) * size)
        right = tip + QPointF(math.sin(angle - math.pi + math.pi / 3) * size,
                              math.cos(angle - math.pi + math.pi / 3) * size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pen.color())
        painter.drawPolygon(QPolygonF([tip, left, right]))
        if lod >= EDGE_LABEL_LOD:
            mid = self._line.center()
            box = QRectF(mid.x() - self._text_w / 2 - 1, mid.y() - 6, self._text_w + 2, 11)
            painter.setBrush(QColor(255, 255, 255, 200))
            painter.drawRect(box)
            painter.setPen(QColor("#5a636d") if not self.highlighted else QColor("#8a5a00"))
            painter.setFont(EDGE_FONT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._text)

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.setZValue(1.5 if on else 1)
            self.update()
