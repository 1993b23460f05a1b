"""The bulk paths keep their guarantees: counts apart from pages, import key checks."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from caseapp.errors import ConflictError, ValidationError
from caseapp.services.importing import TEMPLATES, CsvImporter
from caseapp.services.records import ListQuery


def test_pages_without_a_total_and_a_separate_count(demo_ws: Any) -> None:
    q = ListQuery(sort="seized_on", descending=True, limit=2)
    counted = demo_ws.seizures.list_page(q)
    page = demo_ws.seizures.list_page(ListQuery(sort="seized_on", descending=True, limit=2,
                                                with_total=False))
    assert page.total == -1 and page.records == counted.records
    assert demo_ws.seizures.count(q) == counted.total > 2


def test_import_still_refuses_a_key_taken_by_an_earlier_record(ws: Any, tmp_path: Path) -> None:
    ws.cases.add({"ref": "C-1", "title": "Keys"})
    ws.seizures.add({"exhibit_ref": "EX-1", "seized_on": "2026-01-02", "substance": "NPP",
                     "net_quantity": "1", "unit": "kg"}, case="C-1")
    path = tmp_path / "s.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"], restval="")
        writer.writeheader()
        writer.writerow({"exhibit_ref": "EX-1", "seized_on": "2026-01-02", "substance": "NPP",
                         "net_quantity": "2", "unit": "kg"})
        writer.writerow({"exhibit_ref": "EX-2", "seized_on": "2026-01-03", "substance": "NPP",
                         "net_quantity": "3", "unit": "kg"})
    with pytest.raises(ValidationError, match="line 2, column net_quantity: already in the"):
        CsvImporter(ws).import_file("seizures", path, "C-1")
    assert ws.seizures.count(ListQuery()) == 1
    with pytest.raises(ConflictError):  # the service path still checks keys itself
        ws.seizures.add({"exhibit_ref": "EX-1", "seized_on": "2026-01-02", "substance": "NPP",
                         "net_quantity": "1", "unit": "kg"}, case="C-1")


def test_company_names_are_matched_up_to_case(ws: Any, tmp_path: Path) -> None:
    """A name equal but for case is the same company: identical values are a duplicate, a
    different spelling is matched to the stored record (issue 14), never a second company."""
    ws.cases.add({"ref": "C-1", "title": "Names"})
    ws.companies.add({"name": "Química Arrecife S.A."})
    path = tmp_path / "c.csv"
    for name, outcome in (("Química Arrecife S.A.", "duplicate"),
                          ("QUÍMICA ARRECIFE S.A.", "matched")):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=TEMPLATES["companies"], restval="")
            writer.writeheader()
            writer.writerow({"name": name})
            writer.writerow({"name": "Nueva Química"})
        if outcome == "duplicate":
            result = CsvImporter(ws).import_file("companies", path, "C-1")
            assert (result.created, result.duplicates) == (1, 1)
        else:
            result = CsvImporter(ws).import_file("companies", path, "C-1")
            assert [(m["line"], m["record"]) for m in result.matched] == [
                (2, "Química Arrecife S.A.")]
    assert ws.companies.count(ListQuery()) == 2
