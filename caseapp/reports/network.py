"""The network diagram: companies, persons, shipments, substances and seizures with their links.

Laid out as the window's link chart lays it out (domain/graph_layout.py: igraph, seeded, so
an unchanged case gives the same picture; no scipy), or where the analyst left the nodes when
the case's chart layout was saved, and drawn with ReportLab graphics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors

from caseapp.domain.graph_layout import layout_positions
from caseapp.reports.charts import clip, draw_text
from caseapp.reports.data import CaseDetail
from caseapp.reports.fonts import SANS, string_width
from caseapp.reports.styles import MUTED

MAX_SEIZURE_NODES = 40
MAX_NODES = 120
KIND_COLOURS = {
    "company": colors.HexColor("#2f5d8a"), "person": colors.HexColor("#3a8a4f"),
    "shipment": colors.HexColor("#d07a1f"), "substance": colors.HexColor("#7a3f9a"),
    "seizure": colors.HexColor("#b3262d"),
}
Node = tuple[str, str]  # (kind, uid)
# Relations the records' own fields make (not links): drawn only where no link joins the pair.
DERIVED = frozenset({"shipper", "consignee", "carrier", "seized", "from"})
LABEL_BACKDROP = colors.Color(1, 1, 1, alpha=0.8)


@dataclass(frozen=True)
class Network:
    graph: nx.DiGraph  # subject -> object; "relation" names the edge
    omitted: str  # a sentence saying what was left out, or ""


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


_DIRECTIONS = ((0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))


class LabelPlacer:
    """Greedy placement: each label goes to the first candidate spot that overlaps no label
    or node placed before it (else the spot that overlaps least)."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.taken: list[Box] = []

    def reserve(self, box: Box) -> None:
        self.taken.append(box)

    def place(self, candidates: list[tuple[float, float]], w: float, h: float
              ) -> tuple[float, float]:
        """The (centre x, baseline y) chosen among `candidates` for a w x h label; when each
        of them overlaps something, spots in widening rings around the first are tried too."""
        best, best_cost = candidates[0], float("inf")
        x0, y0 = candidates[0]
        rings = [(x0 + dx * w * 0.6 * k, y0 + dy * h * 1.3 * k)
                 for k in range(1, 7) for dx, dy in _DIRECTIONS]
        for x, y in [*candidates, *rings]:
            box = (x - w / 2 - 1, y - h * 0.3, x + w / 2 + 1, y + h * 0.9)
            outside = (box[0] < 0 or box[2] > self.width or box[1] < 0
                       or box[3] > self.height - 14)
            cost = sum(_overlap(box, t) for t in self.taken) + (1e6 if outside else 0)
            if cost < best_cost:
                best, best_cost = (x, y), cost
            if cost == 0:
                break
        x, y = best
        self.taken.append((x - w / 2 - 1, y - h * 0.3, x + w / 2 + 1, y + h * 0.9))
        return best


def build_network(data: CaseDetail) -> Network:
    """The graph of the case's records: explicit links plus the references fields make."""
    edges: set[tuple[Node, Node, str]] = set()
    for link in data.links:
        edges.add(((link.subject_kind, link.subject), (link.object_kind, link.object),
                   link.relation.replace("_", " ")))
    for sh in data.shipments:
        for attr in ("shipper", "consignee", "carrier"):
            uid = getattr(sh, attr)
            if uid:
                edges.add((("company", uid), ("shipment", sh.uid), attr))
    for sz in data.seizures:
        edges.add((("seizure", sz.uid), ("substance", sz.substance), "seized"))
        if sz.shipment:
            edges.add((("seizure", sz.uid), ("shipment", sz.shipment), "from"))
    omitted = []
    if len(data.seizures) > MAX_SEIZURE_NODES:
        edges = {e for e in edges if e[0][0] != "seizure" and e[1][0] != "seizure"}
        omitted.append(f"the {len(data.seizures):,} seizures (see the seizures table)")
    graph = nx.DiGraph()
    linked = {(a, b) for a, b, _r in edges if _r not in DERIVED} | {
        (b, a) for a, b, _r in edges if _r not in DERIVED}
    for a, b, relation in sorted(edges):
        if relation in DERIVED and (a, b) in linked:
            continue  # a link already says it (shipper "shipped" the shipment)
        if graph.has_edge(a, b):  # two relations between the same records: one arrow
            relation = f"{graph.edges[a, b]['relation']}; {relation}"
        graph.add_edge(a, b, relation=relation)
    if graph.number_of_nodes() > MAX_NODES:
        keep = sorted(graph.nodes, key=lambda n: (-graph.degree[n], n))[:MAX_NODES]
        dropped = graph.number_of_nodes() - MAX_NODES
        graph = graph.subgraph(sorted(keep)).copy()
        omitted.append(f"{dropped:,} least-connected records")
    text = ("Not drawn: " + " and ".join(omitted) + ".") if omitted else ""
    return Network(graph, text)


def _shape(kind: str, x: float, y: float, r: float) -> object:
    fill = KIND_COLOURS[kind]
    style = {"fillColor": fill, "strokeColor": colors.white, "strokeWidth": 0.8}
    if kind == "shipment":
        return Rect(x - r, y - r, 2 * r, 2 * r, **style)
    if kind == "substance":
        return Polygon([x, y + r * 1.25, x + r * 1.25, y, x, y - r * 1.25, x - r * 1.25, y],
                       **style)
    if kind == "seizure":
        return Polygon([x, y + r * 1.2, x + r * 1.1, y - r * 0.8, x - r * 1.1, y - r * 0.8],
                       **style)
    return Circle(x, y, r, **style)


def _layout(directed: nx.DiGraph, saved: Mapping[str, tuple[float, float]] | None = None
            ) -> dict[Node, tuple[float, float]]:
    """Positions (y up): the saved chart's where it has them (the rest laid out around them,
    pinned), else the chart's force layout."""
    ids = {node: f"{node[0]}:{node[1]}" for node in sorted(directed.nodes)}
    pinned: dict[str, tuple[float, float]] = {}
    if saved:
        known = [saved[i] for i in ids.values() if i in saved]
        if known:
            xs, ys = [p[0] for p in known], [p[1] for p in known]
            span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
            pinned = {i: ((saved[i][0] - min(xs)) / span, (saved[i][1] - min(ys)) / span)
                      for i in ids.values() if i in saved}
    pos = layout_positions(list(ids.values()), [(ids[a], ids[b]) for a, b in directed.edges],
                           [0] * len(ids), "force", pinned=pinned)
    return {node: (pos[i][0], -pos[i][1]) for node, i in ids.items()}


def network_drawing(data: CaseDetail, width: float, height: float = 560, *,
                    saved: Mapping[str, tuple[float, float]] | None = None
                    ) -> tuple[Drawing, str]:
    """The diagram and a caption sentence (what was left out, if anything); `saved`: the
    case's saved chart layout (node id -> scene x, y), used where it places a node."""
    net = build_network(data)
    drawing = Drawing(width, height)
    graph = net.graph
    if graph.number_of_nodes() == 0:
        drawing.add(String(0, height / 2, "No links recorded.", fontName=SANS, fontSize=8))
        return drawing, net.omitted
    pos = _layout(graph, saved)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad_x, pad_top, pad_bottom = 55.0, 24.0, 22.0
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0

    def at(node: Node) -> tuple[float, float]:
        px, py = pos[node]
        return (pad_x + (px - min(xs)) / span_x * (width - 2 * pad_x),
                pad_bottom + (py - min(ys)) / span_y * (height - pad_top - pad_bottom - 14))

    labels = graph.number_of_edges() <= 60
    radius, size = 5.5, 6.0
    placer = LabelPlacer(width, height)
    points = {node: at(node) for node in graph.nodes}
    for x, y in points.values():
        placer.reserve((x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1))
    edge_colour = colors.HexColor("#9aa3ad")
    for a, b in sorted(graph.edges):
        _arrow(drawing, points[a], points[b], radius + 2, edge_colour)
    for node in sorted(graph.nodes):
        x, y = points[node]
        drawing.add(_shape(node[0], x, y, radius))
    # Record names first (they matter most), then the relations along the arrows.
    for node in sorted(graph.nodes):
        x, y = points[node]
        name = clip(data.name_of(*node), size, 100)
        w = string_width(name, size)
        gap = radius + 3
        lx, ly = placer.place([(x, y - gap - size * 0.7), (x, y + gap), (x + gap + w / 2, y - 2),
                               (x - gap - w / 2, y - 2), (x, y - gap - size * 1.9),
                               (x, y + gap + size * 1.2)], w, size)
        drawing.add(draw_text(lx, ly, name, size, anchor="middle", backdrop=LABEL_BACKDROP))
    if labels:
        for a, b, attrs in sorted(graph.edges(data=True)):
            (x1, y1), (x2, y2) = points[a], points[b]
            text = attrs["relation"]
            w = string_width(text, 5)
            spots = [(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t + dy)
                     for t in (0.5, 0.4, 0.6, 0.3, 0.7) for dy in (1.5, -5.5)]
            lx, ly = placer.place(spots, w, 5)
            drawing.add(draw_text(lx, ly, text, 5, anchor="middle", colour=MUTED,
                                  backdrop=LABEL_BACKDROP))
    _legend(drawing, height)
    return drawing, net.omitted


def _arrow(drawing: Drawing, start: tuple[float, float], end: tuple[float, float],
           clearance: float, colour: colors.Color) -> None:
    """A line from `start` to `end`, stopping short of both nodes, with a head at `end`."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    if length <= 2 * clearance:
        return
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    sx, sy = x1 + ux * clearance, y1 + uy * clearance
    ex, ey = x2 - ux * clearance, y2 - uy * clearance
    drawing.add(Line(sx, sy, ex, ey, strokeColor=colour, strokeWidth=0.6))
    head, half = 5.0, 2.2
    bx, by = ex - ux * head, ey - uy * head
    drawing.add(Polygon([ex, ey, bx - uy * half, by + ux * half, bx + uy * half,
                         by - ux * half], fillColor=colour, strokeColor=None))


def _legend(drawing: Drawing, height: float) -> None:
    x = 0.0
    for kind in KIND_COLOURS:
        drawing.add(_shape(kind, x + 5, height - 6, 4))
        drawing.add(String(x + 13, height - 8.5, kind, fontName=SANS, fontSize=7))
        x += 70
