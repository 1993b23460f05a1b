"""The network diagram: companies, persons, shipments, substances and seizures with their links.

Laid out by networkx (spring layout with a fixed seed and nodes added in sorted order, so an
unchanged case gives the same picture) and drawn with ReportLab graphics.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors

from caseapp.reports.charts import clip, draw_text
from caseapp.reports.data import CaseDetail
from caseapp.reports.fonts import SANS
from caseapp.reports.styles import MUTED

MAX_SEIZURE_NODES = 40
MAX_NODES = 120
KIND_COLOURS = {
    "company": colors.HexColor("#2f5d8a"), "person": colors.HexColor("#3a8a4f"),
    "shipment": colors.HexColor("#d07a1f"), "substance": colors.HexColor("#7a3f9a"),
    "seizure": colors.HexColor("#b3262d"),
}
Node = tuple[str, str]  # (kind, uid)
LABEL_BACKDROP = colors.Color(1, 1, 1, alpha=0.8)


@dataclass(frozen=True)
class Network:
    graph: nx.Graph
    omitted: str  # a sentence saying what was left out, or ""


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
    graph = nx.Graph()
    for a, b, relation in sorted(edges):
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


def _layout(graph: nx.Graph) -> dict[Node, tuple[float, float]]:
    """Kamada-Kawai spreads a case's small graphs evenly; spring layout for big ones."""
    if graph.number_of_nodes() <= 80 and nx.is_connected(graph):
        start = nx.circular_layout(graph)
        return dict(nx.kamada_kawai_layout(graph, pos=start))
    return dict(nx.spring_layout(graph, seed=7, iterations=300,
                                 k=1.6 / max(1, graph.number_of_nodes()) ** 0.5))


def network_drawing(data: CaseDetail, width: float, height: float = 560) -> tuple[Drawing, str]:
    """The diagram and a caption sentence (what was left out, if anything)."""
    net = build_network(data)
    drawing = Drawing(width, height)
    graph = net.graph
    if graph.number_of_nodes() == 0:
        drawing.add(String(0, height / 2, "No links recorded.", fontName=SANS, fontSize=8))
        return drawing, net.omitted
    pos = _layout(graph)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad_x, pad_top, pad_bottom = 55.0, 24.0, 22.0
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0

    def at(node: Node) -> tuple[float, float]:
        px, py = pos[node]
        return (pad_x + (px - min(xs)) / span_x * (width - 2 * pad_x),
                pad_bottom + (py - min(ys)) / span_y * (height - pad_top - pad_bottom - 14))

    labels = graph.number_of_edges() <= 60
    for a, b, attrs in sorted(graph.edges(data=True)):
        (x1, y1), (x2, y2) = at(a), at(b)
        drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor("#9aa3ad"),
                         strokeWidth=0.6))
        if labels:
            drawing.add(String((x1 + x2) / 2, (y1 + y2) / 2 + 1.5, attrs["relation"],
                               fontName=SANS, fontSize=5, fillColor=MUTED, textAnchor="middle"))
    for node in sorted(graph.nodes):
        x, y = at(node)
        drawing.add(_shape(node[0], x, y, 5.5))
        name = clip(data.name_of(*node), 6, 100)
        drawing.add(draw_text(x, y - 12, name, 6, anchor="middle", backdrop=LABEL_BACKDROP))
    _legend(drawing, height)
    return drawing, net.omitted


def _legend(drawing: Drawing, height: float) -> None:
    x = 0.0
    for kind in KIND_COLOURS:
        drawing.add(_shape(kind, x + 5, height - 6, 4))
        drawing.add(String(x + 13, height - 8.5, kind, fontName=SANS, fontSize=7))
        x += 70
