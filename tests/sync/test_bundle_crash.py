"""A killed (SIGKILL) or cancelled import leaves the database whole: all of the bundle or none."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseapp.db.engine import Database
from caseapp.db.models import Op, Substance
from caseapp.errors import Cancelled
from caseapp.progress import CancelToken
from caseapp.services.bundles import BundleService
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from tests.sync.helpers import file_state, open_ws, trust

N = 3000
KILLS = int(os.environ.get("CRASH_KILLS", "8"))  # raise it for a long run


def big_case(ws: Workspace, n: int) -> None:
    with ws.db.read() as s:
        substance = s.execute(select(Substance.uid).limit(1)).scalar_one()
    with ws.unit() as uow:
        case = uow.create("case", {"ref": "BIG-1", "title": "Big", "status": "open"})
        for i in range(n):
            uow.create("seizure", {"case_uid": case, "exhibit_ref": f"EX-{i}",
                                   "seized_on": dt.date(2026, 1, 1), "substance": substance,
                                   "net_quantity": Decimal(i), "unit": "kg",
                                   "lab_confirmed": False, "notes": "n" * 200})


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[Path, Path, int]:
    src = open_ws(tmp_path / "src.db", "alice")
    big_case(src, N)
    bundle = tmp_path / "big.casebundle"
    ops = BundleService(src).export_case("BIG-1", bundle).ops
    target = Workspace.open(tmp_path / "pristine.db")  # the CLI's own key (CASEAPP_HOME)
    trust(target, src)
    src.close()
    target.close()
    return tmp_path / "pristine.db", bundle, ops


def op_count(path: Path) -> int:
    db = Database(path)
    try:
        with db.read() as s:
            return int(s.execute(select(func.count()).select_from(Op)).scalar() or 0)
    finally:
        db.dispose()


def run_import(db: Path, bundle: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "caseapp", "--db", str(db), "import",
                             str(bundle)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=os.environ.copy())


def test_kill_minus_nine_mid_import_leaves_all_or_nothing(prepared, tmp_path: Path) -> None:
    pristine, bundle, bundle_ops = prepared
    base = op_count(pristine)
    work = tmp_path / "work.db"
    shutil.copyfile(pristine, work)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "caseapp", "--db", str(work), "import",
                           str(bundle)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    full = time.perf_counter() - started
    complete = op_count(work)
    assert complete == base + bundle_ops - 1  # the catalogue substance's op is already here
    rng = random.Random(5)
    outcomes = []
    shutil.copyfile(pristine, work)
    for _ in range(KILLS):
        proc = run_import(work, bundle)
        time.sleep(rng.uniform(0.1, 1.1) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        db = Database(work)
        try:
            report = verify_database(db)
        finally:
            db.dispose()
        assert report.ok, report.first_problem
        count = op_count(work)
        assert count in (base, complete), count
        outcomes.append(count == base)
        if count != base:  # it finished: start again from before the import
            for suffix in ("", "-wal", "-shm"):
                Path(str(work) + suffix).unlink(missing_ok=True)
            shutil.copyfile(pristine, work)
    assert any(outcomes), "no kill landed before the commit; the test proved nothing"


def test_cancel_mid_import_changes_nothing(prepared, tmp_path: Path) -> None:
    pristine, bundle, _ = prepared
    work = tmp_path / "cancel.db"
    shutil.copyfile(pristine, work)
    before = file_state(work)
    ws = Workspace(Database(work), _identity())
    token = CancelToken()
    seen = []

    def progress(done: int, total: int, label: str) -> None:
        seen.append(label)
        if done == 3:  # applying: cancel from "another thread"
            token.cancel()

    try:
        with pytest.raises(Cancelled):
            BundleService(ws).import_bundle(bundle, progress=progress, cancel=token,
                                            record_rejection=False)
    finally:
        ws.close()
    assert "Applying changes" in seen
    assert file_state(work) == before


def _identity():  # type: ignore[no-untyped-def]
    from caseapp.db.changelog import Identity
    from caseapp.services.identity import local_signer
    return Identity(local_signer())
