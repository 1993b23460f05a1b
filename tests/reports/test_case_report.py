"""The case summary of the demo case, read back as a reader and a tool would read it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from caseapp.cli.main import main
from caseapp.db.models import AuditEntry
from caseapp.errors import Cancelled, ConflictError
from caseapp.progress import CancelToken
from caseapp.services.reporting import ReportService
from tests.reports.helpers import page_texts

REF = "CASE-2026-0007"
MARKING = "LAW ENFORCEMENT SENSITIVE"


def _pdftotext_pages(path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _report_entries(ws) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with ws.db.read() as s:
        return list(s.execute(select(AuditEntry.detail).where(AuditEntry.action == "report")))


def test_demo_report_pages_figures_and_metadata(demo_ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "case.pdf"
    seen: list[tuple[int, int, str]] = []
    result = ReportService(demo_ws).render(REF, out, prepared_by="Sgt. Reviewer",
                                           progress=lambda d, t, label: seen.append((d, t, label)))
    pages = _pdftotext_pages(out)
    assert len(pages) == result.pages > 5
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == lines[-1] == MARKING, f"page {number}: marking top and bottom"
        assert REF in page and f"Page {number} of {result.pages}" in page
        assert result.fingerprint in page
    text = "\n".join(pages)
    # Per substance, never a total across them; doses = 55.2 g / 2 mg; the yield as an
    # estimate (363.27... kg exactly, from 4-figure ratios and a 1-figure route yield).
    assert not re.search(r"^\s*Total\b", text, re.MULTILINE)
    assert re.search(r"N-Phenethyl-4-piperidone\s+39742-60-4\s+precursor\s+262 kg\s+255 kg",
                     text)
    assert re.search(r"Fentanyl\s+437-38-7\s+drug\s+480 g\s+55\.2 g", text)
    assert "about 27,600 at 2 mg each" in text and "about 360 kg at route yield 0.5" in text
    assert "363.273" not in text and "0.055" not in text
    assert "S30" in text and "not analogues" in text
    assert "武汉蓝硕元恒化工科技有限公司" in text  # Chinese names as text, not pictures
    assert "Sgt. Reviewer" in text
    meta = PdfReader(str(out)).metadata
    assert result.fingerprint in str(meta["/Keywords"])
    assert seen[-1][0] == seen[-1][1] and all(d <= t for d, t, _ in seen)
    [(detail,)] = _report_entries(demo_ws)
    assert result.fingerprint in detail and f"{result.pages} pages" in detail


def test_pdf_passes_qpdf_check(demo_ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    out = tmp_path / "case.pdf"
    ReportService(demo_ws).render(REF, out)
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def _without_moment(pages: list[str]) -> list[str]:
    """Page text minus the generation time and the audit head: what may differ. Whitespace is
    collapsed: where the cover's head line wraps depends on the widths of its hash's letters."""
    return [re.sub(r"entry [\d,]+, hash [0-9a-f]{64}", "HEAD",
                   re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "TIME", " ".join(p.split())))
            for p in pages]


def test_unchanged_case_gives_the_same_report_and_verify_tracks_changes(
        demo_ws, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    service = ReportService(demo_ws)
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    a = service.render(REF, first)
    b = service.render(REF, second)
    assert a.fingerprint == b.fingerprint
    assert _without_moment(page_texts(first)) == _without_moment(page_texts(second))
    assert service.verify(first).matches

    db = ["--db", str(demo_ws.db.path)]
    assert main([*db, "verify-report", str(first)]) == 0
    assert "matches" in capsys.readouterr().out
    demo_ws.seizures.edit("EX-0007-03", {"purity_percent": "50"}, case=REF)
    assert main([*db, "verify-report", str(first)]) == 1
    assert "no longer matches" in capsys.readouterr().err
    demo_ws.seizures.edit("EX-0007-03", {"purity_percent": "97.2"}, case=REF)
    assert service.verify(first).matches  # same data again: same fingerprint


def test_cancel_leaves_no_file_and_no_audit_entry(demo_ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = CancelToken()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.pdf"

    def progress(done: int, total: int, label: str) -> None:
        if label == "laying out pages" and done > 3:
            token.cancel()

    with pytest.raises(Cancelled):
        ReportService(demo_ws).render(REF, out, progress=progress, cancel=token)
    assert list(folder.iterdir()) == []
    assert _report_entries(demo_ws) == []


def test_cli_report_and_errors(demo_ws, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", str(demo_ws.db.path)]
    out = tmp_path / "cli.pdf"
    assert main([*db, "report", REF, "-o", str(out), "--by", "Lt. Ana Ruiz"]) == 0
    assert "Fingerprint sha256:" in capsys.readouterr().out and out.exists()
    assert main([*db, "report", "NO-SUCH-CASE", "-o", str(tmp_path / "n.pdf")]) == 1
    assert "No case" in capsys.readouterr().err
    not_pdf = tmp_path / "not.pdf"
    not_pdf.write_text("hello")
    assert main([*db, "verify-report", str(not_pdf)]) == 1
    assert not (tmp_path / "n.pdf").exists()


def test_a_change_during_printing_is_refused(demo_ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp.reports import case_summary

    real = case_summary.render_case_summary

    def render_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        demo_ws.seizures.edit("EX-0007-01", {"lab_ref": "CHANGED"}, case=REF)
        return result

    monkeypatch.setattr(case_summary, "render_case_summary", render_then_edit)
    out = tmp_path / "race.pdf"
    with pytest.raises(ConflictError, match="changed while the report was being printed"):
        ReportService(demo_ws).render(REF, out)
    assert not out.exists() and _report_entries(demo_ws) == []


def test_verify_report_against_another_database(demo_ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.pdf"
    ReportService(demo_ws).render(REF, out)
    other = tmp_path / "other.db"
    assert main(["--db", str(other), "init"]) == 0
    assert main(["--db", str(other), "verify-report", str(out)]) == 1
    assert f"The case {REF} that" in capsys.readouterr().err


def test_no_identifier_breaks_and_every_font_is_embedded(demo_ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Exhibit and lab refs, CAS and tracking numbers print whole in `pdftotext -layout` (no
    word of theirs is cut into a prefix on one line); `pdffonts` lists only embedded fonts."""
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = tmp_path / "case.pdf"
    ReportService(demo_ws).render(REF, out)
    detail = demo_ws.cases.show(REF)
    idents = {s.exhibit_ref for s in detail.seizures} | {s.lab_ref for s in detail.seizures
                                                         if s.lab_ref}
    idents |= {s.ref for s in detail.shipments} | {f.cas for f in detail.figures.substances
                                                   if f.cas}
    idents |= {w for s in detail.shipments for w in (s.tracking_no or "").split()}
    text = "\n".join(_pdftotext_pages(out))
    tokens = {t.strip(",.;:()") for t in text.split()}
    cut = sorted((t, i) for t in tokens for i in idents
                 if len(t) >= 4 and t != i and (i.startswith(t) or i.endswith(t)))
    assert cut == []
    for ident in idents:
        assert ident in tokens, ident
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


def _label_overlaps(drawing) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:  # type: ignore[no-untyped-def]
    """Pairs of label backdrops (the Rects of the drawing's groups) that overlap."""
    from reportlab.graphics.shapes import Group, Rect

    boxes = [(r.x, r.y, r.x + r.width, r.y + r.height) for g in drawing.contents
             if isinstance(g, Group) for r in g.contents if isinstance(r, Rect)]
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a[2], b[2]) - max(a[0], b[0]) > 0.5
            and min(a[3], b[3]) - max(a[1], b[1]) > 0.5]


def test_network_labels_do_not_overlap_whatever_the_layout(demo_ws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The layout follows the records' random uids, so every report draws another one: 40
    seeded layouts of the demo case (3 of them overlapped before the placer tried rings of
    spots beyond its first candidates)."""
    from caseapp.domain.graph_layout import layout_positions
    from caseapp.reports import network
    from caseapp.reports.styles import FRAME_WIDTH

    data = demo_ws.cases.show(REF)
    crowded = []
    for seed in range(40):
        monkeypatch.setattr(network, "layout_positions",
                            lambda *a, seed=seed, **k: layout_positions(*a, **{**k, "seed": seed}))
        drawing, _caption = network.network_drawing(data, FRAME_WIDTH)
        if _label_overlaps(drawing):
            crowded.append(seed)
    assert crowded == []


def test_network_arrows_point_subject_to_object_and_labels_do_not_overlap(demo_ws) -> None:  # type: ignore[no-untyped-def]
    from reportlab.graphics.shapes import Group, Polygon, Rect

    from caseapp.reports.network import build_network, network_drawing
    from caseapp.reports.styles import FRAME_WIDTH

    data = demo_ws.cases.show(REF)
    graph = build_network(data).graph
    ship = next(s for s in data.shipments if s.ref == "SH-0007-01")
    assert graph.edges[("company", ship.shipper), ("shipment", ship.uid)]["relation"] == \
        "shipped"
    drawing, _caption = network_drawing(data, FRAME_WIDTH)
    boxes = [(r.x, r.y, r.x + r.width, r.y + r.height) for g in drawing.contents
             if isinstance(g, Group) for r in g.contents if isinstance(r, Rect)]
    assert len(boxes) >= graph.number_of_nodes() + graph.number_of_edges()
    assert _label_overlaps(drawing) == []
    heads = [p for p in drawing.contents if isinstance(p, Polygon) and p.strokeColor is None]
    assert len(heads) == graph.number_of_edges()
