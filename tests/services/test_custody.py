"""Custody events and lab results through the services, the command line and a real bundle."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from caseapp.db.models import Op, table_of
from caseapp.errors import ConflictError, IntegrityProblem, ValidationError
from caseapp.services.bundles import BundleService
from tests import rawdb
from tests.cli.inproc import run
from tests.sync.helpers import open_ws, trust

REF = "CASE-1"


def _exhibit(ws: Any) -> None:
    ws.cases.add({"ref": REF, "title": "Custody test"})
    ws.seizures.add({"exhibit_ref": "EX-1", "seized_on": "2026-03-02", "substance": "NPP",
                     "net_quantity": "12", "unit": "kg"}, case=REF)


def _chain(ws: Any) -> list[Any]:
    add = ws.custody.add_event
    return [
        add(REF, "EX-1", "received", {"at": "2026-03-02T10:00:00+00:00", "to": "Ann"}),
        add(REF, "EX-1", "sealed", {"at": "2026-03-02T11:00:00+00:00", "to": "Ann",
                                    "seal_no": "S-1", "seal_intact": "yes"}),
        add(REF, "EX-1", "transferred", {"at": "2026-03-03T09:00:00+00:00", "from": "Ann",
                                         "to": "Bob", "seal_no": "S-2"}),
    ]


def test_events_are_append_only_and_a_correction_settles_a_warning(ws: Any) -> None:
    _exhibit(ws)
    received, _sealed, transfer = _chain(ws)
    case_uid = ws.cases.find(REF).uid
    assert [w.rule for w in ws.custody.warnings(case_uid)] == ["seal_changed"]
    with pytest.raises(ConflictError, match="append-only"):
        ws.custody.edit(transfer.uid, {"seal_no": "S-1"})
    with pytest.raises(ConflictError, match="append-only"):
        ws.custody.delete(transfer.uid)
    with pytest.raises(ValidationError, match="another exhibit|No custody event"):
        ws.custody.add_event(REF, "EX-1", "transferred", {"corrects": "nope"})
    fixed = ws.custody.add_event(REF, "EX-1", "transferred", {
        "at": transfer.at, "from": "Ann", "to": "Bob", "seal_no": "S-1",
        "corrects": transfer.uid})
    assert ws.custody.warnings(case_uid) == []
    assert ws.custody.holder(REF, "EX-1") == "Bob"
    with pytest.raises(ValidationError, match="already corrected"):
        ws.custody.add_event(REF, "EX-1", "transferred", {"corrects": transfer.uid})
    # every event is still there, each with its signed op
    _seizure, events = ws.custody.chain(REF, "EX-1")
    assert [e.uid for e in events] == [received.uid, _sealed.uid, transfer.uid, fixed.uid]
    with ws.db.read() as s:
        assert s.execute(select(func.count()).select_from(Op).where(
            Op.kind == "custody")).scalar() == 4


def test_bad_events_are_refused_with_a_reason_and_change_nothing(ws: Any) -> None:
    _exhibit(ws)
    with pytest.raises(ValidationError, match="custody event was not saved.*authority"):
        ws.custody.add_event(REF, "EX-1", "destroyed", {"at": "2026-03-04T10:00"})
    with pytest.raises(ValidationError, match="in the future"):
        ws.custody.add_event(REF, "EX-1", "received", {"at": "2099-01-01T00:00"})
    with pytest.raises(ValidationError, match="No seizure"):
        ws.custody.add_event(REF, "EX-9", "received", {})
    with ws.db.read() as s:
        assert s.execute(select(func.count()).select_from(table_of("custody"))).scalar() == 0


def test_the_seizure_purity_follows_the_accepted_lab_result(ws: Any) -> None:
    _exhibit(ws)
    first = ws.lab_results.add_result(REF, "EX-1", {
        "sample_id": "S-A", "lab": "FGR", "method": "GC-MS", "substance": "NPP",
        "purity": "96.4", "uncertainty": "1.0", "report": "FGR-1", "accepted": "yes"})
    seizure = ws.seizures.find("EX-1", case=REF)
    assert (seizure.purity_percent, seizure.lab_confirmed, seizure.lab_ref) == (
        Decimal("96.4"), True, "FGR-1")
    second = ws.lab_results.add_result(REF, "EX-1", {
        "sample_id": "S-B", "lab": "DEA", "substance": "NPP", "purity": "97.0",
        "uncertainty": "0.5"})
    assert ws.seizures.find("EX-1", case=REF).purity_percent == Decimal("96.4")
    ws.lab_results.accept(second.uid)
    assert ws.seizures.find("EX-1", case=REF).purity_percent == Decimal("97.0")
    assert ws.lab_results.get(first.uid).accepted is False
    # the figures use it too
    case_uid = ws.cases.find(REF).uid
    npp = ws.cases.figures(case_uid).substances[0]
    assert npp.pure_kg == Decimal("11.64")
    # a result that disagrees (another substance) is a warning, not a change
    ws.lab_results.add_result(REF, "EX-1", {"sample_id": "S-C", "substance": "ANPP",
                                            "purity": "50"})
    rules = sorted(w.rule for w in ws.custody.warnings(case_uid))
    assert rules == ["lab_disagreement", "lab_disagreement", "lab_substance"]
    with pytest.raises(ValidationError, match="lab result was not saved.*Purity"):
        ws.lab_results.add_result(REF, "EX-1", {"sample_id": "S-D", "purity": "120"})


def test_custody_and_lab_records_travel_in_a_bundle(tmp_path: Path) -> None:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    try:
        trust(b, a)
        _exhibit(a)
        events = _chain(a)
        a.custody.add_event(REF, "EX-1", "transferred", {
            "at": events[2].at, "from": "Ann", "to": "Bob", "seal_no": "S-1",
            "corrects": events[2].uid})
        a.lab_results.add_result(REF, "EX-1", {"sample_id": "S-A", "substance": "NPP",
                                               "purity": "96.4", "accepted": "yes"})
        BundleService(a).export_case(REF, tmp_path / "x.casebundle")
        BundleService(b).import_bundle(tmp_path / "x.casebundle")
        for kind in ("custody", "lab_result"):
            t = table_of(kind)
            rows = []
            for ws in (a, b):
                with ws.db.read() as s:
                    rows.append([{k: v for k, v in r.items() if k not in ("id", "updated_at")}
                                 for r in s.execute(select(t).order_by(t.c.uid)).mappings()])
            assert rows[0] == rows[1] and rows[0], kind
        case_uid = b.cases.find(REF).uid
        assert b.seizures.find("EX-1", case=REF).purity_percent == Decimal("96.4")
        assert b.custody.warnings(case_uid) == []
        assert b.custody.holder(REF, "EX-1") == "Bob"
        # importing again changes nothing
        BundleService(b).import_bundle(tmp_path / "x.casebundle")
        assert len(b.custody.case_events(case_uid)) == 4
    finally:
        a.close()
        b.close()


def test_csv_templates_import_custody_and_lab_results_once(ws: Any, tmp_path: Path) -> None:
    from caseapp.services.importing import CsvImporter

    _exhibit(ws)
    custody = tmp_path / "custody.csv"
    custody.write_text(
        "exhibit,event,at,released_by,received_by,purpose,location,seal_no,seal_intact,"
        "condition,witness,authority,notes\n"
        "EX-1,received,2026-03-02T10:00:00+00:00,,Ann,,Port,,,,,,\n"
        "EX-1,sealed,2026-03-02T11:00:00+00:00,,Ann,,Port,S-1,yes,,,,\n", encoding="utf-8")
    lab = tmp_path / "lab.csv"
    lab.write_text(
        "exhibit,sample_id,laboratory,method,substance,purity_percent,uncertainty_percent,"
        "analysed_on,report_ref,accepted,notes\n"
        "EX-1,S-A,FGR,GC-MS,39742-60-4,97.2,1.0,2026-03-11,FGR-QF-1,yes,\n", encoding="utf-8")
    for _ in range(2):
        CsvImporter(ws).import_file("custody", custody, REF)
        CsvImporter(ws).import_file("lab_results", lab, REF)
    case_uid = ws.cases.find(REF).uid
    assert len(ws.custody.case_events(case_uid)) == 2
    assert len(ws.lab_results.case_results(case_uid)) == 1
    assert ws.seizures.find("EX-1", case=REF).purity_percent == Decimal("97.2")
    bad = tmp_path / "bad.csv"
    bad.write_text("exhibit,event,at\nEX-1,stolen,2026-03-03T10:00\nEX-7,received,\n")
    with pytest.raises(ValidationError) as err:
        CsvImporter(ws).import_file("custody", bad, REF)
    assert any("line 2, column event" in d for d in err.value.details)
    assert any("line 3, column exhibit" in d for d in err.value.details)
    assert len(ws.custody.case_events(case_uid)) == 2


def test_attachment_extract_checks_the_hash(ws: Any, tmp_path: Path, db_path: Path) -> None:
    _exhibit(ws)
    report = tmp_path / "lab-report.pdf"
    report.write_bytes(b"%PDF-1.4 lab report")
    att = ws.attachments.add_file(REF, report)
    assert ws.attachments.read(att.uid) == report.read_bytes()
    with rawdb.connect(db_path) as con:
        con.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (b"forged", att.sha256))
    with pytest.raises(IntegrityProblem, match="SHA-256"):
        ws.attachments.read(att.uid)


def test_the_commands_add_show_and_list(demo_ws: Any, db_path: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("chromatogram")
    demo_ws.attachments.add_file("CASE-2026-0007", report)
    demo_ws.close()
    db = db_path
    show = json.loads(run("case", "show", "CASE-2026-0007", "--json", db=db).stdout)
    assert [(w["exhibit"]["ref"], w["rule"]) for w in show["custody_warnings"]] == [
        ("EX-0007-05", "holder_mismatch")]
    chain = json.loads(run("custody", "show", "EX-0007-05", "--case", "CASE-2026-0007",
                           "--json", db=db).stdout)
    assert chain["holder"] == "C. Lee, chemist (CBP LSSD San Diego)"
    assert [e["event"] for e in chain["events"]][:3] == ["received", "sealed", "transferred"]
    added = json.loads(run(
        "custody", "add", "EX-0007-05", "--case", "CASE-2026-0007", "returned",
        "from=C. Lee, chemist (CBP LSSD San Diego)", "to=SA T. Whitfield (HSI San Diego)",
        "at=2026-09-01T10:00:00-07:00", "seal_no=LSSD-SD-90155", "seal_intact=yes", "--json",
        db=db).stdout)
    assert added["exhibit"]["name"] == "EX-0007-05"  # by name, never the uid twice
    bad = run("custody", "add", "EX-0007-05", "--case", "CASE-2026-0007", "destroyed",
              db=db, check=1)
    assert "authority" in bad.stderr and "Traceback" not in bad.stderr
    out = run("lab", "add", "EX-0007-05", "--case", "CASE-2026-0007", "sample_id=X-1",
              "purity_percent=12.2", "uncertainty_percent=0.5", "accepted=yes", db=db).stdout
    assert "purity is now 12.2 %" in out
    lab = json.loads(run("lab", "add", "EX-0007-05", "--case", "CASE-2026-0007",
                         "sample_id=X-2", "substance=fentanyl", "purity_percent=12.0", "--json",
                         db=db).stdout)
    assert (lab["exhibit"]["name"], lab["substance"]["name"]) == ("EX-0007-05", "Fentanyl")
    listed = json.loads(run("attachments", "list", "--case", "CASE-2026-0007", "--json",
                            db=db).stdout)
    assert [(d["filename"], d["size"]) for d in listed] == [("r.txt", 12)]
    assert listed[0]["sha256"] == hashlib.sha256(b"chromatogram").hexdigest()
    target = tmp_path / "out.txt"
    run("attachments", "extract", listed[0]["uid"], "-o", str(target), db=db)
    assert target.read_text() == "chromatogram"
    form = tmp_path / "form.pdf"
    out = run("custody", "form", "EX-0007-05", "--case", "CASE-2026-0007", "-o", str(form),
              "--by", "Sgt. Form Tester", db=db).stdout
    assert out.startswith("Wrote the custody form of EX-0007-05")
    text = " ".join(page.extract_text() for page in PdfReader(form).pages)
    assert "Chain of custody form" in text and "EX-0007-05" in text
    assert "Released by" in text and "Received by" in text
