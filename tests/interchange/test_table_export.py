"""export-table: data-model column names, formula-safe CSV and xlsx, an audit entry, the CLI
and the window's "Export table..." (off the UI thread)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from caseapp.errors import CaseAppError, ValidationError
from caseapp.services.records import ListQuery
from caseapp.services.table_export import (
    FORMULA_STARTS,
    TableExportService,
    guarded,
    table_columns,
)
from tests.cli.inproc import run
from tests.interchange.helpers import CJK, FORMULAS, HOSTILE_REF, RTL, hostile_case

DEMO = "CASE-2026-0007"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_guarded_covers_every_formula_start() -> None:
    for start in FORMULA_STARTS:
        assert guarded(start + "1") == "'" + start + "1"
    assert guarded("plain =1") == "plain =1" and guarded(CJK) == CJK


def test_columns_are_the_data_model_names() -> None:
    assert table_columns("seizure")[:4] == ("uid", "exhibit_ref", "seized_on", "place")
    assert "shipment" in table_columns("seizure") and "case_uid" not in table_columns("seizure")
    assert table_columns("company")[-3:] == ("created_at", "updated_at", "created_by")
    assert table_columns("link", include_deleted=True)[-1] == "deleted_at"
    assert {"source_reliability", "info_credibility"} <= set(table_columns("link"))


def test_csv_of_hostile_text_is_formula_safe(ws: Any, tmp_path: Path) -> None:
    uids = hostile_case(ws)
    out = tmp_path / "companies.csv"
    result = TableExportService(ws).export("companies", out, case=HOSTILE_REF)
    assert result.records == 2 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = {r["uid"]: r for r in read_csv(out)}
    a = rows[uids["a"]]
    assert a["name"] == "'" + FORMULAS[0] and a["address"] == "'" + FORMULAS[1]
    assert a["sanctions_note"] == "'-2+3" and a["notes"] == "'@SUM(1,2)"
    assert a["name_original"] == CJK and a["aliases"].startswith(RTL)
    assert a["sanctioned"] == "yes" and a["roles"] == "supplier"
    for row in rows.values():
        assert not any(v.startswith(FORMULA_STARTS) for v in row.values())
    seizures = read_csv(tmp_path / "s.csv") if TableExportService(ws).export(
        "seizure", tmp_path / "s.csv", case=HOSTILE_REF) else []
    # Numbers stay numbers (a negative longitude is not a formula); references are names.
    assert seizures[0]["longitude"] == "-103.25" and seizures[0]["substance"] != ""
    assert seizures[0]["shipment"] == "SH-=1+1" and seizures[0]["exhibit_ref"] == "EX-@1"


def test_xlsx_cells_are_text_never_formulas(ws: Any, tmp_path: Path) -> None:
    hostile_case(ws)
    out = tmp_path / "shipments.xlsx"
    TableExportService(ws).export("shipments", out, case=HOSTILE_REF)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    book = load_workbook(out)
    rows = list(book.active.iter_rows())
    header = [c.value for c in rows[0]]
    assert header == list(table_columns("shipment"))
    row = {h: c for h, c in zip(header, rows[1], strict=True)}
    tracking = row["tracking_no"]
    assert tracking.value == FORMULAS[0] and tracking.data_type == "s"
    assert tracking.quotePrefix  # still text when someone edits the cell
    assert row["shipper"].value == FORMULAS[0]  # the company's name, not its uid
    assert row["gross_weight_kg"].value == 12.5 and row["transit_countries"].value == "HK; DE"
    assert str(row["shipped_on"].value)[:10] == "2026-01-05"


def test_export_follows_the_view_and_writes_an_audit_entry(demo_ws: Any,
                                                          tmp_path: Path) -> None:
    service = TableExportService(demo_ws)
    out = tmp_path / "s.csv"
    result = service.export("seizures", out, case=DEMO,
                            query=ListQuery(text="Leipzig", sort="exhibit_ref"))
    rows = read_csv(out)
    assert [r["exhibit_ref"] for r in rows] == ["EX-0007-02"] and result.records == 1
    from caseapp.services.history import HistoryService

    case_uid = demo_ws.cases.find(DEMO).uid
    entry = HistoryService(demo_ws).page(case_uid, limit=1)[0]
    assert entry.action == "export" and "1 seizure of CASE-2026-0007" in entry.summary
    assert "s.csv" in entry.summary
    every = service.export("cases", tmp_path / "c.csv")
    assert every.records == 2
    history = read_csv(tmp_path / "h.csv") if service.export(
        "history", tmp_path / "h.csv", case=DEMO) else []
    assert history[0]["action"] == "export" and set(history[0]) == {
        "seq", "at", "actor", "action", "kind", "record_uid", "record", "changes"}


def test_bad_requests_change_nothing(demo_ws: Any, tmp_path: Path) -> None:
    service = TableExportService(demo_ws)
    before = set(tmp_path.iterdir())
    with pytest.raises(ValidationError, match="name the file"):
        service.export("seizures", tmp_path / "x.ods", case=DEMO)
    with pytest.raises(ValidationError, match="no table 'vessels'"):
        service.export("vessels", tmp_path / "x.csv", case=DEMO)
    with pytest.raises(CaseAppError, match="does not exist"):
        service.export("seizures", tmp_path / "nope" / "x.csv", case=DEMO)
    assert set(tmp_path.iterdir()) == before


def test_cli_export_table(demo_ws: Any, db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "links.xlsx"
    proc = run("export-table", "links", "--case", DEMO, "-o", str(out), db=db_path)
    assert "Wrote 32 links of CASE-2026-0007" in proc.stdout
    assert load_workbook(out).active.max_row == 33
    bad = run("export-table", "links", "--case", "NOPE", "-o", str(out), db=db_path, check=1)
    assert "No case 'NOPE'" in bad.stderr and "Traceback" not in bad.stderr


def test_control_characters_and_the_sheet_size(demo_ws: Any, tmp_path: Path,
                                               monkeypatch: Any) -> None:
    from caseapp.services import table_export

    demo_ws.companies.add({"name": "Bell\x07 Trading"}, case=DEMO)
    service = TableExportService(demo_ws)
    service.export("companies", tmp_path / "c.xlsx", case=DEMO)
    names = [r[1] for r in load_workbook(tmp_path / "c.xlsx").active.values]
    assert "Bell\ufffd Trading" in names  # XML cannot hold U+0007
    service.export("companies", tmp_path / "c1.csv", case=DEMO)
    service.export("companies", tmp_path / "c2.csv", case=DEMO)
    assert (tmp_path / "c1.csv").read_bytes() == (tmp_path / "c2.csv").read_bytes()
    assert "Bell\x07 Trading" in (tmp_path / "c1.csv").read_text(encoding="utf-8-sig")
    monkeypatch.setattr(table_export, "XLSX_MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        service.export("seizures", tmp_path / "s.xlsx", case=DEMO)
    assert not (tmp_path / "s.xlsx").exists() and not (tmp_path / ".s.xlsx.part").exists()


def test_every_table_of_the_registry_exports(demo_ws: Any, tmp_path: Path) -> None:
    from caseapp.services.table_export import TABLE_KINDS

    for kind in TABLE_KINDS:
        out = tmp_path / f"{kind}.csv"
        result = TableExportService(demo_ws).export(kind, out, case=DEMO)
        with out.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        assert tuple(header) == table_columns(kind), kind
        assert result.records == len(read_csv(out)) > 0, kind
