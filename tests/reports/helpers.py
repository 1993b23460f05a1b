"""Helpers for report tests: minimal report input without a database, PDF text extraction."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from caseapp.domain.figures import compute_figures
from caseapp.domain.records import CaseRecord, CompanyRecord
from caseapp.reports.data import CaseDetail, ReportContext

CASE_UID = "01900000-0000-7000-8000-000000000001"


def minimal_input(company_name: str | None = None, **case_fields: object) -> CaseDetail:
    """A case with at most one company: enough for the whole report to render."""
    case = CaseRecord(uid=CASE_UID, **{"ref": "CASE-T-1", "title": "Test case",
                                       "status": "open", "handling": "LAW ENFORCEMENT SENSITIVE",
                                       **case_fields})  # type: ignore[arg-type]
    companies = ()
    if company_name is not None:
        companies = (CompanyRecord(uid="01900000-0000-7000-8000-000000000002",
                                   name=company_name, country="CN", roles=("supplier",)),)
    return CaseDetail(case=case, seizures=(), shipments=(), companies=companies, persons=(),
                      links=(), notes=(), substances={}, figures=compute_figures([], {}, {}),
                      yield_factors={})


def context(**overrides: object) -> ReportContext:
    values: dict[str, object] = dict(
        generated_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), prepared_by="Tester",
        audit_head_seq=1, audit_head_hash="0" * 64, open_conflicts=0, audit_lines=(),
        audit_total=0)
    values.update(overrides)
    return ReportContext(**values)  # type: ignore[arg-type]


def page_texts(pdf: Path | bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    from pypdf import PdfReader

    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf)
    return [page.extract_text() for page in PdfReader(source).pages]


def squash(text: str) -> str:
    """Text without any whitespace: layout decides where lines break, not the data."""
    return "".join(text.split())
