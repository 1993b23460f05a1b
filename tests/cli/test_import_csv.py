"""import-csv through the real entry point: a malformed file is one clear error, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import rawdb

HEADER = ("exhibit_ref,seized_on,place,country,agency,substance,form,net_quantity,unit,"
          "purity_percent,shipment_ref,concealment,notes\n")


def run(*args: str, db: Path, check: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "caseapp", "--db", str(db), *args],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert proc.returncode == check, proc.stderr + proc.stdout
    return proc


def row(exhibit: str, notes: str = "", concealment: str = "drums") -> str:
    return f"{exhibit},2026-01-02,Port,MX,Customs,NPP,powder,1.5,kg,,,{concealment},{notes}\n"


def counts(db: Path) -> tuple[int, ...]:
    con = rawdb.connect(db)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                     for t in ("seizures", "ops", "audit_entries"))
    finally:
        con.close()


@pytest.mark.parametrize(("body", "message"), [
    (row("EX-1") + row("EX-2", '"approx 5 kg') + row("EX-3") + row("EX-4"),
     'line 3, column notes: a quoted cell is never closed (it starts with `"approx 5 kg`); '
     "nothing was imported."),
    (row("EX-1") + "EX-2,2026-01-02,Port\n" + row("EX-3", "a,b"),
     "line 3: the row has 3 cells, the header 13"),
    (row("EX-1") + row("EX-2", concealment="x" * 200_000),
     "line 3, column concealment: the cell is longer than 20,000 characters, the most one cell "
     "may hold; nothing was imported."),
], ids=["open-quote", "cell-count", "cell-over-limit"])
def test_a_malformed_csv_is_a_clear_error_and_changes_nothing(tmp_path: Path, body: str,
                                                              message: str) -> None:
    db = tmp_path / "i.db"
    run("case", "new", "--ref", "C-1", "--title", "t", db=db)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + row("EX-0"), encoding="utf-8")
    run("import-csv", "seizures", str(good), "--case", "C-1", db=db)
    before = counts(db)
    bad = tmp_path / "s.csv"
    bad.write_text(HEADER + body, encoding="utf-8")
    proc = run("import-csv", "seizures", str(bad), "--case", "C-1", db=db, check=1)
    assert proc.stderr.startswith("caseapp: s.csv: ")
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr
    assert counts(db) == before and before[0] == 1
