"""CSV import: all or nothing, every bad row named, re-import creates no duplicates."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from caseapp.errors import ValidationError
from caseapp.services.importing import TEMPLATES, CsvImporter
from caseapp.services.records import ListQuery
from caseapp.services.verify import verify_database


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def seizure_rows(n: int) -> list[dict[str, str]]:
    subs = ["NPP", "4-AP", "21409-26-7", "1-boc-4-piperidone", "fentanyl"]
    return [{"exhibit_ref": f"EX-{i:05d}", "seized_on": f"2026-0{1 + i % 9}-1{i % 9}",
             "place": "Port of Lázaro Cárdenas", "country": "MX", "agency": "Customs",
             "substance": subs[i % len(subs)], "form": "powder",
             "net_quantity": f"{1 + i % 50}.25", "unit": "kg",
             "purity_percent": "" if i % 4 else "87.5", "shipment_ref": "",
             "concealment": "drums labelled as industrial solvent", "notes": ""}
            for i in range(n)]


@pytest.fixture
def case(ws: Any) -> Any:
    ws.cases.add({"ref": "CASE-7", "title": "Port drums"})
    return ws


def count(ws: Any, kind: str) -> int:
    return ws.service(kind).list_page(ListQuery(include_deleted=True)).total


def test_one_bad_row_among_a_thousand_changes_nothing(case: Any, tmp_path: Path) -> None:
    rows = seizure_rows(1000)
    rows[612]["net_quantity"] = "-4"
    rows[613]["seized_on"] = "2099-01-01"
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), rows)
    with pytest.raises(ValidationError) as info:
        CsvImporter(case).import_file("seizures", path, "CASE-7")
    text = str(info.value)
    assert "2 bad row(s) of 1000; nothing was imported" in text
    assert "line 614, column net_quantity: Net quantity cannot be negative" in text
    assert "line 615, column seized_on: Seizure date 2099-01-01 is in the future" in text
    assert count(case, "seizure") == 0


def test_good_file_imports_and_reimport_creates_no_duplicates(case: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), seizure_rows(300),
                     bom=True)
    first = CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert (first.created, first.duplicates) == (300, 0)
    again = CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert (again.created, again.duplicates) == (0, 300)
    assert count(case, "seizure") == 300
    assert verify_database(case.db).ok


def test_a_changed_row_on_reimport_is_an_error_not_an_overwrite(case: Any,
                                                                 tmp_path: Path) -> None:
    rows = seizure_rows(3)
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), rows)
    CsvImporter(case).import_file("seizures", path, "CASE-7")
    rows[1]["net_quantity"] = "999"
    path = write_csv(tmp_path / "s2.csv", list(TEMPLATES["seizures"]), rows)
    with pytest.raises(ValidationError, match="line 3, column net_quantity: already in the"):
        CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert case.seizures.find("EX-00001", case="CASE-7").net_quantity == 2.25


def test_unknown_and_missing_columns_are_named(case: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["exhibit_ref", "colour"], [])
    with pytest.raises(ValidationError, match="unknown column.*colour"):
        CsvImporter(case).import_file("seizures", path, "CASE-7")
    path = write_csv(tmp_path / "s.csv", ["exhibit_ref", "place"], [])
    with pytest.raises(ValidationError, match="required column.*seized_on"):
        CsvImporter(case).import_file("seizures", path, "CASE-7")


def test_repeated_key_and_ragged_rows_are_reported(case: Any, tmp_path: Path) -> None:
    rows = seizure_rows(3)
    rows[2]["exhibit_ref"] = rows[0]["exhibit_ref"]
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("EX-9,2026-01-01\n")
    with pytest.raises(ValidationError) as info:
        CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert "line 4: repeats line 2" in str(info.value)
    assert "line 5: the row has 2 cells" in str(info.value)


def test_shipments_create_unknown_companies_and_all_kinds_import(case: Any,
                                                                 tmp_path: Path) -> None:
    shipments = write_csv(tmp_path / "sh.csv", list(TEMPLATES["shipments"]), [
        {"ref": "AWB-1", "tracking_no": "784-1234 5675", "mode": "air_cargo",
         "shipper": "Jinan Hengrui Trading", "consignee": "Importadora Sol del Norte",
         "carrier": "", "origin_country": "CN", "transit_countries": "DE;NL",
         "destination_country": "MX", "declared_description": "vitamin C",
         "declared_hs_code": "2936.27", "shipped_on": "2026-02-01", "arrived_on": "2026-02-06",
         "gross_weight_kg": "125.5", "status": "intercepted", "notes": ""}])
    result = CsvImporter(case).import_file("shipments", shipments, "CASE-7")
    assert (result.created, result.companies_created) == (1, 2)
    companies = write_csv(tmp_path / "co.csv", list(TEMPLATES["companies"]), [
        {"name": "Guangzhou Kexin Biotech", "name_original": "广州科信生物", "aliases": "Kexin",
         "country": "CN", "address": "", "city": "Guangzhou", "registration_no": "",
         "roles": "supplier", "website": "", "emails": "sales@kexin.example", "phones": "",
         "sanctioned": "no", "notes": ""}])
    assert CsvImporter(case).import_file("companies", companies, "CASE-7").created == 1
    persons = write_csv(tmp_path / "p.csv", list(TEMPLATES["persons"]), [
        {"full_name": "Li Wei", "aliases": "Kevin Li", "nationality": "CN",
         "date_of_birth": "1988-04-02", "emails": "", "phones": "", "notes": ""}])
    assert CsvImporter(case).import_file("persons", persons, "CASE-7").created == 1
    links = write_csv(tmp_path / "l.csv", list(TEMPLATES["links"]), [
        {"subject_kind": "person", "subject": "Li Wei", "relation": "employee_of",
         "object_kind": "company", "object": "Guangzhou Kexin Biotech", "evidence": "chat log",
         "source_reliability": "B", "info_credibility": "2"},
        {"subject_kind": "company", "subject": "Jinan Hengrui Trading", "relation": "shipped",
         "object_kind": "shipment", "object": "AWB-1", "evidence": "air waybill",
         "source_reliability": "A", "info_credibility": "1"}])
    assert CsvImporter(case).import_file("links", links, "CASE-7").created == 2
    assert CsvImporter(case).import_file("links", links, "CASE-7").duplicates == 2
    detail = case.cases.show("CASE-7")
    assert len(detail.companies) == 3 and len(detail.persons) == 1 and len(detail.links) == 2
    assert verify_database(case.db).ok


def test_non_utf8_file_is_refused(case: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("exhibit_ref,seized_on\nEX-1,2026-01-01 Lázaro\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        CsvImporter(case).import_file("seizures", path, "CASE-7")


SEIZURE_HEADER = ",".join(TEMPLATES["seizures"])   # 13 columns, notes last


def seizure_line(exhibit: str, notes: str = "", concealment: str = "drums") -> str:
    return f"{exhibit},2026-01-02,Port,MX,Customs,NPP,powder,1.5,kg,,,{concealment},{notes}\n"


def import_refused(ws: Any, path: Path) -> str:
    """The message of the refused import; checks that no seizure was added."""
    before = count(ws, "seizure")
    with pytest.raises(ValidationError) as info:
        CsvImporter(ws).import_file("seizures", path, "CASE-7")
    assert count(ws, "seizure") == before
    return str(info.value)


def test_an_open_quote_before_ordinary_rows_is_refused(case: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-0"), encoding="utf-8")
    CsvImporter(case).import_file("seizures", good, "CASE-7")
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1")
                    + seizure_line("EX-2", '"approx 5 kg') + seizure_line("EX-3")
                    + seizure_line("EX-4"), encoding="utf-8")
    text = import_refused(case, path)
    assert text == ('s.csv: line 3, column notes: a quoted cell is never closed (it starts '
                    'with `"approx 5 kg`); nothing was imported.')
    assert count(case, "seizure") == 1


def test_an_open_quote_closed_by_a_later_quoted_cell_is_refused(case: Any,
                                                                tmp_path: Path) -> None:
    # The stray quote pairs with the opening quote of line 5's "drums, blue": text follows it.
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1")
                    + seizure_line("EX-2", '"approx 5 kg') + seizure_line("EX-3")
                    + seizure_line("EX-4", concealment='"drums, blue"'), encoding="utf-8")
    text = import_refused(case, path)
    assert text == ('s.csv: line 3, column notes: the quoted cell that starts with `"approx 5 '
                    'kg` is only closed on line 5, with text after its closing quote: a quote is '
                    'probably left open; nothing was imported.')


def test_an_open_quote_that_leaves_a_long_row_is_reported_with_its_line(
        case: Any, tmp_path: Path) -> None:
    # The stray quote pairs with a quote that ends a cell: the row then has too many cells.
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1")
                    + seizure_line("EX-2", '"approx 5 kg') + seizure_line("EX-3")
                    + seizure_line("EX-4", concealment='about 5 kg"'), encoding="utf-8")
    text = import_refused(case, path)
    assert "line 3: the row has 14 cells, the header 13" in text
    assert "it runs on to line 5: is a quote never closed?" in text


def test_a_multi_line_quoted_notes_cell_imports(case: Any, tmp_path: Path) -> None:
    notes = 'Drums relabelled "solvent".\r\nSecond paragraph, with, commas\n\nThird.'
    path = tmp_path / "s.csv"
    cell = '"' + notes.replace('"', '""') + '"'
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1", cell) + seizure_line("EX-2"),
                    encoding="utf-8", newline="")
    result = CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert (result.rows, result.created) == (2, 2)
    assert case.seizures.find("EX-1", case="CASE-7").notes == notes


def test_lines_are_physical_lines_where_the_row_starts(case: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    bad = seizure_line("EX-2", '"two\nlines"').replace("1.5", "-1")
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1", '"a\nb\nc"') + bad
                    + "\n" + seizure_line("EX-3").replace("kg", "parsecs"), encoding="utf-8")
    text = import_refused(case, path)
    assert "line 5, column net_quantity: Net quantity cannot be negative" in text
    assert "line 8, column unit:" in text


def test_rows_with_too_many_or_too_few_cells_are_refused(case: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1")
                    + seizure_line("EX-2", "a,b") + "EX-3,2026-01-02,Port\n"
                    + seizure_line("EX-4"), encoding="utf-8")
    text = import_refused(case, path)
    assert "2 bad row(s) of 4; nothing was imported" in text
    assert "line 3: the row has 14 cells, the header 13" in text
    assert "line 4: the row has 3 cells, the header 13" in text


@pytest.mark.parametrize("size", [20_001, 131_073, 2_000_000])
def test_a_cell_over_the_limit_names_line_column_and_limit(case: Any, tmp_path: Path,
                                                           size: int) -> None:
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1")
                    + seizure_line("EX-2", concealment="x" * size) + seizure_line("EX-3"),
                    encoding="utf-8")
    text = import_refused(case, path)
    assert ("line 3, column concealment: the cell is longer than 20,000 characters, the most "
            "one cell may hold") in text
    assert "nothing was imported" in text


def test_a_cell_of_exactly_the_limit_is_read(case: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(SEIZURE_HEADER + "\n" + seizure_line("EX-1", "n" * 20_000),
                    encoding="utf-8")
    assert CsvImporter(case).import_file("seizures", path, "CASE-7").created == 1


def test_a_bad_header_is_refused_without_a_traceback(case: Any, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('exhibit_ref,"seized_on\n' + seizure_line("EX-1"), encoding="utf-8")
    assert "line 1, column 2: a quoted cell is never closed" in import_refused(case, path)


def table_count(ws: Any, table: str) -> int:
    with ws.db.read() as s:
        return int(s.connection().exec_driver_sql(f"SELECT count(*) FROM {table}").scalar())


def test_a_bad_last_row_after_rows_written_in_batches_changes_nothing(
        case: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long import writes its rows, ops and audit entries in batches into one transaction:
    a bad row after several batches still leaves no record, op, changeset or entry behind."""
    monkeypatch.setattr("caseapp.services.importing.SPILL_ROWS", 40)
    before = {t: table_count(case, t) for t in ("ops", "changesets", "audit_entries")}
    rows = seizure_rows(250)
    rows[-1]["net_quantity"] = "-4"
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), rows)
    with pytest.raises(ValidationError, match="1 bad row"):
        CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert count(case, "seizure") == 0
    assert {t: table_count(case, t) for t in before} == before
    assert table_count(case, "search_fts_seizures") == 0


def test_an_import_written_in_batches_is_searchable_signed_and_verifies(
        case: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("caseapp.services.importing.SPILL_ROWS", 40)
    monkeypatch.setattr("caseapp.db.fts.BULK_MIN_ROWS", 10)  # the bulk index path, each batch
    changesets = table_count(case, "changesets")
    path = write_csv(tmp_path / "s.csv", list(TEMPLATES["seizures"]), seizure_rows(250))
    result = CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert result.created == 250
    assert table_count(case, "changesets") - changesets == 7  # 250 rows in batches of 40
    assert table_count(case, "search_fts_seizures") == 250
    assert {h.title for h in case.search.search("EX-00249")} == {"EX-00249"}
    assert verify_database(case.db).ok
    again = CsvImporter(case).import_file("seizures", path, "CASE-7")
    assert (again.created, again.duplicates) == (0, 250)
