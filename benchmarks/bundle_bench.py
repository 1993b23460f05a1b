"""Benchmark: export and import of a case with N records, beside a plain sqlite3 insert.

    python benchmarks/bundle_bench.py [N]        (default 10,000 seizures)

Prints the seconds for: making the case through the unit of work, export, import into an
empty database, re-import (nothing new), and a plain `sqlite3` executemany of the same rows
into the same table, with the ratios import/plain and re-import/plain.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def make_case(ws, n: int, ref: str = "BENCH-1") -> str:  # type: ignore[no-untyped-def]
    """A case with `n` seizures (written through the unit of work, like the window would)."""
    from sqlalchemy import select

    from caseapp.db.models import Substance

    with ws.db.read() as s:
        substance = s.execute(select(Substance.uid).limit(1)).scalar_one()
    with ws.unit() as uow:
        case_uid = uow.create("case", {"ref": ref, "title": "Benchmark case",
                                       "status": "open"})
        for i in range(n):
            uow.create("seizure", {
                "case_uid": case_uid, "exhibit_ref": f"EX-{i:06d}",
                "seized_on": dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
                "place": f"Port warehouse {i % 17}", "substance": substance,
                "net_quantity": Decimal(i % 500) + Decimal("0.25"), "unit": "kg",
                "purity_percent": Decimal(i % 100), "lab_confirmed": i % 3 == 0,
                "notes": f"Seized from container MSCU{i:07d}"})
    return case_uid


def plain_insert(src: Path, dst: Path) -> float:
    """The same seizure rows copied with sqlite3 executemany into an identical empty table."""
    con = sqlite3.connect(src)
    cols = [r[1] for r in con.execute("PRAGMA table_info(seizures)") if r[1] != "id"]
    rows = con.execute(f"SELECT {', '.join(cols)} FROM seizures").fetchall()
    ddl = con.execute("SELECT sql FROM sqlite_master WHERE name='seizures'").fetchone()[0]
    con.close()
    out = sqlite3.connect(dst)
    out.execute("PRAGMA journal_mode=WAL")
    out.execute("PRAGMA synchronous=FULL")
    out.execute(ddl)
    started = time.perf_counter()
    with out:
        out.executemany(f"INSERT INTO seizures ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})", rows)
    took = time.perf_counter() - started
    out.close()
    return took


def main(n: int) -> None:
    os.environ.setdefault("CASEAPP_HOME", tempfile.mkdtemp(prefix="caseapp-bench-"))
    from caseapp.services.bundles import BundleService
    from caseapp.services.workspace import Workspace
    from caseapp.sync.signing import Signer

    tmp = Path(tempfile.mkdtemp(prefix="bundle-bench-"))
    src = Workspace.open(tmp / "src.db", signer=Signer(Ed25519PrivateKey.generate(), "alice"))
    dst = Workspace.open(tmp / "dst.db")
    with dst.db.begin() as s:
        from caseapp.db.models import TrustedKey
        signer = src.identity.signer
        s.execute(TrustedKey.__table__.insert().values(
            key_id=signer.key_id, public_key=signer.public_hex, name=signer.name,
            added_at="2026-01-01T00:00:00Z"))
    t = time.perf_counter()
    make_case(src, n)
    made = time.perf_counter() - t
    bundle = tmp / "bench.casebundle"
    t = time.perf_counter()
    exported = BundleService(src).export_case("BENCH-1", bundle)
    export_s = time.perf_counter() - t
    t = time.perf_counter()
    summary = BundleService(dst).import_bundle(bundle)
    import_s = time.perf_counter() - t
    t = time.perf_counter()
    again = BundleService(dst).import_bundle(bundle)
    reimport_s = time.perf_counter() - t
    plain_s = plain_insert(tmp / "src.db", tmp / "plain.db")
    print(f"records: {exported.records:,} ({n:,} seizures + case), bundle "
          f"{exported.size / 1e6:.1f} MB, {exported.ops:,} ops")
    print(f"make (unit of work): {made:8.3f} s")
    print(f"export:              {export_s:8.3f} s")
    print(f"import (empty db):   {import_s:8.3f} s   new records {summary.new_records:,}")
    print(f"re-import:           {reimport_s:8.3f} s   new ops {again.new_ops}")
    print(f"plain sqlite3 insert:{plain_s:8.3f} s")
    print(f"ratio import / plain insert:    {import_s / plain_s:8.1f}x")
    print(f"ratio re-import / plain insert: {reimport_s / plain_s:8.1f}x")
    print(f"ratio export / plain insert:    {export_s / plain_s:8.1f}x")
    src.close()
    dst.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
