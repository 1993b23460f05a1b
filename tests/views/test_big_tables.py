"""Lazy record tables: every model passes qtmodeltester; 100k rows filter and sort in SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from caseapp.services.paging import PagingService
from caseapp.services.records import ListQuery
from caseapp.views.models.history_model import HistoryTableModel
from caseapp.views.models.record_table_model import RecordTableModel
from tests.views.conftest import BIG_PLACES, BIG_ROWS, big_seizure_values, open_window


@pytest.mark.parametrize("kind", ["case", "seizure", "shipment", "company", "person", "link",
                                  "note"])
def test_record_models_pass_modeltester(demo_ws: Any, qtmodeltester: Any, kind: str) -> None:
    model = RecordTableModel(PagingService(demo_ws), kind)
    case_uid = demo_ws.cases.find("CASE-2026-0007").uid
    model.set_query(case_uid=None if kind == "case" else case_uid)
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_history_model_passes_modeltester(demo_ws: Any, qtmodeltester: Any) -> None:
    from caseapp.services.history import HistoryService

    model = HistoryTableModel(HistoryService(demo_ws))
    model.set_case(demo_ws.cases.find("CASE-2026-0007").uid)
    assert model.rowCount() > 0
    qtmodeltester.check(model)


@pytest.fixture
def big_window(qtbot: Any, big_db: Path, no_dialogs: Any) -> Any:
    from caseapp.services.workspace import Workspace

    ws = Workspace.open(big_db)
    window = open_window(qtbot, ws, big_db)
    yield window
    window.close()
    ws.close()


def expected_exhibits(keep: Any, key: Any, reverse: bool = False) -> list[str]:
    rows = [big_seizure_values(i) for i in range(BIG_ROWS)]
    rows = sorted((r for r in rows if keep(r)), key=key, reverse=reverse)
    return [r["exhibit_ref"] for r in rows]


def wait_ready(qtbot: Any, model: RecordTableModel) -> None:
    qtbot.waitUntil(lambda: model.ready, timeout=20000)


def test_100k_table_filters_and_sorts_in_sql(big_window: Any, qtbot: Any) -> None:
    tab = big_window.tabs_by_kind["seizure"]
    model = tab.model
    wait_ready(qtbot, model)
    assert model.rowCount() == BIG_ROWS
    assert tab.count_label.text() == "100,000 seizures"
    # Sort by seized_on, newest first (ties: newest row first): the first rows show at
    # once, before the ordered ids of every row have arrived.
    tab.view.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
    first = [model.data(model.index(r, 0)) for r in range(5)]
    assert not model.ready  # the first page came from SQL; the ids are still on a worker
    want = expected_exhibits(lambda r: True, lambda r: (r["seized_on"], r["exhibit_ref"]),
                             reverse=True)
    assert first == want[:5]
    wait_ready(qtbot, model)
    assert model.rowCount() == BIG_ROWS
    last = [model.data(model.index(r, 0)) for r in range(BIG_ROWS - 3, BIG_ROWS)]
    assert last == want[-3:]
    middle = [model.data(model.index(r, 0)) for r in range(50_000, 50_003)]
    assert middle == want[50_000:50_003]
    # Filter on the place, sorted by exhibit ascending.
    tab.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    tab.filter.setText("Place 42")
    tab.apply_filter()  # a text search over 100k rows runs on a worker
    assert not model.ready  # apply_filter returned before the search finished
    wait_ready(qtbot, model)
    want = expected_exhibits(lambda r: r["place"] == "Place 42", lambda r: r["exhibit_ref"])
    assert model.rowCount() == len(want) == len(range(42, BIG_ROWS, BIG_PLACES))
    assert [model.data(model.index(r, 0)) for r in range(3)] == want[:3]
    assert model.data(model.index(model.rowCount() - 1, 0)) == want[-1]


def test_fetch_more_walks_keyset_pages_then_ids_take_over(big_window: Any, qtbot: Any) -> None:
    model = big_window.tabs_by_kind["seizure"].model
    model.refresh()
    if not model.ready:  # before the ids arrive, scrolling fetches keyset pages
        while model.rowCount() < 1200 and model.canFetchMore():
            model.fetchMore()
    wait_ready(qtbot, model)
    seen = [model.data(model.index(r, 0)) for r in range(0, 1200)]
    paging = PagingService(big_window.ws)
    page = paging.page("seizure", model.query, 0, 1200, BIG_ROWS)
    assert seen == [r.exhibit_ref for r in page.records]
    assert len(model._pages) <= 64
    assert paging.count("seizure", ListQuery(case_uid=model.query.case_uid)) == BIG_ROWS
