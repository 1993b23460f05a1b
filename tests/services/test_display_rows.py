"""The table views' read path: display rows with only the fields shown, records on demand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from caseapp.services.paging import PagingService
from caseapp.services.records import ListQuery

SHOWN = ("exhibit_ref", "seized_on", "net_quantity", "unit")


def test_a_display_page_reads_only_the_fields_shown_and_opens_to_the_full_record(
        demo_ws: Any) -> None:
    paging = PagingService(demo_ws)
    case_uid = demo_ws.cases.find("CASE-2026-0007").uid
    q = ListQuery(case_uid=case_uid, sort="seized_on", descending=True)
    total = paging.count("seizure", q)
    page = paging.display_page("seizure", q, 0, 5, total, fields=SHOWN)
    records = paging.page("seizure", q, 0, 5, total).records
    assert [r.exhibit_ref for r in page.rows] == [r.exhibit_ref for r in records]
    first = page.rows[0]
    assert set(first.fields) == {"id", "uid", "deleted_at", *SHOWN}
    assert isinstance(first.seized_on, dt.date) and isinstance(first.net_quantity, Decimal)
    assert page.keys[0] == (first.seized_on, first.id) == records_keys(paging, q, total)
    assert page.last_key() == page.keys[-1]
    opened = paging.record_of("seizure", first)
    assert opened == demo_ws.seizures.get(first.uid)  # every field, read again by id
    assert opened.substance  # a field the page did not read


def records_keys(paging: PagingService, q: ListQuery, total: int) -> Any:
    return paging.page("seizure", q, 0, 5, total).keys[0]


def test_display_rows_by_id_keep_the_order_given(demo_ws: Any) -> None:
    paging = PagingService(demo_ws)
    case_uid = demo_ws.cases.find("CASE-2026-0007").uid
    ids = list(paging.ordered_ids("seizure", ListQuery(case_uid=case_uid)))
    assert len(ids) > 3
    wanted = [ids[2], ids[0], ids[1]]
    rows = paging.display_rows("seizure", wanted, fields=SHOWN)
    assert [r.id for r in rows] == wanted
    assert [r.uid for r in rows] == [r.uid for r in paging.by_ids("seizure", wanted)]


@pytest.mark.parametrize("descending", [False, True])
def test_pages_from_prepared_sql_match_the_record_pages(demo_ws: Any, descending: bool) -> None:
    """First page and each next page from the last key (the prepared SQL) read the same rows
    as the record pages, in both orders; deleted rows stay out."""
    paging = PagingService(demo_ws)
    case_uid = demo_ws.cases.find("CASE-2026-0007").uid
    q = ListQuery(case_uid=case_uid, sort="seized_on", descending=descending)
    total = paging.count("seizure", q)
    demo_ws.seizures.delete(paging.page("seizure", q, 1, 1, total).records[0].uid)
    total -= 1
    want = [r.uid for r in paging.page("seizure", q, 0, total, total).records]
    got: list[str] = []
    after = None
    while len(got) < total:
        page = paging.display_page("seizure", q, len(got), 3, total, after=after, fields=SHOWN)
        assert page.rows
        got += [r.uid for r in page.rows]
        after = page.last_key()
    assert got == want
