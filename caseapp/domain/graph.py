"""The link chart's graph: a case's records as nodes, links and reference fields as edges.

Pure data, built from plain records (no session, no Qt): `build_case_graph` turns one case's
records into a `CaseGraph`; `CaseGraph.merged` joins the graphs of several cases (shared
companies and persons are one node); `GraphFilter` hides what an analyst does not want to
see. Shared identifiers (phone, e-mail, address) become value nodes, normalised as the
seen-before index normalises them (domain/identifiers.py), so two companies that share a phone
connect through it. Node ids are `kind:uid` for records and `feature:value` for values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from caseapp.domain import identifiers as ids

RECORD_KINDS = ("company", "person", "shipment", "seizure", "substance")
VALUE_KINDS = ("phone", "email", "address")
NODE_KINDS = RECORD_KINDS + VALUE_KINDS
# The reference fields that make edges: (source kind, field, target kind, relation).
FIELD_RELATIONS = ("shipper", "consignee", "carrier", "substance", "shipment")
# Hierarchical layout: the flow supplier -> broker -> forwarder -> shipment -> consignee.
ROLE_LAYERS: dict[str, int] = {
    "manufacturer": 1, "supplier": 1, "broker": 2, "freight_forwarder": 3, "logistics": 3,
    "postal_operator": 3, "importer": 5, "consignee": 5, "front_company": 5}
KIND_LAYERS: dict[str, int] = {"substance": 0, "shipment": 4, "seizure": 6}
FIELD_LAYERS: dict[str, int] = {"shipper": 1, "carrier": 3, "consignee": 5}
LAYER_NAMES = ("substance", "supplier", "broker", "forwarder", "shipment", "consignee",
               "seizure")
DEFAULT_LAYER = 2


@dataclass(frozen=True)
class GraphNode:
    """One node: a record (`uid` set) or a shared value (`uid` None)."""

    id: str
    kind: str
    label: str
    uid: str | None = None
    cases: tuple[str, ...] = ()        # refs of the cases it appears in
    layer: int = DEFAULT_LAYER         # its rank in the hierarchical layout
    start: str | None = None           # ISO dates it is active (shipments, seizures)
    end: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "uid": self.uid, "name": self.label,
                "cases": list(self.cases), "role": LAYER_NAMES[self.layer]}


@dataclass(frozen=True)
class GraphEdge:
    """A directed edge: a link (`link_uid` set), a reference field or a shared value."""

    source: str
    target: str
    relation: str
    case: str = ""
    link_uid: str | None = None
    reliability: str | None = None     # Admiralty source reliability A-F
    credibility: str | None = None     # information credibility 1-6
    start: str | None = None
    end: str | None = None

    @property
    def grading(self) -> str:
        """"B2", or "" for an ungraded edge (a field or a shared value)."""
        return f"{self.reliability or ''}{self.credibility or ''}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.relation)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "relation": self.relation,
                "grading": self.grading or None, "case": self.case or None,
                "uid": self.link_uid, "first_seen": self.start, "last_seen": self.end}


@dataclass(frozen=True)
class GraphFilter:
    """What to show: kinds and relations (None = all), a date range and a minimum grading.

    Undated records and edges stay in any date range; ungraded edges (fields, values) pass
    the grading filter unless `graded_only`."""

    kinds: frozenset[str] | None = None
    relations: frozenset[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    max_reliability: str | None = None   # "B": A and B pass
    max_credibility: str | None = None   # "2": 1 and 2 pass
    graded_only: bool = False

    def _in_range(self, start: str | None, end: str | None) -> bool:
        if start is None and end is None:
            return True
        lo, hi = start or end or "", end or start or ""
        return not ((self.date_from and hi < self.date_from)
                    or (self.date_to and lo > self.date_to))

    def keeps_node(self, node: GraphNode) -> bool:
        return ((self.kinds is None or node.kind in self.kinds)
                and self._in_range(node.start, node.end))

    def keeps_edge(self, edge: GraphEdge) -> bool:
        if self.relations is not None and edge.relation not in self.relations:
            return False
        if not self._in_range(edge.start, edge.end):
            return False
        if edge.reliability is None and edge.credibility is None:
            return not self.graded_only
        if self.max_reliability and (edge.reliability or "F") > self.max_reliability:
            return False
        return not (self.max_credibility and (edge.credibility or "6") > self.max_credibility)


@dataclass(frozen=True)
class CaseGraph:
    """The nodes and edges of one case (or of several, merged)."""

    case: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    cases: tuple[str, ...] = ()
    _index: dict[str, GraphNode] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> GraphNode:
        return self._index[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self._index

    def count_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for n in self.nodes:
            out[n.kind] += 1
        return dict(out)

    def filtered(self, flt: GraphFilter) -> CaseGraph:
        """The graph without the nodes and edges the filter hides (and their dangling edges);
        value nodes left with fewer than two neighbours go too."""
        keep = {n.id for n in self.nodes if flt.keeps_node(n)}
        edges = [e for e in self.edges
                 if e.source in keep and e.target in keep and flt.keeps_edge(e)]
        degree: dict[str, int] = defaultdict(int)
        for e in edges:
            for end in (e.source, e.target):
                if self.node(end).uid is None:
                    degree[end] += 1
        values = {n.id for n in self.nodes if n.uid is None and degree[n.id] < 2}
        edges = [e for e in edges if e.target not in values and e.source not in values]
        nodes = tuple(n for n in self.nodes if n.id in keep and n.id not in values)
        return CaseGraph(self.case, nodes, tuple(edges), self.cases)

    def merged(self, other: CaseGraph) -> CaseGraph:
        """This graph and `other` as one: a node in both keeps the union of its cases."""
        nodes = {n.id: n for n in self.nodes}
        for n in other.nodes:
            mine = nodes.get(n.id)
            nodes[n.id] = n if mine is None else replace(
                mine, cases=tuple(sorted(set(mine.cases) | set(n.cases))))
        edges = {e.key + (e.case,): e for e in self.edges}
        for e in other.edges:
            edges.setdefault(e.key + (e.case,), e)
        cases = tuple(dict.fromkeys(self.cases + other.cases))
        return CaseGraph(self.case, tuple(sorted(nodes.values(), key=lambda n: n.id)),
                         tuple(sorted(edges.values(), key=_edge_order)), cases)


def _edge_order(e: GraphEdge) -> tuple[str, ...]:
    return (e.source, e.target, e.relation, e.case)


def node_id(kind: str, uid: str) -> str:
    return f"{kind}:{uid}"


@dataclass
class _Builder:
    case: str
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], GraphEdge] = field(default_factory=dict)

    def add_node(self, kind: str, uid: str, label: str, **extra: Any) -> str:
        nid = node_id(kind, uid)
        if nid not in self.nodes:
            self.nodes[nid] = GraphNode(nid, kind, label, uid, (self.case,), **extra)
        return nid

    def add_edge(self, edge: GraphEdge) -> None:
        self.edges.setdefault(edge.key, edge)


def _iso(value: object) -> str | None:
    return None if value is None else str(value)


def _company_layer(roles: Iterable[str], fields: Iterable[str]) -> int:
    layers = [ROLE_LAYERS[r] for r in roles if r in ROLE_LAYERS]
    if not layers:
        layers = [FIELD_LAYERS[f] for f in fields if f in FIELD_LAYERS]
    return min(layers) if layers else DEFAULT_LAYER


def build_case_graph(detail: Any, *, values: bool = True) -> CaseGraph:
    """The graph of one case from its `CaseDetail` (reports/data.py; typed loosely so the
    domain does not import reports): records, links, reference fields and shared values."""
    ref = detail.case.ref
    b = _Builder(ref)
    field_roles: dict[str, list[str]] = defaultdict(list)
    for sh in detail.shipments:
        for attr in ("shipper", "carrier", "consignee"):
            if getattr(sh, attr):
                field_roles[getattr(sh, attr)].append(attr)
    for c in detail.companies:
        b.add_node("company", c.uid, c.name, layer=_company_layer(c.roles, field_roles[c.uid]))
    for p in detail.persons:
        b.add_node("person", p.uid, p.full_name)
    for sh in detail.shipments:
        b.add_node("shipment", sh.uid, sh.ref, layer=KIND_LAYERS["shipment"],
                   start=_iso(sh.shipped_on), end=_iso(sh.arrived_on or sh.shipped_on))
    for sz in detail.seizures:
        b.add_node("seizure", sz.uid, sz.exhibit_ref, layer=KIND_LAYERS["seizure"],
                   start=_iso(sz.seized_on), end=_iso(sz.seized_on))
    for uid, sub in detail.substances.items():
        b.add_node("substance", uid, sub.name, layer=KIND_LAYERS["substance"])
    linked: set[frozenset[str]] = set()
    for link in detail.links:
        s = b.add_node(link.subject_kind, link.subject,
                       detail.name_of(link.subject_kind, link.subject))
        o = b.add_node(link.object_kind, link.object, detail.name_of(link.object_kind,
                                                                     link.object))
        linked.add(frozenset((s, o)))
        b.add_edge(GraphEdge(s, o, link.relation, ref, link.uid, link.source_reliability,
                             link.info_credibility, _iso(link.first_seen), _iso(link.last_seen)))
    _field_edges(b, detail, linked)
    _person_layers(b)
    if values:
        _value_nodes(b, detail)
    return CaseGraph(ref, tuple(sorted(b.nodes.values(), key=lambda n: n.id)),
                     tuple(sorted(b.edges.values(), key=_edge_order)), (ref,))


def _field_edges(b: _Builder, detail: Any, linked: set[frozenset[str]]) -> None:
    """Reference fields as edges, where no link already joins the two records."""
    def add(source: str, target: str, relation: str, start: str | None, end: str | None
            ) -> None:
        if source in b.nodes and target in b.nodes and frozenset((source, target)) not in linked:
            b.add_edge(GraphEdge(source, target, relation, b.case, start=start, end=end))

    for sh in detail.shipments:
        sid = node_id("shipment", sh.uid)
        span = (_iso(sh.shipped_on), _iso(sh.arrived_on or sh.shipped_on))
        if sh.shipper:
            add(node_id("company", sh.shipper), sid, "shipper", *span)
        if sh.carrier:
            add(node_id("company", sh.carrier), sid, "carrier", *span)
        if sh.consignee:
            add(sid, node_id("company", sh.consignee), "consignee", *span)
    for sz in detail.seizures:
        zid, day = node_id("seizure", sz.uid), _iso(sz.seized_on)
        add(zid, node_id("substance", sz.substance), "substance", day, day)
        if sz.shipment:
            add(zid, node_id("shipment", sz.shipment), "shipment", day, day)


def _person_layers(b: _Builder) -> None:
    """A person sits in the layer of the company they work for (else of what they did)."""
    for e in b.edges.values():
        person = b.nodes[e.source]
        if person.kind != "person" or person.layer != DEFAULT_LAYER:
            continue
        target = b.nodes[e.target]
        if target.kind == "company":
            b.nodes[person.id] = replace(person, layer=target.layer)
        elif e.relation == "received":
            b.nodes[person.id] = replace(person, layer=ROLE_LAYERS["consignee"])


def identifier_values(kind: str, rec: Any) -> set[tuple[str, str]]:
    """(feature, normalised value) of a company's or person's phones, e-mails and address."""
    country = getattr(rec, "country", None) or getattr(rec, "nationality", None)
    out: set[tuple[str, str]] = set()
    for raw in getattr(rec, "phones", ()):
        value = ids.phone(raw, country)
        if value:
            out.add(("phone", value))
    for raw in getattr(rec, "emails", ()):
        value = ids.email(raw)
        if value:
            out.add(("email", value))
    address = getattr(rec, "address", None)
    if address:
        words = ids.address_tokens(f"{address} {getattr(rec, 'city', '') or ''}", country)
        if len(words) >= 3:
            out.add(("address", " ".join(words)))
    return out


def _value_nodes(b: _Builder, detail: Any) -> None:
    """Identifiers two or more records share become nodes between them."""
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    shown: dict[tuple[str, str], str] = {}
    for kind, records in (("company", detail.companies), ("person", detail.persons)):
        for rec in records:
            for key in sorted(identifier_values(kind, rec)):
                holders[key].append(node_id(kind, rec.uid))
                shown.setdefault(key, _shown_value(key, rec))
    for key, owners in sorted(holders.items()):
        if len(owners) < 2:
            continue
        vid = f"{key[0]}:{key[1]}"
        layer = sorted(b.nodes[o].layer for o in owners)[len(owners) // 2]
        b.nodes[vid] = GraphNode(vid, key[0], shown[key], None, (b.case,), layer)
        for owner in owners:
            b.add_edge(GraphEdge(owner, vid, key[0], b.case))


def _shown_value(key: tuple[str, str], rec: Any) -> str:
    """The value as the record spells it (the first that normalises to `key`)."""
    if key[0] == "address":
        return str(rec.address)
    return key[1]


def seen_value_edges(graph: CaseGraph, seen_in: Mapping[str, list[dict[str, Any]]]
                     ) -> tuple[list[GraphNode], list[GraphEdge]]:
    """Value nodes and edges for the seen-before matches between records now in `graph`
    (the same phone in two cases' companies); matches on the record itself need none."""
    nodes: dict[str, GraphNode] = {}
    edges: list[GraphEdge] = []
    by_uid = {n.uid: n for n in graph.nodes if n.uid}
    for uid, entries in seen_in.items():
        mine = by_uid.get(uid)
        for entry in entries:
            other = by_uid.get(str(entry.get("uid")))
            feature = str(entry.get("matched_on"))
            if mine is None or other is None or other.id == mine.id or feature == "record":
                continue
            if feature == "decision" or not entry.get("value"):
                edges.append(GraphEdge(mine.id, other.id, "same_as", ""))
                continue
            vid = f"{feature}:{entry['value']}"
            nodes.setdefault(vid, GraphNode(vid, str(feature), str(entry["value"]), None,
                                            tuple(sorted(set(mine.cases) | set(other.cases))),
                                            mine.layer))
            edges += [GraphEdge(mine.id, vid, feature, ""), GraphEdge(other.id, vid, feature, "")]
    return list(nodes.values()), edges
