"""The timeline service and `caseapp timeline`: every dated record, filters, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from caseapp.domain.timeline import filter_items, lanes, pack_rows
from caseapp.domain.timeline_axis import ticks
from caseapp.errors import NotFoundError, ValidationError
from caseapp.services.records import ListQuery
from caseapp.services.timeline import TimelineService
from tests.cli.inproc import run

REF = "CASE-2026-0007"


def dated_records(ws: Any, ref: str) -> dict[str, set[str]]:
    """The uids of every dated record of the case, per kind, read through the services."""
    case = ws.cases.find(ref)
    q = ListQuery(case_uid=case.uid)
    return {
        "shipment": {r.uid for r in ws.shipments.list_all(q) if r.shipped_on or r.arrived_on},
        "seizure": {r.uid for r in ws.seizures.list_all(q)},
        "custody": {r.uid for r in ws.custody.case_events(case.uid)},
        "lab_result": {r.uid for r in ws.lab_results.case_results(case.uid) if r.analysed_on},
        "link": {r.uid for r in ws.links.list_all(q) if r.first_seen or r.last_seen},
        "note": {r.uid for r in ws.notes.list_all(q)},
    }


def test_the_timeline_holds_every_dated_record_of_the_case(demo_ws: Any) -> None:
    timeline = TimelineService(demo_ws).timeline(REF)
    expected = dated_records(demo_ws, REF)
    for kind, uids in expected.items():
        got = {i.uid for i in timeline.items if i.kind == kind}
        assert got == uids, kind
        assert uids, kind  # the demo case has records of every kind
    case_items = [i for i in timeline.items if i.kind == "case"]
    assert [i.label for i in case_items] == ["Case opened"]
    assert len(timeline.items) == sum(map(len, expected.values())) + 1 == timeline.total
    starts = [i.start for i in timeline.items]
    assert starts == sorted(starts)
    open_spans = [i for i in timeline.items if i.open_end]
    assert [i.key for i in open_spans] == ["SH-0007-02"]  # shipped, not arrived
    span = next(i for i in timeline.items if i.key == "SH-0007-01")
    assert (span.start.date(), span.end and span.end.date()) == (dt.date(2025, 9, 2),
                                                                  dt.date(2025, 9, 15))


def test_filters_by_kind_and_dates_and_refuses_bad_input(demo_ws: Any) -> None:
    service = TimelineService(demo_ws)
    every = service.timeline(REF)
    ships = service.timeline(REF, kinds=["shipments"])
    assert ships.items and {i.kind for i in ships.items} == {"shipment"}
    lab = service.timeline(REF, kinds=["lab"], start=dt.date(2026, 1, 1))
    assert lab.items and all(i.kind == "lab_result" and i.start.year == 2026
                             for i in lab.items)
    window = service.timeline(REF, start=dt.date(2025, 9, 10), end=dt.date(2025, 9, 20))
    keys = {i.key for i in window.items}
    # The span 2 Sep - 15 Sep touches the window; the open span from November does not.
    assert "SH-0007-01" in keys and "SH-0007-02" not in keys
    assert len(window.items) < len(every.items) == window.total
    later = service.timeline(REF, start=dt.date(2026, 10, 1), kinds=["shipment"])
    assert [i.key for i in later.items] == ["SH-0007-02"]  # still open: still going on
    with pytest.raises(ValidationError, match="not a timeline kind"):
        service.timeline(REF, kinds=["parcel"])
    with pytest.raises(ValidationError, match="before it starts"):
        service.timeline(REF, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
    with pytest.raises(NotFoundError):
        service.timeline("NO-SUCH-CASE")


def test_case_events_come_from_the_history(demo_ws: Any) -> None:
    case = demo_ws.cases.find(REF)
    demo_ws.cases.edit(case.uid, {"status": "suspended"})
    with demo_ws.unit() as uow:  # as ReportService.render records a printing (it takes 5 s)
        uow.audit("report", kind="case", record_uid=case.uid, case_uid=case.uid,
                  detail="case summary CASE-2026-0007: 14 pages")
    labels = [i.label for i in TimelineService(demo_ws).timeline(REF, kinds=["case"]).items]
    assert labels == ["Case opened", "Status: suspended", "Report printed"]


def test_lanes_per_entity_and_per_kind(demo_ws: Any) -> None:
    items = TimelineService(demo_ws).timeline(REF).items
    by_kind = lanes(items, "kind")
    assert [lane.title for lane in by_kind] == ["Case events", "Shipments", "Seizures",
                                                 "Custody", "Lab results", "Links", "Notes"]
    by_entity = lanes(items, "entity")
    assert by_entity[0].title == f"Case {REF}"
    exhibit = next(lane for lane in by_entity if lane.title == "Exhibit EX-0007-01")
    assert {i.kind for i in exhibit.items} == {"seizure", "custody", "lab_result"}
    assert sum(len(lane.items) for lane in by_entity) == len(items)
    assert pack_rows([(0, 5), (3, 8), (6, 9), (9.5, 10)], gap=0.5) == [0, 1, 0, 0]
    assert filter_items(items, kinds=()) == []


def test_axis_ticks_read_with_the_year() -> None:
    labels = [t.label for t in ticks(dt.datetime(2025, 9, 1), dt.datetime(2026, 9, 1), 12)]
    assert labels[:5] == ["Sep 2025", "Oct", "Nov", "Dec", "Jan 2026"]
    days = [t.label for t in ticks(dt.datetime(2025, 9, 28), dt.datetime(2025, 10, 3), 10)]
    assert days == ["28 Sep 2025", "29", "30", "1 Oct", "2", "3"]
    years = [t.label for t in ticks(dt.datetime(1990, 1, 1), dt.datetime(2026, 1, 1), 10)]
    assert years == ["1990", "1995", "2000", "2005", "2010", "2015", "2020", "2025"]


def test_timeline_command(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    run("demo", db=db)
    doc = json.loads(run("timeline", REF, "--json", "--kind", "seizure", db=db).stdout)
    assert doc["case"]["ref"] == REF and doc["total"] > len(doc["items"]) > 0
    assert {i["kind"] for i in doc["items"]} == {"seizure"}
    first = doc["items"][0]
    assert first["record"]["key"] == "EX-0007-01" and first["start"] == "2025-09-16"
    assert first["lane"] == {"entity": "Exhibit EX-0007-01", "kind": "Seizures"}
    text = run("timeline", REF, "--from", "2025-11-01", "--to", "2025-11-30", db=db).stdout
    assert "SH-0007-02" in text and "open" in text and "EX-0007-01" not in text
    assert "items of case CASE-2026-0007." in text
    bad = run("timeline", REF, "--to", "30/11/2025", db=db, check=1)
    assert "--to: '30/11/2025' is not a date" in bad.stderr and "Traceback" not in bad.stderr
    assert "not a timeline kind" in run("timeline", REF, "--kind", "x", db=db, check=1).stderr
