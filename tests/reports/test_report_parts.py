"""Fingerprint rules, long tables, worker-thread rendering: without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

from caseapp.domain.figures import compute_figures
from caseapp.domain.records import SeizureRecord, SubstanceRecord
from caseapp.reports.case_summary import render_case_summary
from caseapp.reports.charts import nice_step
from caseapp.reports.data import CaseDetail
from caseapp.reports.fingerprint import fingerprint
from tests.reports.helpers import CASE_UID, context, minimal_input, page_texts

FENTANYL = SubstanceRecord(uid="01900000-0000-7000-8000-0000000000f1", name="Fentanyl",
                           cas="437-38-7", kind="drug")


def _with_seizures(n: int) -> CaseDetail:
    seizures = tuple(SeizureRecord(
        uid=f"01900000-0000-7000-8000-{i:012d}", case_uid=CASE_UID, exhibit_ref=f"EX-{i:04d}",
        seized_on=dt.date(2025, 1, 1) + dt.timedelta(days=i), substance=FENTANYL.uid,
        net_quantity=Decimal("0.5"), unit="kg", purity_percent=Decimal(10))
        for i in range(n))
    subs = {FENTANYL.uid: FENTANYL}
    base = minimal_input()
    return dataclasses.replace(base, seizures=seizures, substances=subs,
                               figures=compute_figures(seizures, subs, {}))


def test_fingerprint_ignores_local_meta_but_not_values() -> None:
    data = _with_seizures(3)
    touched = dataclasses.replace(data, seizures=tuple(
        dataclasses.replace(s, updated_at="2030-01-01T00:00:00Z", created_by="someone else")
        for s in data.seizures))
    assert fingerprint(touched) == fingerprint(data)
    edited = dataclasses.replace(data, seizures=(
        dataclasses.replace(data.seizures[0], purity_percent=Decimal(11)), *data.seizures[1:]))
    assert fingerprint(edited) != fingerprint(data)
    relabelled = dataclasses.replace(data, case=dataclasses.replace(data.case, handling="SECRET"))
    assert fingerprint(relabelled) != fingerprint(data)


def test_long_seizure_table_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    out = tmp_path / "long.pdf"
    result = render_case_summary(_with_seizures(150), context(), out)
    pages = page_texts(out)
    table_pages = [p for p in pages if "EX-0" in p and "Seizures recorded" not in p
                   and "Appendix" not in p]
    assert len(table_pages) >= 3
    assert all("Exhibit" in p and "Substance (CAS)" in p for p in table_pages)
    text = "\n".join(pages)
    assert all(f"EX-{i:04d}" in text for i in range(150))
    # 150 x 0.5 kg at 10 %: 75 kg net, 7.5 kg pure, 3,750,000 doses of 2 mg (3 figures).
    assert "75.0 kg" in text and "7.50 kg" in text and "about 3,750,000" in text
    assert result.pages == len(pages)


def test_renders_in_a_worker_thread(tmp_path: Path) -> None:
    out = tmp_path / "t.pdf"
    results = []
    worker = threading.Thread(target=lambda: results.append(
        render_case_summary(minimal_input("武汉蓝硕 Chem"), context(open_conflicts=2), out)))
    worker.start()
    worker.join(60)
    assert results and results[0].pages >= 1
    assert "2 open sync conflicts" in " ".join(page_texts(out)[0].split())


def test_axis_steps_are_round_numbers() -> None:
    assert [nice_step(n) for n in (1, 4, 7, 12, 95, 300)] == [1, 1, 2, 5, 20, 100]
