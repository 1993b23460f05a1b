"""One answer for "how many conflicts are open": the report's cover, the Overview, the
conflicts dialog's service and `caseapp conflicts` agree, and a local edit that settles a
conflict (an op whose prev names every head) closes it in all four."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.services.bundles import BundleService
from caseapp.services.conflicts import ConflictService
from caseapp.services.overview import OverviewService
from caseapp.services.reporting import ReportService
from caseapp.services.workspace import Workspace
from tests.reports.helpers import page_texts
from tests.sync.helpers import open_ws, trust

REF = "C-CONFLICT-1"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(a, b)
    trust(b, a)
    yield a, b
    a.close()
    b.close()


def _open_counts(ws: Workspace, capsys: pytest.CaptureFixture[str],
                 tmp_path: Path) -> dict[str, int]:
    """The number of open conflicts of the case, as each front end and the report see it."""
    case_uid = ws.cases.find(REF).uid
    reports = ReportService(ws)
    cover = reports.context(reports.gather(REF), None).open_conflicts
    capsys.readouterr()
    assert main(["--db", str(ws.db.path), "conflicts", "--case", REF, "--json"]) == 0
    cli = len(json.loads(capsys.readouterr().out))
    return {"report": cover, "overview": OverviewService(ws).overview(case_uid).open_conflicts,
            "dialog": len(ConflictService(ws).list_open(REF)), "cli": cli}


def test_a_local_edit_that_settles_a_conflict_closes_it_everywhere(
        pair: tuple[Workspace, Workspace], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    a, b = pair
    a.cases.add({"ref": REF, "title": "Shared"})
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    a.cases.edit(REF, {"title": "from alice"})
    b.cases.edit(REF, {"title": "from bob"})
    BundleService(b).export_case(REF, tmp_path / "b.casebundle")
    assert BundleService(a).import_bundle(tmp_path / "b.casebundle").conflicts_opened == 1
    assert _open_counts(a, capsys, tmp_path) == dict.fromkeys(
        ("report", "overview", "dialog", "cli"), 1)
    out = tmp_path / "open.pdf"
    ReportService(a).render(REF, out)
    assert "This case has 1 open sync conflict." in " ".join(page_texts(out)[0].split())

    a.cases.edit(REF, {"title": "agreed on the phone"})  # not `resolve`: a plain edit

    assert _open_counts(a, capsys, tmp_path) == dict.fromkeys(
        ("report", "overview", "dialog", "cli"), 0)
    ReportService(a).render(REF, out)
    assert "open sync conflict" not in page_texts(out)[0]
