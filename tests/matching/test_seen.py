"""Seen before: the index follows every write, the CLI and `case show --json` report it."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader

from caseapp.services.bundles import BundleService
from tests.cli.inproc import run
from tests.sync.helpers import open_ws, trust


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_phone_written_three_ways_in_two_cases_is_seen_before(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    for ref in ("CASE-A", "CASE-B"):
        run("case", "new", "--ref", ref, "--title", ref, db=db)
    run("import-csv", "companies", str(_csv(
        tmp_path / "a.csv", "name,country,phones",
        'Hubei Jingao Biotechnology Co Ltd,CN,"+86 27 8765 4321"')), "--case", "CASE-A", db=db)
    run("import-csv", "persons", str(_csv(
        tmp_path / "p.csv", "full_name,nationality,phones",
        "Li Na,CN,0086-27-87654321")), "--case", "CASE-B", db=db)
    run("import-csv", "companies", str(_csv(
        tmp_path / "b.csv", "name,country,phones",
        "Wuhan Other Trading Co,CN,027 8765 4321")), "--case", "CASE-B", db=db)

    doc = json.loads(run("seen", "company", "Hubei Jingao Biotechnology Co Ltd", "--json",
                         db=db).stdout)
    assert doc["record"]["name"] == "Hubei Jingao Biotechnology Co Ltd"
    found = {(e["case"], e["kind"], e["name"], e["matched_on"], e["value"])
             for e in doc["seen_in"]}
    assert found == {("CASE-B", "person", "Li Na", "phone", "+862787654321"),
                     ("CASE-B", "company", "Wuhan Other Trading Co", "phone", "+862787654321")}
    assert all(set(e) == {"case", "kind", "uid", "name", "matched_on", "value", "score"}
               for e in doc["seen_in"])

    shown = json.loads(run("case", "show", "CASE-A", "--json", db=db).stdout)
    assert [e["case"] for e in shown["companies"][0]["seen_in"]] == ["CASE-B", "CASE-B"]
    text = run("seen", "person", "Li Na", db=db).stdout
    assert "CASE-A" in text and "Hubei Jingao" in text
    pdf = tmp_path / "a.pdf"
    run("report", "CASE-A", "-o", str(pdf), db=db)
    printed = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "Seen in other cases" in printed
    assert "CASE-B (Li Na), matched on phone +862787654321" in printed

    # An edit that changes the number takes the record out of the index in the same write.
    run("edit", "person", "Li Na", "phones=+1 202 555 0100", db=db)
    doc = json.loads(run("seen", "company", "Hubei Jingao Biotechnology Co Ltd", "--json",
                         db=db).stdout)
    assert {e["kind"] for e in doc["seen_in"]} == {"company"}
    run("delete", "company", "Wuhan Other Trading Co", db=db)
    doc = json.loads(run("seen", "company", "Hubei Jingao Biotechnology Co Ltd", "--json",
                         db=db).stdout)
    assert doc["seen_in"] == []


def test_seen_before_follows_bundle_imports(tmp_path: Path) -> None:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(a, b)
    trust(b, a)
    try:
        a.cases.add({"ref": "CASE-A", "title": "A"})
        a.companies.add({"name": "湖北精奥生物科技有限公司", "country": "CN",
                         "registration_no": "91110000600037341L"}, case="CASE-A")
        b.cases.add({"ref": "CASE-B", "title": "B"})
        b.companies.add({"name": "Hubei Jingao Biotechnology Co Ltd", "country": "CN"},
                        case="CASE-B")
        BundleService(a).export_case("CASE-A", tmp_path / "a.bundle")
        BundleService(b).import_bundle(tmp_path / "a.bundle")
        doc = b.seen.seen("company", "Hubei Jingao Biotechnology Co Ltd")
        assert [(e["case"], e["matched_on"], e["value"]) for e in doc["seen_in"]] == [
            ("CASE-A", "name", "jingao")]
    finally:
        a.close()
        b.close()


def test_seen_refuses_other_kinds_and_unknown_records(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run("case", "new", "--ref", "CASE-A", "--title", "A", db=db)
    proc = run("seen", "company", "Nobody Ltd", db=db, check=1)
    assert "No company" in proc.stderr and "Traceback" not in proc.stderr


def test_an_import_row_naming_a_known_company_joins_the_case_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    for ref in ("CASE-A", "CASE-B"):
        run("case", "new", "--ref", ref, "--title", ref, db=db)
    run("import-csv", "companies", str(_csv(tmp_path / "a.csv", "name,country,notes",
                                            "Los Choneros,EC,gang")), "--case", "CASE-A", db=db)
    run("import-csv", "persons", str(_csv(tmp_path / "p.csv", "full_name,nationality",
                                          "Li Na,CN")), "--case", "CASE-A", db=db)
    proc = run("import-csv", "companies", str(_csv(
        tmp_path / "b.csv", "name,country,notes",
        "LOS CHONEROS,EC,other text", "Los  Choneros S.A.,EC,")), "--case", "CASE-B",
        "--json", db=db)
    doc = json.loads(proc.stdout)
    assert doc["created"] == 1  # "Los Choneros S.A." is another spelling: a new record
    assert [(m["line"], m["row"], m["record"]) for m in doc["matched"]] == [
        (2, "LOS CHONEROS", "Los Choneros")]
    text = run("import-csv", "persons", str(_csv(tmp_path / "q.csv", "full_name,nationality",
                                                 "li na.,CN")), "--case", "CASE-B", db=db).stdout
    assert "'li na.' is the stored 'Li Na'" in text
    shown = json.loads(run("case", "show", "CASE-B", "--json", db=db).stdout)
    names = {c["name"]: c for c in shown["companies"]}
    assert set(names) == {"Los Choneros", "Los  Choneros S.A."}
    assert names["Los Choneros"]["notes"] == "gang"  # nothing stored was overwritten
    assert [p["full_name"] for p in shown["persons"]] == ["Li Na"]
