"""Layouts of the link chart and of the report's network page, by python-igraph (C code).

Two layouts: "force" (Davidson-Harel for a case-sized graph, which spreads a few dozen nodes
evenly and avoids crossings; Kamada-Kawai when nodes are pinned; Fruchterman-Reingold beyond
`KK_MAX_NODES`, about a second for 5,000 nodes and
20,000 edges) and "hierarchical" (Sugiyama layers by role: substance, supplier, broker,
forwarder, shipment, consignee, seizure; left to right). Deterministic: the start positions
come from the node order and igraph's random numbers from a generator seeded per call.
Pinned nodes keep their place. No scipy (the installer leaves it out), no Qt: the window runs
this on a worker, the report calls it directly.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable, Mapping, Sequence

from caseapp.domain.graph import CaseGraph

LAYOUTS = ("force", "hierarchical")
KK_MAX_NODES = 300
SEED = 7
Point = tuple[float, float]
_RNG_LOCK = threading.Lock()  # igraph's random generator is one per process


def compute_layout(graph: CaseGraph, layout: str = "force", *,
                   pinned: Mapping[str, Point] | None = None,
                   seed: int = SEED) -> dict[str, Point]:
    """node id -> (x, y), the whole drawing scaled into the unit square (0..1, y down).

    `pinned` positions (same unit square) are kept as they are. Raises ValueError for an
    unknown layout."""
    return layout_positions([n.id for n in graph.nodes],
                            [(e.source, e.target) for e in graph.edges],
                            [n.layer for n in graph.nodes], layout, pinned=pinned, seed=seed)


def layout_positions(ids: Sequence[str], edge_list: Iterable[tuple[str, str]],
                     layers: Sequence[int], layout: str = "force", *,
                     pinned: Mapping[str, Point] | None = None,
                     seed: int = SEED) -> dict[str, Point]:
    """`compute_layout` for any graph: node ids, (source, target) pairs, a layer per node."""
    import igraph  # loaded on first use: commands without a chart start faster

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if not ids:
        return {}
    index = {nid: i for i, nid in enumerate(ids)}
    edges = sorted({(min(index[a], index[b]), max(index[a], index[b]))
                    for a, b in edge_list if a in index and b in index and a != b})
    g = igraph.Graph(n=len(ids), edges=edges)
    pins = {index[k]: v for k, v in (pinned or {}).items() if k in index}
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            coords = _hierarchical(g, list(layers)) if layout == "hierarchical" else _force(
                g, pins)
        finally:
            igraph.set_random_number_generator(random)
    out = _fit_to_pins(coords) if layout == "force" and pins else _normalised(coords)
    out.update(pins)
    return {ids[i]: out[i] for i in range(len(ids))}


def _force(g: object, pins: Mapping[int, Point]) -> list[Point]:
    n = g.vcount()  # type: ignore[attr-defined]
    start = [(math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i in range(n)]
    scale = math.sqrt(n)
    bounds: dict[str, list[float]] = {}
    if pins:
        # The pinned nodes' places, in the layout's own units: the unit square stretched.
        span = 2 * scale
        bounds = {k: [(-1e9 if k.startswith("min") else 1e9)] * n
                  for k in ("minx", "maxx", "miny", "maxy")}
        for i, (x, y) in pins.items():
            px, py = (x - 0.5) * span, (y - 0.5) * span
            start[i] = (px, py)
            bounds["minx"][i] = bounds["maxx"][i] = px
            bounds["miny"][i] = bounds["maxy"][i] = py
    if n <= KK_MAX_NODES and not pins:
        # Davidson-Harel weighs node distances, edge lengths and crossings: on case-sized
        # graphs it leaves the fewest labels on top of each other (measured against KK, FR,
        # graphopt and LGL on the demo case).
        layout = g.layout_davidson_harel(  # type: ignore[attr-defined]
            seed=[list(p) for p in start])
    elif n <= KK_MAX_NODES:
        layout = g.layout_kamada_kawai(  # type: ignore[attr-defined]
            seed=[list(p) for p in start], maxiter=50 * n, **bounds)
    else:
        # Start from igraph's own (seeded) random positions: a circle of radius 1 puts
        # thousands of nodes in a few grid cells and takes 30 times longer.
        seed = [list(start[i]) if i in pins else None for i in range(n)] if pins else None
        layout = g.layout_fruchterman_reingold(  # type: ignore[attr-defined]
            seed=_filled(seed, n, scale), niter=300,
            grid="grid" if not pins else "nogrid", **bounds)
    return [(float(x), float(y)) for x, y in layout.coords]


def _filled(seed: list[list[float] | None] | None, n: int, scale: float
            ) -> list[list[float]] | None:
    """Start positions: the pinned ones, the rest spread at random (seeded generator)."""
    if seed is None:
        return None
    rng = random.Random(SEED)
    return [p if p is not None else [rng.uniform(-scale, scale), rng.uniform(-scale, scale)]
            for p in seed]


def _hierarchical(g: object, layers: list[int]) -> list[Point]:
    """Sugiyama layers left to right; within a layer, igraph orders nodes to cut crossings."""
    n = g.vcount()  # type: ignore[attr-defined]
    layout = g.layout_sugiyama(layers=layers, maxiter=100)  # type: ignore[attr-defined]
    coords = layout.coords[:n]  # the rest are dummy vertices of long edges
    # Spread each layer evenly so that crowded layers do not overlap (y = order in layer).
    by_layer: dict[int, list[int]] = {}
    for i, (_x, y) in enumerate(coords):
        by_layer.setdefault(int(round(y)), []).append(i)
    tallest = max(len(v) for v in by_layer.values())
    out: list[Point] = [(0.0, 0.0)] * n
    for layer, members in by_layer.items():
        members.sort(key=lambda i: coords[i][0])
        gap = tallest / (len(members) + 1)
        for rank, i in enumerate(members):
            out[i] = (float(layer) * max(1.6, tallest / 2.5), gap * (rank + 1))
    return out


def _normalised(coords: list[Point]) -> dict[int, Point]:
    xs, ys = [p[0] for p in coords], [p[1] for p in coords]
    x0, y0 = min(xs), min(ys)
    span = max(max(xs) - x0, max(ys) - y0) or 1.0
    # Keep the aspect ratio: centre the shorter side.
    dx = (span - (max(xs) - x0)) / 2
    dy = (span - (max(ys) - y0)) / 2
    return {i: ((x - x0 + dx) / span, (y - y0 + dy) / span) for i, (x, y) in enumerate(coords)}


def _fit_to_pins(coords: list[Point]) -> dict[int, Point]:
    """With pins the layout's own units are the unit square stretched (see `_force`): map
    back linearly so pinned nodes land exactly where they were."""
    n = len(coords)
    span = 2 * math.sqrt(n)
    return {i: (x / span + 0.5, y / span + 0.5) for i, (x, y) in enumerate(coords)}


def separate(positions: Mapping[str, Point], sizes: Mapping[str, tuple[float, float]], *,
             fixed: frozenset[str] = frozenset(), rounds: int = 60,
             max_nodes: int = 250) -> dict[str, Point]:
    """Nudge apart nodes whose boxes (node and label, `sizes` w x h around the point)
    overlap, along the axis of least overlap, keeping `fixed` ones still. For a case-sized
    chart after its layout (labels readable); bigger charts are returned as they are (their
    labels show only when zoomed in)."""
    pos = {k: (float(x), float(y)) for k, (x, y) in positions.items()}
    if len(pos) > max_nodes:
        return pos
    ids = sorted(pos)
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                (ax, ay), (bx, by) = pos[a], pos[b]
                aw, ah = sizes.get(a, (30.0, 30.0))
                bw, bh = sizes.get(b, (30.0, 30.0))
                ox = (aw + bw) / 2 - abs(ax - bx)
                oy = (ah + bh) / 2 - abs(ay - by)
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                share_a = 0.0 if a in fixed else (1.0 if b in fixed else 0.5)
                share_b = 0.0 if b in fixed else 1.0 - share_a
                if oy <= ox:  # push apart vertically: the cheaper way out
                    d = (oy + 1) * (1 if ay >= by else -1)
                    pos[a], pos[b] = (ax, ay + d * share_a), (bx, by - d * share_b)
                else:
                    d = (ox + 1) * (1 if ax >= bx else -1)
                    pos[a], pos[b] = (ax + d * share_a, ay), (bx - d * share_b, by)
        if not moved:
            break
    return pos
