"""The case report's custody section, lab results and attachments appendix, and the
fingerprint covering them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.reports.helpers import page_texts, squash

REF = "CASE-2026-0007"


def test_the_report_prints_the_chains_the_gap_the_lab_results_and_the_attachments(
        demo_ws: Any, tmp_path: Path) -> None:
    ws = demo_ws
    scan = tmp_path / "lab-report-SD-26-04410.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned lab report")
    ws.attachments.add_file(REF, scan)
    out = tmp_path / "report.pdf"
    ws.reports.render(REF, out)
    pages = page_texts(out)
    text = squash("\n".join(pages))
    start = next(i for i, p in enumerate(pages) if "Exhibits: chain of custody" in p)
    section = squash("\n".join(pages[start:start + 3]))
    assert squash("1 custody or lab warning") in section
    assert squash("released by M. Pryor, evidence technician (HSI San Diego), but the exhibit "
                  "was last received by SA T. Whitfield") in section
    assert squash("EX-0007-01: held by K. Doyle, seized property custodian (CBP Chicago); seal "
                  "LSSD-CHI-77310") in section
    assert squash("DEA Southwest Laboratory (confirmatory)") in section
    assert squash("Appendix C. Attachments") in text
    assert "lab-report-SD-26-04410.pdf" in text
    assert hashlib.sha256(scan.read_bytes()).hexdigest() in text
    # the audit appendix names custody events, lab results and attachments, never a bare kind
    assert squash("lab result: sample SD-26-04410-A of EX-0007-05") in text
    assert squash("custody: received of EX-0007-05") in text
    assert squash("attachment: lab-report-SD-26-04410.pdf") in text
    assert ws.reports.verify(out).data_matches
    # a new custody event is printed data: the report no longer matches the database
    ws.custody.add_event(REF, "EX-0007-01", "transferred", {
        "from": "K. Doyle, seized property custodian (CBP Chicago)", "to": "AUSA R. Park"})
    assert not ws.reports.verify(out).data_matches


def test_a_case_without_exhibit_records_has_no_custody_section(ws: Any,
                                                               tmp_path: Path) -> None:
    ws.cases.add({"ref": "CASE-X", "title": "Empty"})
    out = tmp_path / "r.pdf"
    ws.reports.render("CASE-X", out)
    text = "\n".join(page_texts(out))
    assert "chain of custody" not in text and "Appendix C" not in text
