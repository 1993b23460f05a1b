"""A cancelled import leaves the database whole: all of the bundle or none.

The SIGKILL test (`caseapp import` killed mid-way, 10 times, or 1,000 with `--long`) lives
with the other crash tests: tests/reliability/test_crash.py::
test_killed_bundle_import_is_all_or_nothing (`pytest tests/reliability --long`). `big_case`
here builds its bundle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp.db.engine import Database
from caseapp.db.models import Substance
from caseapp.errors import Cancelled
from caseapp.progress import CancelToken
from caseapp.services.bundles import BundleService
from caseapp.services.workspace import Workspace
from tests import rawdb
from tests.sync.helpers import file_state, open_ws, trust

N = 3000


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


def test_cancel_mid_import_changes_nothing(prepared, tmp_path: Path) -> None:
    pristine, bundle, _ = prepared
    work = tmp_path / "cancel.db"
    rawdb.copy_database(pristine, work)
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
