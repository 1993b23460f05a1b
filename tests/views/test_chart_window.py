"""The link chart window (views/chart_view.py) on the demo case: nodes and edges by kind,
shortest paths highlighted, filters, the record of a selected node, the saved layout."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform

REF = "CASE-2026-0007"
EXPECTED = {"company": 5, "person": 3, "shipment": 5, "seizure": 5, "substance": 5,
            "phone": 1, "email": 2}


def open_chart(qtbot: Any, ws: Any, **kw: Any) -> Any:
    from caseapp.views.chart_view import ChartWindow

    chart = ChartWindow(ws, REF, **kw)
    qtbot.addWidget(chart)
    with qtbot.waitSignal(chart.sig_ready, timeout=20000):
        chart.show()
    return chart


def node(chart: Any, label: str) -> Any:
    return next(i for i in chart.nodes.values() if i.node.label.startswith(label))


@pytest.fixture
def chart(qtbot: Any, demo_ws: Any, no_dialogs: list[BaseException]) -> Any:
    return open_chart(qtbot, demo_ws)


def test_the_demo_chart_has_its_nodes_and_edges_by_kind(chart: Any) -> None:
    assert dict(Counter(i.node.kind for i in chart.nodes.values())) == EXPECTED
    assert len(chart.edges) == 45
    relations = Counter(e.edge.relation for e in chart.edges)
    assert relations["shipped"] == 5 and relations["consignee"] == 2
    assert relations["phone"] == 2 and relations["email"] == 4
    # Laid out: no two nodes on the same spot.
    spots = {(round(i.pos().x()), round(i.pos().y())) for i in chart.nodes.values()}
    assert len(spots) == len(chart.nodes)


def test_path_between_supplier_and_consignee_is_highlighted(chart: Any) -> None:
    supplier, consignee = node(chart, "Wuhan Lanshuo"), node(chart, "Distribuidora")
    supplier.setSelected(True)
    consignee.setSelected(True)
    assert chart.show_paths() == 2
    lit = {chart.nodes[n].node.label for n in chart.highlighted_nodes()}
    assert supplier.node.label in lit and consignee.node.label in lit
    assert "SH-0007-03" in lit and len(lit) == 4  # via SH-0007-03 and via NPP
    # four steps; LSYH both offers and supplied NPP: both of those edges light up
    lit_edges = sorted(e.edge.relation for e in chart.edges if e.highlighted)
    assert lit_edges == ["consignee", "offers", "purchased", "shipped", "supplied"]
    assert not node(chart, "Tan Haoyu").highlighted


def test_filters_hide_kinds_and_weak_links(chart: Any) -> None:
    chart.panel.set_kind_shown("seizure", False)
    hidden = {i.node.kind for i in chart.nodes.values() if not i.isVisible()}
    assert hidden == {"seizure"}
    assert all(not e.isVisible() for e in chart.edges if e.source.node.kind == "seizure")
    assert all(e.isVisible() for e in chart.edges
               if "seizure" not in (e.source.node.kind, e.target.node.kind))
    chart.panel.set_kind_shown("seizure", True)
    chart.panel.reliability.setCurrentIndex(2)  # A-B
    weak = [e for e in chart.edges if e.edge.reliability == "C"]
    assert weak and all(not e.isVisible() for e in weak)
    assert all(e.isVisible() for e in chart.edges if e.edge.reliability in ("A", "B"))


def test_selecting_a_node_shows_its_record_and_double_click_opens_the_editor(
        qtbot: Any, demo_ws: Any, no_dialogs: list[BaseException]) -> None:
    opened: list[Any] = []
    chart = open_chart(qtbot, demo_ws, open_editor=opened.append)
    with qtbot.waitSignal(chart.sig_selected) as got:
        node(chart, "Harbourline").setSelected(True)
    assert got.args[0].name.startswith("Harbourline")
    assert "freight_forwarder" in chart.panel.record.toPlainText()
    chart.open_node(node(chart, "Harbourline"))
    assert opened and opened[0].uid == got.args[0].uid


def test_the_saved_layout_is_restored_on_reopening(qtbot: Any, demo_ws: Any,
                                                   no_dialogs: list[BaseException],
                                                   tmp_path: Path) -> None:
    chart = open_chart(qtbot, demo_ws)
    moved = node(chart, "Tan Haoyu")
    moved.setPos(QPointF(-321.0, 654.0))
    moved.pinned = True
    chart.save_layout()
    assert chart._own_runner is not None
    qtbot.waitUntil(lambda: demo_ws.chart_layouts.load(REF) is not None, timeout=10000)
    chart.close()
    again = open_chart(qtbot, demo_ws)
    tan = node(again, "Tan Haoyu")
    assert (tan.pos().x(), tan.pos().y()) == (-321.0, 654.0) and tan.pinned
    assert again.positions() == chart.positions()
    again.view.setTransform(QTransform.fromScale(0.05, 0.05))  # zoomed far out: names are
    again.set_detail(0.05)  # hidden on screen, not in the files
    again.export_png(str(tmp_path / "c.png"))
    again.export_svg(str(tmp_path / "c.svg"))
    assert (tmp_path / "c.png").stat().st_size > 10000
    svg = (tmp_path / "c.svg").read_text(encoding="utf-8")
    # Qt may write a label as one <text> per word: compare the words' run.
    words = "".join(re.findall(r">([^<>]*)</text>", svg)).replace(" ", "")
    assert "TanHaoyu" in words and "WuhanLanshuo" in words
    assert not node(again, "Tan Haoyu").label.isVisible()  # the screen's detail is back


def test_case_menu_opens_the_chart_of_the_selected_case(qtbot: Any, window: Any) -> None:
    assert window.act_chart.shortcut().toString() == "Ctrl+Shift+G"
    chart = window.show_chart()
    with qtbot.waitSignal(chart.sig_ready, timeout=20000):
        pass
    assert chart.case_ref in window.windowTitle() and chart.nodes


def test_expand_adds_the_other_cases_of_a_record(chart: Any, qtbot: Any) -> None:
    before = len(chart.nodes)
    node(chart, "Wuhan Lanshuo").setSelected(True)
    with qtbot.waitSignal(chart.sig_ready, timeout=20000):
        chart.expand_selected()
    assert len(chart.nodes) > before
    assert "CASE-2026-0011" in chart.graph.cases
    assert any(i.node.label.startswith("EX-0011") for i in chart.nodes.values())
    assert node(chart, "Wuhan Lanshuo").node.cases == (REF, "CASE-2026-0011")


def test_zoomed_out_big_charts_draw_their_edges_as_one_image(chart: Any, qtbot: Any,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    import caseapp.views.chart_overview as ov

    chart.set_detail(0.2)  # the demo chart is small: its edges stay items
    assert not chart.overview.active and chart.edges[0].isVisible()
    monkeypatch.setattr(ov, "OVERVIEW_MIN_EDGES", 10)
    chart.set_detail(0.4)
    assert chart.overview.active and not chart.edges[0].isVisible()
    assert not chart.overview.nodes_active and node(chart, "Tan Haoyu").isVisible()
    chart.set_detail(0.25)  # nodes too small to click: drawn into the image as dots
    assert chart.overview.nodes_active and not node(chart, "Tan Haoyu").isVisible()
    qtbot.waitUntil(lambda: chart.overview.image is not None, timeout=10000)
    image = chart.overview.image
    inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(0, image.width(), 3)
                for y in range(0, image.height(), 3))
    assert inked > 50
    chart.set_detail(1.0)
    assert not chart.overview.active and chart.edges[0].isVisible()
    assert node(chart, "Tan Haoyu").isVisible()
