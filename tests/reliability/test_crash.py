"""Crash tests: a child process imports, edits or migrates and is SIGKILLed at a random moment.

After every kill the database opens, `verify` passes, and the work is wholly there or wholly
absent. The short profile kills each scenario a few times (CI); `pytest tests/reliability --long`
kills it 1,000 times. Delays are drawn from a seeded generator (the seed is in every failure
message) over the time the work takes uncut, measured first, so kills land early, late, and
around the commit.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from caseapp.db import fts
from caseapp.db.migrate import current_revision, head_revision
from caseapp.services.importing import TEMPLATES
from caseapp.services.records import ListQuery
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from tests.fixtures.make_fixture import build_demo_db, row_counts

CHILD = Path(__file__).with_name("child.py")
SEED = int(os.environ.get("CASEAPP_CRASH_SEED", "20261129"))


def run_child(args: list[str], delay: float | None) -> tuple[bool, float]:
    """Run the child; kill it `delay` s after it is ready (None: let it finish).

    Returns (finished, seconds from ready to exit)."""
    proc = subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline().strip()
    start = time.perf_counter()
    if ready != "ready":
        proc.wait()
        pytest.fail(f"child did not start: {proc.stderr.read() if proc.stderr else ''}")
    if delay is not None:
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)  # no-op if it has already exited
    out, err = proc.communicate()
    took = time.perf_counter() - start
    finished = "done" in out
    if delay is None:
        assert finished and proc.returncode == 0, err
    return finished, took


def open_and_verify(path: Path, context: str) -> Workspace:
    ws = Workspace.open(path)
    report = verify_database(ws.db)
    assert report.ok, f"{context}: {report.first_problem}"
    return ws


def seizure_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"])
        writer.writeheader()
        for i in range(n):
            writer.writerow({"exhibit_ref": f"K-{i:05d}", "seized_on": "2026-03-0" + str(1 + i % 9),
                             "place": "Port of Manzanillo", "country": "MX", "agency": "SEMAR",
                             "substance": ("NPP", "4-AP", "fentanyl")[i % 3], "form": "powder",
                             "net_quantity": f"{1 + i % 40}.5", "unit": "kg",
                             "purity_percent": "", "shipment_ref": "", "concealment": "drums",
                             "notes": ""})
    return path


def index_state(path: Path, case_uid: str) -> tuple[int, list[str]]:
    """(seizures of the case in the search index, index triggers missing)."""
    con = sqlite3.connect(path)
    try:
        indexed = con.execute("SELECT count(*) FROM search_fts_seizures WHERE case_uid = ?",
                              (case_uid,)).fetchone()[0]
        return indexed, fts.missing_triggers(con)
    finally:
        con.close()


def delays(kills: int, duration: float, salt: int) -> list[float]:
    rng = random.Random(SEED + salt)
    return [rng.uniform(0, duration * 1.15) for _ in range(kills)]


def test_killed_csv_import_is_all_or_nothing(tmp_path: Path, kills: int) -> None:
    path, rows = tmp_path / "import.db", 600
    csv_path = seizure_csv(tmp_path / "seizures.csv", rows)
    with Workspace.open(path) as ws:
        for i in range(kills + 1):
            ws.cases.add({"ref": f"R-{i}", "title": f"Round {i}"})
    _, duration = run_child(["import", str(path), str(csv_path), "R-0"], None)
    outcomes = []
    for i, delay in enumerate(delays(kills, duration, 1), start=1):
        run_child(["import", str(path), str(csv_path), f"R-{i}"], delay)
        context = f"import kill {i} after {delay:.3f}s (seed {SEED})"
        with open_and_verify(path, context) as ws:
            case_uid = ws.cases.find(f"R-{i}").uid
            got = ws.seizures.list_page(ListQuery(case_uid=case_uid, limit=1)).total
        assert got in (0, rows), f"{context}: {got} of {rows} seizures"
        assert index_state(path, case_uid) == (got, []), context
        outcomes.append(got == rows)
    assert kills < 5 or not all(outcomes), "no kill landed inside the import"


def test_killed_edit_burst_keeps_each_unit_whole(tmp_path: Path, kills: int) -> None:
    path = tmp_path / "edits.db"
    with Workspace.open(path) as ws:
        ws.cases.add({"ref": "E-1", "title": "Edit burst"})
        for ref in ("EX-A", "EX-B"):
            ws.seizures.add({"exhibit_ref": ref, "seized_on": "2026-01-02", "substance": "NPP",
                             "net_quantity": "1", "unit": "kg"}, case="E-1")
    _, duration = run_child(["edits", str(path), "E-1", "60"], None)
    for i, delay in enumerate(delays(kills, duration, 2), start=1):
        run_child(["edits", str(path), "E-1", "60"], delay)
        context = f"edit kill {i} after {delay:.3f}s (seed {SEED})"
        with open_and_verify(path, context) as ws:
            a = ws.seizures.find("EX-A", case="E-1")
            b = ws.seizures.find("EX-B", case="E-1")
            assert a.notes == b.notes, f"{context}: {a.notes!r} vs {b.notes!r}"  # type: ignore[attr-defined]
            history = audit_counts(ws, (a.uid, b.uid))
            assert history[a.uid] == history[b.uid], f"{context}: audit {history}"


def audit_counts(ws: Any, uids: tuple[str, ...]) -> dict[str, int]:
    from sqlalchemy import func, select

    from caseapp.db.models import AuditEntry

    with ws.db.read() as s:
        rows = s.execute(select(AuditEntry.record_uid, func.count()).where(
            AuditEntry.record_uid.in_(uids)).group_by(AuditEntry.record_uid)).all()
    return {uid: count for uid, count in rows}


def previous_revision() -> str:
    """The revision before the head: the upgrade the next release will run."""
    from alembic.script import ScriptDirectory

    from caseapp.db.migrate import alembic_config

    down = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def test_killed_migration_leaves_the_old_or_the_new_schema(tmp_path: Path, kills: int) -> None:
    previous = previous_revision()
    source = build_demo_db(tmp_path / "source.db", previous)
    before = row_counts(source)
    work = tmp_path / "work.db"
    shutil.copyfile(source, work)
    _, duration = run_child(["migrate", str(work)], None)
    for i, delay in enumerate(delays(kills, duration, 3), start=1):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, work)
        run_child(["migrate", str(work)], delay)
        context = f"migration kill {i} after {delay:.3f}s (seed {SEED})"
        assert current_revision(work) in (previous, head_revision()), context
        with open_and_verify(work, context) as ws:  # finishes the upgrade if it was cut
            hits = ws.search.search("Lanshuo")
            assert any(h.kind == "company" for h in hits), context
        after = row_counts(work)
        assert {t: after[t] for t in before} == before, context
