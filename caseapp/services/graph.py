"""The link chart's use cases: a case's graph (and across cases), shortest paths, exports.

`GraphService.case_graph(ref)` builds the chart's graph from `case show`'s records
(domain/graph.py); with `cross_case` every company, person and shipment seen in another case
(the seen-before index, services/seen.py) pulls that case in, and the identifiers they share
become value nodes. `paths` finds the shortest chains between two entities with networkx;
`export` writes GEXF, GraphML (Gephi, i2-style tools) or JSON. The saved layout of a case's
chart lives in services/chart_layouts.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from caseapp.domain.graph import CaseGraph, GraphEdge, GraphNode, build_case_graph, seen_value_edges
from caseapp.errors import CaseAppError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

FORMATS = ("gexf", "graphml", "json")
MAX_PATHS = 10


class GraphService:
    """Graphs of cases for the link chart, `caseapp graph` and `caseapp path`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def case_graph(self, case_ref: str, *, cross_case: bool = False) -> CaseGraph:
        """The graph of one case; with `cross_case`, joined with every case where one of its
        companies, persons or shipments is seen. Raises NotFoundError (no such case)."""
        detail = self.ws.cases.show(case_ref)
        graph = build_case_graph(detail)
        if not cross_case:
            return graph
        return self._with_seen(graph, detail.seen_in)

    def expand(self, graph: CaseGraph, node: str) -> CaseGraph:
        """`graph` joined with the other cases the record of node `node` appears in."""
        n = graph.node(node)
        if n.uid is None or n.kind not in ("company", "person", "shipment"):
            return graph
        seen = self.ws.seen.seen(n.kind, n.uid)["seen_in"]
        return self._with_seen(graph, {n.uid: seen})

    def _with_seen(self, graph: CaseGraph, seen_in: Mapping[str, list[dict[str, Any]]]
                   ) -> CaseGraph:
        others = sorted({e["case"] for entries in seen_in.values() for e in entries
                         if e.get("case")} - set(graph.cases))
        for ref in others:
            graph = graph.merged(build_case_graph(self.ws.cases.show(ref)))
        nodes, edges = seen_value_edges(graph, seen_in)
        if nodes or edges:
            graph = graph.merged(CaseGraph(graph.case, tuple(nodes), tuple(edges)))
        return graph

    def all_cases_graph(self) -> CaseGraph:
        """Every live case's graph, merged (what `path` searches without --case)."""
        refs = [c.ref for c in self.ws.cases.list_all()]
        if not refs:
            raise NotFoundError("There are no cases yet.", kind="case")
        graph = build_case_graph(self.ws.cases.show(refs[0]))
        seen: dict[str, list[dict[str, Any]]] = {}
        for ref in refs[1:]:
            detail = self.ws.cases.show(ref)
            graph = graph.merged(build_case_graph(detail))
            seen.update(detail.seen_in)
        return self._with_seen(graph, seen)

    # --- paths -------------------------------------------------------------------------------
    def paths(self, key1: str, key2: str, case_ref: str | None = None,
              limit: int = MAX_PATHS) -> dict[str, Any]:
        """The shortest chains of links between two entities (`path --json`).

        A KEY is a record's uid, its name or readable key (company or person name, shipment
        ref, exhibit ref, substance name) or a shared value (a phone number). With `case_ref`
        the search starts from that case's cross-case graph, else from every case.
        Raises NotFoundError (unknown or ambiguous key), ValidationError (same entity twice).
        """
        graph = (self.case_graph(case_ref, cross_case=True) if case_ref
                 else self.all_cases_graph())
        a, b = find_node(graph, key1), find_node(graph, key2)
        if a.id == b.id:
            raise ValidationError(f"{key1!r} and {key2!r} are the same record.")
        found = shortest_paths(graph, a.id, b.id, limit)
        return {"from": _node_json(a), "to": _node_json(b),
                "paths": [path_json(graph, p) for p in found]}

    # --- export ------------------------------------------------------------------------------
    def export(self, case_ref: str, fmt: str, out: Path | str, *, cross_case: bool = False
               ) -> CaseGraph:
        """Write the case's graph to `out` as GEXF, GraphML or JSON; returns the graph.
        Raises ValidationError (format), NotFoundError (case), CaseAppError (cannot write)."""
        if fmt not in FORMATS:
            raise ValidationError(f"The format is one of {', '.join(FORMATS)}, not {fmt!r}.")
        graph = self.case_graph(case_ref, cross_case=cross_case)
        path = Path(out)
        try:
            if fmt == "json":
                path.write_text(json.dumps(graph_json(graph), ensure_ascii=False, indent=1),
                                encoding="utf-8")
            elif fmt == "gexf":
                nx.write_gexf(to_networkx(graph), path)
            else:
                nx.write_graphml(to_networkx(graph), path)
        except OSError as exc:
            raise CaseAppError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        return graph


def to_networkx(graph: CaseGraph) -> nx.MultiDiGraph:
    """The graph for networkx writers: attributes as strings (GEXF/GraphML need no None)."""
    g = nx.MultiDiGraph(name=graph.case)
    for n in graph.nodes:
        g.add_node(n.id, label=n.label, kind=n.kind, uid=n.uid or "",
                   cases=";".join(n.cases))
    for i, e in enumerate(graph.edges):
        g.add_edge(e.source, e.target, key=str(i), label=e.relation, relation=e.relation,
                   grading=e.grading, case=e.case, uid=e.link_uid or "",
                   first_seen=e.start or "", last_seen=e.end or "")
    return g


def graph_json(graph: CaseGraph) -> dict[str, Any]:
    """`graph --format json`: {"case", "cases", "nodes": [...], "edges": [...]}."""
    return {"case": graph.case, "cases": list(graph.cases),
            "nodes": [n.as_json() for n in graph.nodes],
            "edges": [e.as_json() for e in graph.edges]}


def find_node(graph: CaseGraph, key: str) -> GraphNode:
    """The node a KEY names: uid, node id, or a name/value (case-insensitive, unique)."""
    wanted = key.strip()
    for n in graph.nodes:
        if wanted in (n.uid, n.id):
            return n
    folded = wanted.casefold()
    hits = [n for n in graph.nodes if n.label.casefold() == folded]
    if not hits:
        hits = [n for n in graph.nodes if n.uid and folded in n.label.casefold()]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NotFoundError(f"Nothing named {key!r} in the chart.", key=key)
    raise NotFoundError(f"{key!r} names {len(hits)} records; use one's uid.", key=key,
                        candidates=tuple(n.uid or n.id for n in hits),
                        details=[f"{n.kind} {n.label} ({n.uid or n.id})" for n in hits[:10]])


def shortest_paths(graph: CaseGraph, a: str, b: str, limit: int = MAX_PATHS
                   ) -> list[list[str]]:
    """Up to `limit` shortest node chains from a to b, edges taken in either direction."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    try:
        return [list(p) for p in islice(nx.all_shortest_paths(g, a, b), limit)]
    except nx.NetworkXNoPath:
        return []


def path_json(graph: CaseGraph, chain: list[str]) -> dict[str, Any]:
    """{"length", "nodes": [...], "links": [...]} for one chain of node ids."""
    links = []
    for x, y in zip(chain, chain[1:], strict=False):
        edge = _edge_between(graph, x, y)
        links.append({"from": _node_json(graph.node(edge.source)),
                      "to": _node_json(graph.node(edge.target)), **{
                          k: v for k, v in edge.as_json().items()
                          if k not in ("source", "target")}})
    return {"length": len(chain) - 1, "nodes": [_node_json(graph.node(n)) for n in chain],
            "links": links}


def _edge_between(graph: CaseGraph, x: str, y: str) -> GraphEdge:
    """The best-graded edge joining x and y (either direction)."""
    edges = [e for e in graph.edges if {e.source, e.target} == {x, y}]
    return min(edges, key=lambda e: (not e.grading, e.grading, e.relation))


def _node_json(n: GraphNode) -> dict[str, Any]:
    return {"kind": n.kind, "uid": n.uid, "name": n.label, "cases": list(n.cases)}
