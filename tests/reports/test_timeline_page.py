"""The report's timeline page: its items are in the PDF; a big lane stays legible."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.platypus import KeepTogether, PageBreak

from caseapp.domain.records import SeizureRecord
from caseapp.reports.case_summary import build_story
from caseapp.reports.document import PageChrome, build_pdf
from caseapp.reports.fonts import register_fonts
from caseapp.reports.timeline import print_items, timeline_drawing, timeline_section
from tests.reports.helpers import context, minimal_input, page_texts, squash

REF = "CASE-2026-0007"


def test_the_timeline_page_names_the_case_records(demo_ws: Any, tmp_path: Path) -> None:
    data = demo_ws.reports.gather(REF)
    register_fonts()
    story = build_story(data, context(), "sha256:0")
    at = next(n for n, f in enumerate(story)
              if isinstance(f, KeepTogether) and "Timeline" in str(f._content[0].text))
    assert isinstance(story[at - 1], PageBreak)  # after the charts, on a page of its own
    assert not isinstance(story[at + 1], PageBreak)  # ... which the records then fill
    out = tmp_path / "r.pdf"  # the page as printed (the story's other parts take seconds)
    build_pdf(story[at:at + 3], out, PageChrome("M", REF, "now", "sha256:0"), title="t",
              author="a", keywords="k")
    page = squash(page_texts(out)[0])
    for text in ("Caseevents", "Shipments", "Seizures", "Custody", "Labresults", "Links",
                 "Notes", "SH-0007-01", "SH-0007-02", "EX-0007-01seized",
                 "EX-0007-01custody(6events)", "EX-0007-05lab:Fentanyl11.5%", "Jan2026",
                 "offers4-Anilinopiperidine", "Shipmentsrunfromshippingtoarrival"):
        assert text in page, text
    assert "Records" in page


def test_no_timeline_for_a_case_without_dates_and_marks_only_for_a_crowded_lane() -> None:
    assert timeline_section(minimal_input()) == []
    data = minimal_input(opened_on=dt.date(2024, 1, 1))
    seizures = tuple(SeizureRecord(uid=f"s{i}", case_uid=data.case.uid, exhibit_ref=f"EX-{i}",
                                   seized_on=dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
                                   substance="x", net_quantity=1, unit="g")  # type: ignore[arg-type]
                     for i in range(400))
    data = dataclasses.replace(data, seizures=seizures)
    items = print_items(data)
    assert len(items) == 401
    drawing, note = timeline_drawing(items, 500)
    assert note == "Too many to label: 400 seizures (marks only)."
    assert drawing.height < 200  # two rows of marks, not 400 labelled rows
