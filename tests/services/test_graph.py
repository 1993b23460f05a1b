"""The link chart's graph (domain/graph.py, services/graph.py), its layouts
(domain/graph_layout.py) and the saved layout of a case (services/chart_layouts.py)."""

from __future__ import annotations

from typing import Any

import pytest

from caseapp.domain.graph import GraphFilter
from caseapp.domain.graph_layout import compute_layout
from caseapp.errors import NotFoundError

REF = "CASE-2026-0007"
# The demo case: 5 companies, 3 persons, 5 shipments, 5 seizures, 5 substances, and the
# identifiers its records share (Ruan Mengyao's phone and e-mail are LSYH's; Tan Haoyu's
# e-mail is Zhuoheng's).
EXPECTED = {"company": 5, "person": 3, "shipment": 5, "seizure": 5, "substance": 5,
            "phone": 1, "email": 2}


def test_the_demo_case_graph_has_its_records_links_fields_and_shared_values(demo_ws: Any
                                                                            ) -> None:
    g = demo_ws.graph.case_graph(REF)
    assert g.count_by_kind() == EXPECTED
    detail = demo_ws.cases.show(REF)
    links = [e for e in g.edges if e.link_uid]
    assert len(links) == len(detail.links) == 32
    rel = {(g.node(e.source).label, e.relation, g.node(e.target).label): e for e in g.edges}
    # A link keeps its relation, direction and grading.
    lsyh = "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd."
    assert rel[(lsyh, "shipped", "SH-0007-03")].grading == "B2"
    # A reference field makes an edge where no link says it already.
    arrecife = next(c.name for c in detail.companies if c.name.startswith("Distribuidora"))
    assert ("SH-0007-03", "consignee", arrecife) in rel
    assert (lsyh, "shipper", "SH-0007-03") not in rel  # the "shipped" link says it
    assert ("EX-0007-05", "substance", "Fentanyl") in rel
    # The shared phone joins the company and the person.
    phone = next(n for n in g.nodes if n.kind == "phone")
    owners = {g.node(e.source).label for e in g.edges if e.target == phone.id}
    assert owners == {lsyh, "Ruan Mengyao"}
    # Roles for the hierarchical layout: supplier before broker before forwarder ...
    layer = {n.label: n.layer for n in g.nodes}
    assert layer[lsyh] < layer["Yichang Zhuoheng Trading Co., Ltd."] < layer[
        "Harbourline Swiftlink Logistics Limited"] < layer["SH-0007-01"] < layer[arrecife]


def test_filters_hide_kinds_relations_dates_and_weak_gradings(demo_ws: Any) -> None:
    g = demo_ws.graph.case_graph(REF)
    no_seizures = g.filtered(GraphFilter(kinds=frozenset(g.count_by_kind()) - {"seizure"}))
    assert "seizure" not in no_seizures.count_by_kind()
    assert all(g.node(e.source).kind != "seizure" for e in no_seizures.edges)
    strong = g.filtered(GraphFilter(max_reliability="A", max_credibility="2"))
    assert all(e.grading in ("", "A1", "A2") for e in strong.edges)
    assert not any(e.relation == "affiliated_with" for e in strong.edges)  # C3
    only = g.filtered(GraphFilter(relations=frozenset({"shipped"})))
    assert {e.relation for e in only.edges} == {"shipped"}
    assert "phone" not in only.count_by_kind()  # a value node left alone goes too
    early = g.filtered(GraphFilter(date_to="2025-12-31"))
    shipments = sorted(n.label for n in early.nodes if n.kind == "shipment")
    assert shipments == ["SH-0007-01", "SH-0007-02"]


def test_cross_case_graph_and_paths_between_supplier_and_consignee(demo_ws: Any) -> None:
    cross = demo_ws.graph.case_graph(REF, cross_case=True)
    assert cross.cases == (REF, "CASE-2026-0011")
    assert cross.count_by_kind()["shipment"] > EXPECTED["shipment"]
    doc = demo_ws.graph.paths("Wuhan Lanshuo", "Distribuidora", REF)
    assert doc["paths"] and all(p["length"] == 2 for p in doc["paths"])
    first = doc["paths"][0]
    assert first["nodes"][0]["name"].startswith("Wuhan") and \
        first["nodes"][-1]["name"].startswith("Distribuidora")
    assert len(first["links"]) == 2 and first["links"][0]["relation"]
    with pytest.raises(NotFoundError) as err:
        demo_ws.graph.paths("Wuhan Lanshuo", "no such company")
    assert "no such company" in err.value.message


def test_layouts_are_deterministic_keep_pins_and_need_no_scipy(
        demo_ws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in [m for m in sys.modules if m == "scipy" or m.startswith("scipy.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "scipy", None)  # `import scipy` fails (the installer)
    g = demo_ws.graph.case_graph(REF)
    for layout in ("force", "hierarchical"):
        pos = compute_layout(g, layout)
        assert pos == compute_layout(g, layout)
        assert set(pos) == {n.id for n in g.nodes}
        assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
        assert len({(round(x, 3), round(y, 3)) for x, y in pos.values()}) == len(pos)
    hier = compute_layout(g, "hierarchical")
    lsyh = next(n.id for n in g.nodes if n.label.startswith("Wuhan"))
    arrecife = next(n.id for n in g.nodes if n.label.startswith("Distribuidora"))
    assert hier[lsyh][0] < hier[arrecife][0]  # supplier left of consignee
    pinned = compute_layout(g, "force", pinned={lsyh: (0.2, 0.7)})
    assert pinned[lsyh] == (0.2, 0.7)


def test_saved_layout_round_trip(demo_ws: Any) -> None:
    assert demo_ws.chart_layouts.load(REF) is None
    saved = demo_ws.chart_layouts.save(REF, "hierarchical", {"company:x": (1.5, -2.0)},
                                       frozenset({"company:x"}))
    again = demo_ws.chart_layouts.load(REF)
    assert again == saved and again.positions == {"company:x": (1.5, -2.0)}
    demo_ws.chart_layouts.save(REF, "force", {"company:y": (0.0, 0.0)})
    assert demo_ws.chart_layouts.load(REF).positions == {"company:y": (0.0, 0.0)}
    demo_ws.chart_layouts.forget(REF)
    assert demo_ws.chart_layouts.load(REF) is None


def test_the_report_network_page_draws_the_saved_layout(demo_ws: Any) -> None:
    from caseapp.reports.network import _layout, build_network

    data = demo_ws.cases.show(REF)
    graph = build_network(data).graph
    lsyh = next(n for n in graph.nodes if data.name_of(*n).startswith("Wuhan"))
    arrecife = next(n for n in graph.nodes if data.name_of(*n).startswith("Distribuidora"))
    key = {n: f"{n[0]}:{n[1]}" for n in graph.nodes}
    for left, right in ((lsyh, arrecife), (arrecife, lsyh)):
        saved = {key[n]: (500.0, 500.0 + i * 37.0) for i, n in enumerate(sorted(graph.nodes))}
        saved[key[left]], saved[key[right]] = (-2000.0, 0.0), (2000.0, 0.0)
        demo_ws.chart_layouts.save(REF, "force", saved)
        ctx = demo_ws.reports.context(data, None)
        pos = _layout(graph, ctx.chart_layout)
        assert pos[left][0] < pos[right][0]
        assert pos[left][1] == pos[right][1]  # y is flipped for the page, both on one row


def test_separate_moves_overlapping_labels_apart_and_keeps_fixed_nodes() -> None:
    from caseapp.domain.graph_layout import separate

    pos = {"a": (0.0, 0.0), "b": (10.0, 5.0), "c": (500.0, 500.0)}
    sizes = {k: (120.0, 40.0) for k in pos}
    out = separate(pos, sizes, fixed=frozenset({"a"}))
    assert out["a"] == (0.0, 0.0) and out["c"] == (500.0, 500.0)
    assert abs(out["b"][0] - out["a"][0]) >= 120 or abs(out["b"][1] - out["a"][1]) >= 40
