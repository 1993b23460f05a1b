"""A printed report carries the audit head, signed by whoever printed it: `verify-report`
tells when the database's history was rewritten or cut since, or when the head was altered."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from caseapp.cli.main import main
from caseapp.services.reporting import ReportService
from tests.db.test_audit_checkpoints import attacker, rechain

REF = "CASE-2026-0007"


@pytest.fixture
def printed(demo_ws, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "case.pdf"
    ReportService(demo_ws).render(REF, out)
    demo_ws.close()
    return out


def verify(db: Path, pdf: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--db", str(db), "verify-report", str(pdf)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_intact_history_is_confirmed(demo_ws, printed: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    keywords = str(PdfReader(str(printed)).metadata["/Keywords"])
    assert "caseapp-audit-head" in keywords and "caseapp-head-signature" in keywords
    code, out = verify(demo_ws.db.path, printed, capsys)
    assert code == 0 and "still in this database's audit chain" in out


def test_a_rewritten_history_is_reported(demo_ws, printed: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    con = attacker(demo_ws.db.path)
    con.execute("UPDATE audit_entries SET actor = 'nobody' WHERE seq = 5")
    rechain(con)
    con.commit()
    con.close()
    code, out = verify(demo_ws.db.path, printed, capsys)
    assert code == 1 and "the audit history was rewritten since it was printed" in out


def test_a_cut_history_is_reported(demo_ws, printed: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    con = attacker(demo_ws.db.path)
    (last,) = con.execute("SELECT max(seq) FROM audit_entries").fetchone()
    con.execute("DELETE FROM audit_entries WHERE seq >= ?", (last - 1,))
    con.commit()
    con.close()
    code, out = verify(demo_ws.db.path, printed, capsys)
    assert code == 1 and "entries were removed since" in out


def test_an_altered_head_in_the_file_is_reported(demo_ws, printed: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 capsys) -> None:
    reader = PdfReader(str(printed))
    meta = dict(reader.metadata)
    words = str(meta["/Keywords"])
    head = words.split("caseapp-audit-head ")[1].split(":")[0]
    meta["/Keywords"] = words.replace(f"caseapp-audit-head {head}:",
                                      f"caseapp-audit-head {int(head) - 1}:")
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata(meta)
    forged = tmp_path / "forged.pdf"
    with forged.open("wb") as fh:
        writer.write(fh)
    code, out = verify(demo_ws.db.path, forged, capsys)
    assert code == 1 and "does not verify" in out
