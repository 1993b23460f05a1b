"""The caseapp command through its real entry point (a child process), as scripts use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import rawdb


def run(*args: str, db: Path | None = None, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "caseapp"]
    if db is not None:
        argv += ["--db", str(db)]
    proc = subprocess.run([*argv, *args], capture_output=True, text=True, env=os.environ.copy(),
                          timeout=120)
    if check is not None:
        assert proc.returncode == check, proc.stderr + proc.stdout
    return proc


def test_version() -> None:
    assert run("--version").stdout.startswith("caseapp ")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    proc = run("case", "frobnicate", db=tmp_path / "x.db", check=2)
    assert "invalid choice" in proc.stderr


def test_init_is_idempotent_and_db_comes_from_env(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("CASEAPP_DB", str(db))
    assert "Created" in run("init").stdout
    assert "Opened" in run("init").stdout
    assert db.exists()


def test_demo_then_case_show_json_uses_data_model_names(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run("demo", db=db)
    assert "already loaded" in run("demo", db=db).stdout
    cases = json.loads(run("cases", "--json", db=db).stdout)
    assert len(cases) == 2
    ref = cases[0]["ref"]
    doc = json.loads(run("case", "show", ref, "--json", db=db).stdout)
    for key in ("uid", "ref", "title", "status", "opened_on", "lead_investigator", "agency",
                "handling", "seizures", "shipments", "companies", "persons", "links", "figures"):
        assert key in doc, key
    seizure = doc["seizures"][0]
    for key in ("exhibit_ref", "seized_on", "substance", "net_quantity", "unit",
                "purity_percent", "lab_ref", "shipment"):
        assert key in seizure
    assert set(seizure["substance"]) == {"uid", "name"}
    assert isinstance(seizure["net_quantity"], (int, float))
    assert any(c["name_original"] for c in doc["companies"])
    fig = doc["figures"]
    assert fig["fentanyl_lethal_doses"] > 0 and fig["assumptions"]["lethal_dose_mg"] == 2
    assert {"substance", "cas", "seizures", "net_kg", "pure_kg", "purity_known"} <= set(
        fig["substances"][0])
    assert run("verify", db=db).returncode == 0


def test_case_new_edit_delete_restore(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run("case", "new", "--ref", "CASE-2026-0042", "--title", "Vitamin C parcels", db=db)
    proc = run("case", "new", "--ref", "CASE-2026-0042", "--title", "again", db=db, check=1)
    assert "already taken" in proc.stderr and "Traceback" not in proc.stderr
    out = json.loads(run("edit", "case", "CASE-2026-0042", "status=suspended",
                         "summary=Waiting for lab", "--json", db=db).stdout)
    assert out["status"] == "suspended" and out["summary"] == "Waiting for lab"
    proc = run("edit", "case", "CASE-2026-0042", "status=dormant", db=db, check=1)
    assert "not one of open, suspended, closed" in proc.stderr
    run("delete", "case", "CASE-2026-0042", db=db)
    assert json.loads(run("cases", "--json", db=db).stdout) == []
    run("restore", "case", "CASE-2026-0042", db=db)
    assert len(json.loads(run("cases", "--json", db=db).stdout)) == 1


def test_import_csv_reports_bad_rows_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    csv = tmp_path / "s.csv"
    csv.write_text("exhibit_ref,seized_on,substance,net_quantity,unit\n"
                   "E1,2026-01-02,NPP,1.5,kg\n"
                   "E2,2026-01-03,NOT-A-CHEMICAL,1,kg\n", encoding="utf-8")
    proc = run("import-csv", "seizures", str(csv), "--case", "C-1", db=db, check=1)
    assert "line 3, column substance: Unknown substance 'NOT-A-CHEMICAL'" in proc.stderr
    doc = json.loads(run("case", "show", "C-1", "--json", db=db).stdout)
    assert doc["seizures"] == []
    csv.write_text("exhibit_ref,seized_on,substance,net_quantity,unit\n"
                   "E1,2026-01-02,NPP,1.5,kg\n", encoding="utf-8")
    assert "Imported 1 seizure into" in run("import-csv", "seizures", str(csv), "--case", "C-1",
                                        db=db).stdout


def test_search_finds_chinese_names_and_cas(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    run("demo", db=db)
    hits = json.loads(run("search", "39742-60-4", "--json", db=db).stdout)
    assert hits[0]["kind"] == "substance" and "piperidone" in hits[0]["title"].lower()
    companies = json.loads(run("case", "show", json.loads(run("cases", "--json", db=db).stdout)[0]
                               ["ref"], "--json", db=db).stdout)["companies"]
    chinese = next(c["name_original"] for c in companies if c["name_original"])
    hits = json.loads(run("search", chinese, "--json", db=db).stdout)
    assert any(h["kind"] == "company" for h in hits)


def test_verify_fails_and_names_a_tampered_audit_entry(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    out = run("verify", db=db).stdout
    for check in ("integrity", "foreign keys", "audit chain", "change log vs tables"):
        assert check in out
    con = rawdb.connect(db)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET detail='nothing happened' WHERE seq=1")
    con.commit()
    con.close()
    proc = run("verify", db=db, check=1)
    assert "audit entry 1" in proc.stderr


def test_keygen_and_whoami(tmp_path: Path) -> None:
    key = tmp_path / "alice.key"
    assert "Key id" in run("keygen", "-o", str(key), "--name", "Alice").stdout
    assert json.loads(key.with_name("alice.key.pub").read_text())["name"] == "Alice"
    run("keygen", "-o", str(key), check=1)
    who = json.loads(run("whoami", "--json").stdout)
    assert who["name"] == "tester" and len(who["key_id"]) == 32


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    proc = run("cases", db=tmp_path / "nowhere.db", check=1)
    assert "No database at" in proc.stderr and "caseapp --db" in proc.stderr
