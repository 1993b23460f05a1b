"""The printed file itself is checked: its SHA-256 is in the printing's audit entry, it carries
the printer's PAdES signature, a supervisor's approval is a second signature in an incremental
update, and `verify-report` says which of file, signatures and data do not hold."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp.cli.main import main
from caseapp.db.models import AuditEntry
from caseapp.errors import PermissionDenied, ValidationError
from caseapp.reports.pdf_sign import read_signatures
from caseapp.services.reporting import ReportService
from caseapp.services.workspace import Workspace
from tests.sync.helpers import new_signer, pub_file

REF = "CASE-2026-0007"


@pytest.fixture
def printed(demo_ws, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "case.pdf"
    ReportService(demo_ws).render(REF, out)
    return out


def _flip(src: Path, dst: Path, at: int) -> Path:
    data = bytearray(src.read_bytes())
    data[at] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


def test_the_printing_records_the_files_sha256(demo_ws, printed: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    sha = hashlib.sha256(printed.read_bytes()).hexdigest()
    with demo_ws.db.read() as s:
        detail = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "report")
                           .order_by(AuditEntry.seq.desc())).scalar()
    assert f"file sha256 {sha}" in detail
    check = ReportService(demo_ws).verify(printed)
    assert check.matches and check.file.text.startswith("byte for byte the report printed")
    assert [s.field for s in read_signatures(printed.read_bytes()) if s.holds] == ["Printed"]


def test_one_changed_byte_anywhere_is_found(demo_ws, printed: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                            capsys: pytest.CaptureFixture[str]) -> None:
    size = printed.stat().st_size
    service = ReportService(demo_ws)
    raw = printed.read_bytes()
    keywords = raw.index(b"caseapp-fingerprint")
    for at in (0, 9, size // 7, size // 3, keywords + 30, size // 2, size - 2000, size - 300,
               size - 1):
        bad = _flip(printed, tmp_path / f"bad{at}.pdf", at)
        try:
            check = service.verify(bad)
        except ValidationError as exc:  # not even readable as a PDF any more
            assert "changed" in str(exc).lower(), at
            continue
        assert not check.matches and not check.file.ok, at
        assert "CHANGED" in check.file.text, at
    bad = _flip(printed, tmp_path / "cli.pdf", size // 2)
    assert main(["--db", str(demo_ws.db.path), "verify-report", str(bad)]) == 1
    assert "File: CHANGED" in capsys.readouterr().err


def test_a_changed_record_is_named(demo_ws, printed: Path,  # type: ignore[no-untyped-def]
                                   capsys: pytest.CaptureFixture[str]) -> None:
    demo_ws.seizures.edit("EX-0007-03", {"purity_percent": "50"}, case=REF)
    check = ReportService(demo_ws).verify(printed)
    assert check.file.ok and all(a.ok for a in check.signatures) and not check.data.ok
    assert "seizure EX-0007-03: changed since" in check.data.text
    assert main(["--db", str(demo_ws.db.path), "verify-report", str(printed)]) == 1
    assert "EX-0007-03: changed since" in capsys.readouterr().err


def _supervisor(demo_ws, tmp_path: Path) -> Workspace:  # type: ignore[no-untyped-def]
    """A team founded by demo_ws's key (admin) with a supervisor; her workspace, same file."""
    sup = new_signer("Sgt. Maria Lopez")
    demo_ws.team.init("Precursor desk")
    demo_ws.team.add(pub_file(sup, tmp_path), "supervisor")
    return Workspace.open(demo_ws.db.path, signer=sup)


def test_approval_by_a_supervisor_adds_a_second_signature(demo_ws, printed: Path,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    before = printed.read_bytes()
    with pytest.raises(PermissionDenied, match="no team list"):
        ReportService(demo_ws).approve(printed)
    sup_ws = _supervisor(demo_ws, tmp_path)
    with pytest.raises(PermissionDenied, match="Only a supervisor may approve"):
        ReportService(demo_ws).approve(printed)  # an admin is not a supervisor
    assert printed.read_bytes() == before
    try:
        check = ReportService(sup_ws).approve(printed)
    finally:
        sup_ws.close()
    after = printed.read_bytes()
    assert after.startswith(before) and len(after) > len(before)  # incremental
    assert check.matches and check.approved_by == ("Sgt. Maria Lopez",)
    assert "plus signatures added since (Approval by Sgt. Maria Lopez)" in check.file.text
    assert [s.field for s in read_signatures(after) if s.holds] == ["Printed", "Approval"]
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(printed)], capture_output=True, text=True,
                             check=False).stdout
        assert out.count("Signature Validation: Signature is Valid.") == 2, out
        assert "Signer Certificate Common Name: Sgt. Maria Lopez" in out
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(printed), "-"],
                          capture_output=True, text=True, check=False).stdout \
        if shutil.which("pdftotext") else ""
    if text:
        assert re.search(r"Approved by Sgt\. Maria Lopez\s+Role: supervisor", text), text
    # A byte changed in what the approval appended: the printed part is intact, the rest not.
    bad = _flip(printed, tmp_path / "bad.pdf", len(after) - 40)
    check = ReportService(demo_ws).verify(bad)
    assert not check.matches and "CHANGED" in check.file.text


def test_an_approval_by_a_non_supervisor_does_not_count(demo_ws, printed: Path,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    from caseapp.reports.pdf_sign import APPROVAL_FIELD, sign_pdf

    _supervisor(demo_ws, tmp_path).close()
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(sign_pdf(printed.read_bytes(), demo_ws.identity.signer,
                                field=APPROVAL_FIELD, role="supervisor"))
    check = ReportService(demo_ws).verify(forged)
    assert not check.matches and check.approved_by == ()
    assert any("approval does not count" in a.text for a in check.signatures)


def test_cut_or_garbled_files_get_an_answer_not_a_crash(demo_ws, printed: Path,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    import contextlib

    from caseapp.errors import CaseAppError

    raw = printed.read_bytes()
    service = ReportService(demo_ws)
    sig_at = raw.index(b"/ByteRange")
    for n, data in enumerate((raw[:len(raw) // 2], raw[:-10], raw[:sig_at + 12],
                              raw.replace(b"/ByteRange", b"/ByteRangf"),
                              raw.replace(b"/Contents <", b"/Contents (", 1), b"%PDF-1.4\n")):
        bad = tmp_path / f"cut{n}.pdf"
        bad.write_bytes(data)
        with contextlib.suppress(CaseAppError):  # a clear error is an answer too
            assert not service.verify(bad).matches, n
