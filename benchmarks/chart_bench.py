"""Link chart benchmark: a synthetic chart of 5,000 nodes and 20,000 edges.

Prints the layout times (force-directed and by role, igraph; what the window runs on a
worker) and the frame time of a pan and of a zoom in the real chart window (offscreen raster
painting), at three zoom levels: the whole chart (labels hidden by level of detail), a
quarter of it, and 1:1 (labels drawn). Each frame = the view moved, then
`viewport().repaint()` (a synchronous paint). Also compares the scene's item index (none vs
BSP tree) and the viewport update mode.

    python benchmarks/chart_bench.py [--nodes 5000 --edges 20000 --frames 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

KINDS = ("company", "person", "shipment", "seizure", "substance", "phone")
LAYERS = {"company": 2, "person": 2, "shipment": 4, "seizure": 6, "substance": 0, "phone": 3}
RELATIONS = ("shipped", "received", "carried", "brokered", "contained", "offers")


def synthetic_graph(n: int, m: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """A connected-ish graph: preferential attachment, so hubs exist as in real networks."""
    from caseapp.domain.graph import CaseGraph, GraphEdge, GraphNode

    rng = random.Random(seed)
    nodes = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        nodes.append(GraphNode(f"{kind}:{i:05d}", kind, f"{kind.title()} {i:05d} Trading Co.",
                               None if kind == "phone" else f"u{i}", ("BENCH",), LAYERS[kind]))
    edges: dict[tuple[str, str, str], GraphEdge] = {}
    targets = [0]
    while len(edges) < m:
        a = rng.randrange(n)
        b = rng.choice(targets) if rng.random() < 0.5 else rng.randrange(n)
        if a == b:
            continue
        rel = RELATIONS[(a + b) % len(RELATIONS)]
        grading = rng.choice([("A", "1"), ("B", "2"), ("C", "3"), ("D", "4"), (None, None)])
        e = GraphEdge(nodes[a].id, nodes[b].id, rel, "BENCH", None, *grading)
        edges.setdefault(e.key, e)
        targets += [a, b]
    return CaseGraph("BENCH", tuple(nodes), tuple(edges.values()), ("BENCH",))


def time_layouts(graph) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from caseapp.domain.graph_layout import compute_layout

    out = {}
    for name in ("force", "hierarchical"):
        t = time.perf_counter()
        compute_layout(graph, name)
        out[f"layout_{name}_s"] = round(time.perf_counter() - t, 2)
    return out


def frame_times(graph, frames: int, index: str, update: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView

    from caseapp.domain.graph_layout import compute_layout
    from caseapp.views.chart_view import ChartWindow, scene_scale

    app = QApplication.instance() or QApplication([])

    class BenchWindow(ChartWindow):
        def load(self) -> None:  # no database: the synthetic graph is drawn below
            return None

    w = BenchWindow(None, "BENCH")  # type: ignore[arg-type]
    w.resize(1400, 900)
    w.show()
    scale = scene_scale(len(graph.nodes))
    pos = {k: (x * scale, y * scale) for k, (x, y) in compute_layout(graph, "force").items()}
    w.graph = graph
    t = time.perf_counter()
    w._draw(graph, pos, frozenset())
    build_s = time.perf_counter() - t
    w.scene.setItemIndexMethod(
        QGraphicsScene.ItemIndexMethod.BspTreeIndex if index == "bsp"
        else QGraphicsScene.ItemIndexMethod.NoIndex)
    w.view.setViewportUpdateMode(getattr(QGraphicsView.ViewportUpdateMode, update))
    app.processEvents()
    view = w.view
    out: dict[str, float] = {"build_items_s": round(build_s, 2)}
    for level, zoom in (("whole", None), ("quarter", 4.0), ("1to1", "one")):
        w.fit()
        if zoom == "one":
            view.resetTransform()
            w.set_detail(1.0)
        elif zoom is not None:
            view.zoom(zoom)
        view.centerOn(w.scene.sceneRect().center())
        view.viewport().repaint()
        pans, zooms = [], []
        bar = view.horizontalScrollBar()
        for i in range(frames):
            t = time.perf_counter()
            bar.setValue(bar.value() + (40 if i % 2 == 0 else -40))
            view.viewport().repaint()
            pans.append((time.perf_counter() - t) * 1000)
        for i in range(frames):
            f = 1.1 if i % 2 == 0 else 1 / 1.1
            t = time.perf_counter()
            view.zoom(f)
            view.viewport().repaint()
            zooms.append((time.perf_counter() - t) * 1000)
        out[f"pan_{level}_ms_median"] = round(statistics.median(pans), 1)
        out[f"pan_{level}_ms_max"] = round(max(pans), 1)
        out[f"zoom_{level}_ms_median"] = round(statistics.median(zooms), 1)
        out[f"zoom_{level}_ms_max"] = round(max(zooms), 1)
    w.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=5000)
    p.add_argument("--edges", type=int, default=20000)
    p.add_argument("--frames", type=int, default=20)
    p.add_argument("--compare", action="store_true",
                   help="also try the BSP index and other viewport update modes")
    args = p.parse_args()
    graph = synthetic_graph(args.nodes, args.edges)
    result: dict[str, object] = {"nodes": len(graph.nodes), "edges": len(graph.edges)}
    result.update(time_layouts(graph))
    variants = [("none", "MinimalViewportUpdate")]  # what the window uses
    if args.compare:
        variants += [("bsp", "MinimalViewportUpdate"), ("none", "FullViewportUpdate")]
    for index, update in variants:
        result[f"{index}/{update}"] = frame_times(graph, args.frames, index, update)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
