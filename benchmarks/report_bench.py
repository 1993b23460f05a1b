"""Report speed: a 1,000-seizure case, full case summary versus a bare ReportLab table.

    python benchmarks/report_bench.py [--seizures 1000]

Prints pages, seconds and pages/s for `ReportService.render` (data gathering, figures, charts,
network, all tables, appendices, audit entry) and for a plain ReportLab LongTable of the same
seizure rows in the report's font and table style (fonts registered before the timing), and
the ratio of the two rates. `benchmarks/run.py --only report` measures the same, three times.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.platypus import LongTable, SimpleDocTemplate

from caseapp.domain.records import SeizureRecord
from caseapp.reports.fonts import register_fonts
from caseapp.reports.styles import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, grid_style
from caseapp.services.demo import load_demo
from caseapp.services.records import ListQuery
from caseapp.services.reporting import ReportService
from caseapp.services.workspace import Workspace

REF = "CASE-2026-0007"
SUBSTANCES = ("39742-60-4", "23056-29-3", "79099-07-3", "21409-26-7", "437-38-7")


def add_seizures(ws: Workspace, n: int) -> None:
    """`n` extra seizures in the demo case, spread over three years and five substances."""
    start = dt.date(2023, 1, 1)
    with ws.unit() as uow:
        case_uid = ws.cases.case_uid_in(uow.session, REF)
        for i in range(n):
            ws.seizures.add_in(uow, {
                "exhibit_ref": f"EX-B-{i:05d}",
                "seized_on": (start + dt.timedelta(days=i % 1000)).isoformat(),
                "place": f"Mail facility {i % 17}", "country": "US",
                "substance": SUBSTANCES[i % len(SUBSTANCES)], "form": "powder",
                "net_quantity": str(1 + i % 50), "unit": "kg",
                "purity_percent": None if i % 7 == 0 else str(40 + i % 60),
                "lab_ref": f"LAB-{i:06d}"}, case_uid=case_uid)


def bare_table(rows: list[list[str]], path: Path) -> int:
    """The same rows as a plain ReportLab LongTable in the report's font (registered before
    the clock starts: `register_fonts()`), table style and page frame; returns its pages."""
    pages: list[int] = []
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM)
    table = LongTable(rows, repeatRows=1)
    table.setStyle(grid_style())
    doc.build([table], onLaterPages=lambda c, d: pages.append(c.getPageNumber()),
              onFirstPage=lambda c, d: pages.append(c.getPageNumber()))
    return len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CASEAPP_HOME", tmp)
        ws = Workspace.open(Path(tmp) / "bench.db")
        load_demo(ws)
        add_seizures(ws, args.seizures)
        service = ReportService(ws)
        register_fonts()  # outside the timing, for both sides
        t0 = time.perf_counter()
        result = service.render(REF, Path(tmp) / "report.pdf")
        full_s = time.perf_counter() - t0
        seizures = [s for s in ws.seizures.list_all(ListQuery(case_uid=ws.cases.find(REF).uid))
                    if isinstance(s, SeizureRecord)]
        rows = [["Exhibit", "Date", "Place", "Substance", "Net", "Purity", "Lab ref"]] + [
            [s.exhibit_ref, s.seized_on.isoformat(), s.place or "", s.substance[:13],
             f"{s.net_quantity} {s.unit}", str(s.purity_percent or ""), s.lab_ref or ""]
            for s in seizures]
        t0 = time.perf_counter()
        bare_pages = bare_table(rows, Path(tmp) / "bare.pdf")
        bare_s = time.perf_counter() - t0
        ws.close()
    full_rate, bare_rate = result.pages / full_s, bare_pages / bare_s
    print(f"seizures in case:   {len(seizures):,}")
    print(f"case summary:       {result.pages} pages in {full_s:.2f} s = {full_rate:.1f} pages/s")
    print(f"bare ReportLab:     {bare_pages} pages in {bare_s:.2f} s = {bare_rate:.1f} pages/s")
    print(f"ratio (summary/bare pages/s): {full_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
